from importlib import import_module

from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = _("Portal")

    def ready(self) -> None:
        import_module(f"{self.name}.signals")  # connects the signal receivers
        import_module(f"{self.name}.login_middleware")  # starts a session's clock at every login


class PortalAdminConfig(AdminConfig):
    """Django's admin with the portal's admin site (portal.admin_site) as `admin.site`."""

    default = False
    default_site = "portal.admin_site.PortalAdminSite"
