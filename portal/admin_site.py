"""The portal's admin site: Django's, with a "view on site" shortcut that keeps to what the admin shows.

Django's shortcut `/admin/r/<content type>/<id>/` redirects any staff user to any object's page,
which would name another municipality's unpublished page and tell which ids exist. Here it
redirects only to an object that the admin of its model shows this user (the model admin's
queryset, which starts from the app's access policy, and its view permission); any other object,
and any model without an admin, answers 404 exactly like an object that does not exist.
"""

from functools import wraps

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes import views as contenttype_views
from django.contrib.contenttypes.models import ContentType
from django.http import Http404, QueryDict
from django.urls import URLPattern, path
from django.utils.translation import gettext_lazy as _

VIEW_ON_SITE = "view_on_site"


def without_nul_characters(request) -> None:
    """Take NUL characters out of the query string's values: PostgreSQL refuses them in any text it compares
    (a search, an autocomplete's term, a filter), and no search means one."""
    if any("\x00" in value for values in request.GET.lists() for value in values[1]):
        cleaned = QueryDict(mutable=True)
        for name, values in request.GET.lists():
            cleaned.setlist(name.replace("\x00", ""), [value.replace("\x00", "") for value in values])
        cleaned._mutable = False
        request.GET = cleaned


class PortalAdminSite(admin.AdminSite):
    site_header = "Pårørendeportalen \N{EN DASH} administration"  # a name, the same in Danish and English
    site_title = _("Pårørendeportalen")
    index_title = _("Administration")

    def admin_view(self, view, cacheable=False):
        """Every admin page (lists, searches, autocomplete) reads a query string without NUL characters."""
        protected = super().admin_view(view, cacheable)

        @wraps(view)
        def inner(request, *args, **kwargs):
            without_nul_characters(request)
            return protected(request, *args, **kwargs)

        return inner

    def get_urls(self) -> list:
        return [
            self._view_on_site_url() if getattr(url, "name", None) == VIEW_ON_SITE else url
            for url in super().get_urls()
        ]

    def _view_on_site_url(self) -> URLPattern:
        return path("r/<path:content_type_id>/<path:object_id>/", self.admin_view(self.view_on_site), name=VIEW_ON_SITE)

    def view_on_site(self, request, content_type_id: str, object_id: str):
        """Redirect to the object's page if the admin shows this user the object; 404 otherwise."""
        model_admin = self._model_admin_for(content_type_id)
        obj = model_admin.get_object(request, unquote(object_id)) if model_admin else None
        if obj is None or not model_admin.has_view_permission(request, obj):
            raise Http404
        return contenttype_views.shortcut(request, content_type_id, object_id)

    def _model_admin_for(self, content_type_id: str) -> admin.ModelAdmin | None:
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except (ContentType.DoesNotExist, ValueError):
            return None
        return self._registry.get(model)
