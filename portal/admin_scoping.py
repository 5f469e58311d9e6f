"""Admin classes that never show or accept another municipality's rows (see portal.scoping)."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.http import Http404

from .scoping import AccessPolicy, belongs_to_user_municipality, municipality_policy, visible_to


class ScopedChoicesMixin:
    """Foreign-key and many-to-many choices only from the user's municipality."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if hasattr(db_field.related_model, "MUNICIPALITY_LOOKUP"):
            kwargs["queryset"] = visible_to(request.user, db_field.related_model._default_manager.all())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if hasattr(db_field.related_model, "MUNICIPALITY_LOOKUP"):
            kwargs["queryset"] = visible_to(request.user, db_field.related_model._default_manager.all())
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class MunicipalityScopedAdmin(ScopedChoicesMixin, admin.ModelAdmin):
    """Lists, forms, choices and object URLs limited to what the app's access policy lets the user see.

    An object outside it answers 404 by id, exactly like one that does not exist, also through the
    "view on site" shortcut (portal.admin_site). The `municipality` field is set from the user for
    everyone but a platform superuser.
    """

    policy: AccessPolicy = municipality_policy

    def get_queryset(self, request):
        return self.policy.visible(request.user, super().get_queryset(request))

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if not request.user.is_superuser and self._has_municipality_field():
            excluded.append("municipality")
        return excluded

    def get_list_display(self, request):
        columns = super().get_list_display(request)
        return columns if request.user.is_superuser else [c for c in columns if c != "municipality"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        return [
            (name, {**options, "fields": [field for field in options["fields"] if field != "municipality"]})
            for name, options in fieldsets
        ]

    def _has_municipality_field(self) -> bool:
        return any(f.name == "municipality" for f in self.model._meta.fields)

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        if request.user.is_superuser or not self._has_municipality_field():
            return form_class
        municipality_id = request.user.municipality_id

        class OwnMunicipalityForm(form_class):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                # Set before validation, so that model validation sees the municipality it will have.
                self.instance.municipality_id = municipality_id

            def _get_validation_exclusions(self):
                # The field is not on the form, but the municipality is set: check the constraints that
                # include it (a name another row of the municipality already has), not fail in the database.
                return super()._get_validation_exclusions() - {"municipality"}

        return OwnMunicipalityForm

    def _object_in_scope_or_404(self, request, object_id):
        if object_id is not None and self.get_object(request, unquote(object_id)) is None:
            raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._object_in_scope_or_404(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(self, request, object_id, extra_context=None):
        self._object_in_scope_or_404(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(self, request, object_id, extra_context=None):
        self._object_in_scope_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def _in_scope(self, request, obj) -> bool:
        return obj is None or belongs_to_user_municipality(request.user, obj)


class MunicipalityScopedInline(ScopedChoicesMixin, admin.StackedInline):
    """An inline whose choices are limited like MunicipalityScopedAdmin's."""
