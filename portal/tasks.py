"""The core's scheduled work (listed in PortalConfig.periodic_tasks, run by the task queue).

`erase_expired_personal_data`, daily: every store of personal data the apps register (portal.personal_data)
erases what it has kept long enough, as `manage.py erase_expired_records` does by hand.
`publish_due_pages`, every minute: the policy pages whose editors set a time to publish them.
"""

from django_tasks import task

from . import services
from .personal_data import erase_all


@task()
def erase_expired_personal_data() -> dict[str, int]:
    """{store's name: rows erased}; no personal data in the result (it is kept with the task)."""
    return {str(store.name): rows for store, rows in erase_all()}


@task()
def publish_due_pages() -> list[int]:
    """The ids of the pages published (no personal data)."""
    return services.publish_due_pages()
