from importlib import import_module
from typing import ClassVar

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import staff_services
from .access import portal_policy
from .admin_scoping import MunicipalityScopedAdmin, MunicipalityScopedInline
from .models import Municipality, Page, Section, Unit, User
from .roles import Role
from .staff_rules import admin_access


@admin.register(Municipality)
class MunicipalityAdmin(MunicipalityScopedAdmin):
    policy = portal_policy
    list_display = ("name", "kommunekode", "slug", "website")
    search_fields = ("name", "kommunekode")
    fieldsets = (
        (None, {"fields": ["name", "slug", "kommunekode", "website", "region"]}),
        (_("Policy"), {"fields": ["policy_title", "policy_subtitle"]}),
        (_("Contact details in the footer"), {"fields": ["address", "phone", "email", "accessibility_statement_url"]}),
        (_("English"), {"fields": ["policy_title_en", "policy_subtitle_en"], "classes": ["collapse"]}),
    )

    def get_readonly_fields(self, request, obj=None):
        if request.user.is_superuser:
            return []
        return ["name", "slug", "kommunekode", "region"]

    def has_add_permission(self, request):
        return request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class UnitAdminForm(forms.ModelForm):
    """Checked by the staff services' own rules (portal.staff_services.check_unit), with their Danish messages."""

    class Meta:
        model = Unit
        fields: ClassVar = ["municipality", "name", "area"]
        error_messages: ClassVar = {
            "name": {"required": _("Write the unit's name.")},
            "area": {"required": _("Choose the unit's area."), "invalid_choice": _("Choose the unit's area.")},
        }

    def clean(self):
        cleaned_data = super().clean()
        municipality = cleaned_data.get("municipality") or getattr(self.instance, "municipality", None)
        if municipality is None or "name" not in cleaned_data or "area" not in cleaned_data:
            return cleaned_data
        try:
            cleaned_data["name"] = staff_services.check_unit(
                municipality, cleaned_data["name"], cleaned_data["area"], exclude=self.instance.pk
            )
        except staff_services.DuplicateUnit:
            self.add_error("name", _("The municipality already has a unit with this name."))
        return cleaned_data

    def validate_unique(self):
        """Left to check_unit, whose message is the staff pages' own (the database constraint stays)."""


@admin.register(Unit)
class UnitAdmin(MunicipalityScopedAdmin):
    """Units are created, renamed and closed through portal.staff_services, as on the staff pages: the same
    checks, the same entries in the admin log (so "History" shows them once), and never deleted (closing keeps
    the history)."""

    policy = portal_policy
    form = UnitAdminForm
    list_display = ("name", "area", "closed_on", "municipality")
    list_filter = ("area", ("closed_on", admin.EmptyFieldListFilter))
    search_fields = ("name",)
    actions = ("close_units",)

    def get_fieldsets(self, request, obj=None):
        if obj is not None:
            fields = ["name", "area", "closed_on"]
        else:
            fields = ["municipality", "name", "area"] if request.user.is_superuser else ["name", "area"]
        description = None
        if not request.user.is_superuser:
            description = format_html(
                '{} <a href="{}">{}</a>.',
                _("Units are also created, renamed and closed on the staff pages:"),
                reverse("staff:units"),
                _("Staff and units"),
            )
        return [(None, {"fields": fields, "description": description})]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["name", "area", "closed_on"] if obj.closed_on else ["closed_on"]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            saved = staff_services.rename_unit(unit=obj, name=obj.name, area=obj.area, acting_user=request.user)
        else:
            saved = staff_services.create_unit(
                municipality=obj.municipality, name=obj.name, area=obj.area, acting_user=request.user
            )
        obj.pk, obj.name = saved.pk, saved.name

    def log_addition(self, request, obj, message):
        """The service wrote the admin log's entry."""

    def log_change(self, request, obj, message):
        """The service wrote the admin log's entry."""

    @admin.action(description=_("Close the selected units"), permissions=["change"])
    def close_units(self, request, queryset):
        closed = [
            staff_services.close_unit(unit=unit, acting_user=request.user) for unit in queryset.filter(closed_on=None)
        ]
        self.message_user(
            request,
            ngettext(
                "%(count)d unit is closed; its staff lost it.",
                "%(count)d units are closed; their staff lost them.",
                len(closed),
            )
            % {"count": len(closed)},
        )


class SectionInline(MunicipalityScopedInline):
    model = Section
    extra = 0
    ordering = ("order", "pk")
    fieldsets = (
        (None, {"fields": [("order", "kind"), "heading", "figure", "body", "items", "attribution"]}),
        (_("English"), {"fields": ["heading_en", "body_en", "items_en", "attribution_en"], "classes": ["collapse"]}),
    )


