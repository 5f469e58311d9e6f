from datetime import time
from importlib import import_module

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

from .schedule import Every, Job


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")
    periodic_tasks = (
        Job(
            "portal.erase_expired_personal_data", "portal.tasks.erase_expired_personal_data", Every.DAY, at=time(2, 30)
        ),
        Job("portal.publish_due_pages", "portal.tasks.publish_due_pages", Every.MINUTE),
    )

    def ready(self) -> None:
        import_module(f"{self.name}.signals")  # connects the signal receivers
        import_module(f"{self.name}.checks")  # registers the deploy checks
        import_module(f"{self.name}.login_middleware")  # starts a session's clock at every login
        from django.db.models.signals import post_migrate

        from .standard_pages import give_standard_pages_after_migrate

        post_migrate.connect(give_standard_pages_after_migrate, sender=self, dispatch_uid="portal.standard_pages")

    def personal_data_stores(self) -> list:
        """The core's stores of personal data (see portal.personal_data): staff logins and sessions."""
        from .personal_data import core_stores

        return core_stores()


class PortalAdminConfig(AdminConfig):
    """Django's admin with the portal's admin site (portal.admin_site) as `admin.site`."""

    default = False
    default_site = "portal.admin_site.PortalAdminSite"
