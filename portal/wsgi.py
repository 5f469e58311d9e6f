import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
application = get_wsgi_application()


def _warm_up() -> None:
    """Load the URLconf (and so every view module) now: with gunicorn's preload_app, once in the master.

    A worker forked from the master, or started again by worker recycling, then serves its first request
    without importing anything. No database connection is left open to be shared by the forked workers.
    """
    from django.db import connections
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 - imports the URLconf and the views it names
    connections.close_all()


_warm_up()
