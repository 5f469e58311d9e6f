from typing import ClassVar

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _

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


@admin.register(Unit)
class UnitAdmin(MunicipalityScopedAdmin):
    policy = portal_policy
    list_display = ("name", "area", "municipality")
    list_filter = ("area",)
    search_fields = ("name",)


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