class PageAdminForm(forms.ModelForm):
    """Refuses to overwrite a page that someone else saved after this form was opened."""

    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Page
        fields: ClassVar = ["municipality", "title", "title_en", "slug", "kind", "number", "order", "is_published"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.updated_at.isoformat()

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            # The admin validates inside its transaction, so the row stays locked until this save commits.
            saved = Page.objects.select_for_update().filter(pk=self.instance.pk).values_list("updated_at", flat=True)
            if saved and cleaned_data.get("loaded_version") != saved[0].isoformat():
                raise forms.ValidationError(
                    _(
                        "Someone else saved this page after you opened it, so your changes were not saved. "
                        "Copy what you wrote, open the page again to see their changes, and make yours once more."
                    ),
                    code="stale",
                )
        return cleaned_data


@admin.register(Page)
class PageAdmin(MunicipalityScopedAdmin):
    policy = portal_policy
    form = PageAdminForm
    list_display = ("title", "kind", "number", "order", "is_published", "updated_at", "municipality")
    list_display_links = ("title",)
    list_editable = ("order", "is_published")
    list_filter = ("kind", "is_published")
    search_fields = ("title", "sections__body")
    ordering = ("municipality", "order")
    inlines = (SectionInline,)
    fieldsets = (
        (
            None,
            {
                "fields": [
                    "municipality",
                    "title",
                    "slug",
                    ("kind", "number"),
                    "order",
                    "is_published",
                    "loaded_version",
                ]
            },
        ),
        (_("English"), {"fields": ["title_en"], "classes": ["collapse"]}),
    )
    prepopulated_fields: ClassVar = {"slug": ["title"]}

    def get_search_results(self, request, queryset, search_term):
        queryset, _may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False


@admin.register(User)
class UserAdmin(MunicipalityScopedAdmin, DjangoUserAdmin):
    policy = portal_policy
    list_display = ("username", "first_name", "last_name", "email", "roles", "is_active", "municipality")
    list_filter = ("groups", "is_active", "is_staff")
    superuser_fieldsets = (
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Municipality and roles"), {"fields": ["municipality", "groups", "is_active"]}),
        (_("Platform"), {"fields": ["is_superuser", "user_permissions"], "classes": ["collapse"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    )
    municipality_admin_fieldsets = (
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Roles"), {"fields": ["groups", "is_active"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    )
    add_fieldsets = ((None, {"fields": ["username", "password1", "password2", "groups"]}),)
    readonly_fields = ("last_login", "date_joined")

    @admin.display(description=_("roles"))
    def roles(self, user):
        return ", ".join(group.name for group in user.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            fieldsets = self.add_fieldsets
            if request.user.is_superuser:
                fieldsets = [(None, {"fields": [*fieldsets[0][1]["fields"], "municipality"]})]
            return fieldsets
        return self.superuser_fieldsets if request.user.is_superuser else self.municipality_admin_fieldsets

    def save_related(self, request, form, formsets, change):
        """Access to this admin follows the roles (portal.staff_rules.admin_access): nobody ticks it by hand."""
        super().save_related(request, form, formsets, change)
        user = form.instance
        is_staff = user.is_superuser or admin_access([group.name for group in user.groups.all()])
        if user.is_staff != is_staff:
            user.is_staff = is_staff
            user.save(update_fields=["is_staff"])

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.filter(name__in=Role.values)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


# --- Login: identity providers, authenticators, linked logins ---------------------------------------------
# The platform administrator alone sets municipalities' identity providers (one SocialApp per municipality,
# provider_id = its slug) and sees authenticators and linked logins; a municipality's administrator never
# sees or changes any, not even their own municipality's (nor another's).


def _platform_only(admin_class):
    class PlatformOnly(admin_class):
        def has_module_permission(self, request):
            return request.user.is_active and request.user.is_superuser

        def has_view_permission(self, request, obj=None):
            return self.has_module_permission(request)

        has_add_permission = has_change_permission = has_delete_permission = has_view_permission

    PlatformOnly.__name__ = f"PlatformOnly{admin_class.__name__}"
    return PlatformOnly


import_module("allauth.account.admin")  # registered first, so that they can be replaced here
import_module("allauth.mfa.admin")
import_module("allauth.socialaccount.admin")
for _model in (SocialApp, SocialAccount, Authenticator, EmailAddress):
    _registered = type(admin.site._registry[_model])
    admin.site.unregister(_model)
    admin.site.register(_model, _platform_only(_registered))
admin.site.unregister(SocialToken)  # tokens are not stored (SOCIALACCOUNT_STORE_TOKENS = False)
