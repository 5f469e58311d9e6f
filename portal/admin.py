from datetime import datetime
from importlib import import_module
from typing import ClassVar

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import services, staff_services
from .access import portal_policy
from .admin_scoping import MunicipalityScopedAdmin, MunicipalityScopedInline
from .branding import accent_colour_problems, logo_problems, logo_size_problem
from .errors import RuleViolation, StaleVersion
from .models import Municipality, Page, Section, Unit, User
from .page_versions import DRAFT, diff, has_unpublished_changes, publish_time_problem, snapshot, version_fields
from .roles import Role
from .staff_rules import admin_access, staff_state
from .standard_pages import ensure_standard_pages


class MunicipalityAdminForm(forms.ModelForm):
    """The municipality's details, with its logo (SVG or PNG, checked) and its accent colour (checked for contrast)."""

    logo_file = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("SVG or PNG, at most 300 kB, shown in the header of the municipality's pages."),
    )
    remove_logo = forms.BooleanField(label=_("Remove the logo"), required=False)

    class Meta:
        model = Municipality
        fields: ClassVar = [
            "name", "slug", "kommunekode", "website", "region", "policy_title", "policy_subtitle",
            "policy_adopted_by", "policy_adopted_on", "accent_colour", "address", "phone",
            "email", "opening_hours", "accessibility_statement_url",
        ]  # fmt: skip

    def clean_logo_file(self):
        upload = self.cleaned_data.get("logo_file")
        if not upload:
            return None
        too_large = logo_size_problem(upload.size)
        if too_large:
            raise forms.ValidationError(too_large, code="size")
        data = upload.read()
        media_type, problems = logo_problems(data)
        if problems:
            raise forms.ValidationError(problems, code="logo")
        return data, media_type

    def clean_accent_colour(self):
        colour = self.cleaned_data.get("accent_colour", "").strip()
        if colour:
            problems = accent_colour_problems(colour)
            if problems:
                raise forms.ValidationError(problems, code="contrast")
        return colour.lower()


@admin.register(Municipality)
class MunicipalityAdmin(MunicipalityScopedAdmin):
    policy = portal_policy
    form = MunicipalityAdminForm
    list_display = ("name", "kommunekode", "slug", "website")
    search_fields = ("name", "kommunekode")
    fieldsets = (
        (None, {"fields": ["name", "slug", "kommunekode", "website", "region"]}),
        (_("Policy"), {"fields": ["policy_title", "policy_subtitle", "policy_adopted_by", "policy_adopted_on"]}),
        (_("The municipality's face"), {"fields": ["logo_file", "remove_logo", "accent_colour"]}),
        (
            _("Contact details in the footer"),
            {"fields": ["address", "phone", "email", "opening_hours", "accessibility_statement_url"]},
        ),
    )

    def save_model(self, request, obj, form, change):
        if form.cleaned_data.get("logo_file"):
            obj.logo, obj.logo_type = form.cleaned_data["logo_file"]
        elif form.cleaned_data.get("remove_logo"):
            obj.logo, obj.logo_type = b"", ""
        super().save_model(request, obj, form, change)
        if not change:
            ensure_standard_pages(obj)  # complaints, privacy, accessibility, what staff may tell: to adapt

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
        (None, {"fields": [("order", "kind"), "heading", "figure", "body", "items", "attribution", "portal_note"]}),
    )


class PageAdminForm(forms.ModelForm):
    """The draft of a page; refuses to overwrite a page someone else saved or published after it was opened."""

    loaded_version = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Page
        fields: ClassVar = [
            "municipality", "title", "title_by_portal", "slug", "kind", "number", "order", "publish_at",
        ]  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.updated_at.isoformat()

    def clean_publish_at(self):
        publish_at = self.cleaned_data.get("publish_at")
        if publish_at and publish_at != self.initial.get("publish_at"):
            problem = publish_time_problem(publish_at, timezone.now())
            if problem:
                raise forms.ValidationError(problem, code="past")
        return publish_at

    def clean(self):
        cleaned_data = super().clean()
        if self.instance.pk:
            # The admin validates inside its transaction, so the row stays locked until this save commits.
            saved = Page.objects.select_for_update().filter(pk=self.instance.pk).values_list("updated_at", flat=True)
            if saved and cleaned_data.get("loaded_version") != saved[0].isoformat():
                raise forms.ValidationError(
                    _(
                        "Someone else saved or published this page after you opened it, so your changes were not "
                        "saved. Your text is still in the form below: copy it, open the page again to see their "
                        "changes, and make yours once more."
                    ),
                    code="stale",
                )
        return cleaned_data


@admin.register(Page)
class PageAdmin(MunicipalityScopedAdmin):
    """Editors write a draft here; "Save and publish" puts it on the public site and keeps the version."""

    policy = portal_policy
    form = PageAdminForm
    change_form_template = "admin/portal/page/change_form.html"
    list_display = ("title", "kind", "number", "order", "publication", "updated_at", "municipality")
    list_display_links = ("title",)
    list_editable = ("order",)
    list_filter = ("kind", "is_published")
    search_fields = ("title", "sections__body")
    ordering = ("municipality", "order")
    inlines = (SectionInline,)
    autocomplete_fields = ("municipality",)  # for platform superusers; others have their own municipality
    actions = ("publish_selected", "unpublish_selected")
    fieldsets = (
        (
            None,
            {
                "fields": [
                    "municipality",
                    "title",
                    "title_by_portal",
                    "slug",
                    ("kind", "number"),
                    "order",
                    "loaded_version",
                ]
            },
        ),
        (_("Publish later"), {"fields": ["publish_at"]}),
    )
    prepopulated_fields: ClassVar = {"slug": ["title"]}

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("published_version")

    def get_search_results(self, request, queryset, search_term):
        queryset, _may_have_duplicates = super().get_search_results(request, queryset, search_term)
        return queryset.distinct(), False

    @admin.display(description=_("publication"), ordering="is_published")
    def publication(self, page: Page) -> str:
        if page.publish_at:
            when = date_format(timezone.localtime(page.publish_at), "DATETIME_FORMAT")
            return _("Will be published %(when)s") % {"when": when}
        if page.published_version:
            return _("Published (version %(number)s)") % {"number": page.published_version.number}
        return _("Draft, not published")

    def save_model(self, request, obj, form, change):
        if "publish_at" in form.changed_data:
            obj.publish_scheduled_by = request.user if obj.publish_at else None
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        page = form.instance
        if "_publish" in request.POST:
            version = services.publish_page(acting_user=request.user, page=page)
            self.message_user(
                request,
                _("The page is published (version %(number)s). The public sees it now.") % {"number": version.number},
                messages.SUCCESS,
            )
        elif "_unpublish" in request.POST and page.published_version_id:
            services.unpublish_page(acting_user=request.user, page=page)
            self.message_user(request, _("The page is no longer on the public site. Its draft and versions are kept."))

    def response_change(self, request, obj):
        if "_publish" in request.POST or "_unpublish" in request.POST:
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def response_add(self, request, obj, post_url_continue=None):
        if "_publish" in request.POST:
            return HttpResponseRedirect(reverse("admin:portal_page_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        page = self.get_object(request, unquote(object_id)) if object_id else None
        extra_context = {**(extra_context or {}), **self._publication_context(page)}
        return super().change_view(request, object_id, form_url, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), **self._publication_context(None)}
        return super().add_view(request, form_url, extra_context)

    def _publication_context(self, page: Page | None) -> dict:
        if page is None:
            return {"publication": {"new": True}}
        sections = list(page.sections.all())
        return {
            "publication": {
                "version": page.published_version,
                "changed": has_unpublished_changes(page, sections),
                "publish_at": page.publish_at,
                "preview_url": page.get_absolute_url(),
                "versions_url": reverse("admin:portal_page_versions", args=[page.pk]),
            }
        }

    @admin.action(description=_("Publish the selected pages' drafts"), permissions=["change"])
    def publish_selected(self, request, queryset):
        for page in queryset:
            services.publish_page(acting_user=request.user, page=page)
        self.message_user(request, _("%(count)s pages published.") % {"count": len(queryset)}, messages.SUCCESS)

    @admin.action(description=_("Unpublish the selected pages"), permissions=["change"])
    def unpublish_selected(self, request, queryset):
        for page in queryset.filter(published_version__isnull=False):
            services.unpublish_page(acting_user=request.user, page=page)
        self.message_user(request, _("The selected pages are no longer on the public site."))

    # --- Versions: the list, a diff between any two, and putting one back ----------------------------------

    def get_urls(self):
        return [
            path(
                "<path:object_id>/versions/",
                self.admin_site.admin_view(self.versions_view),
                name="portal_page_versions",
            ),
            path(
                "<path:object_id>/versions/<int:number>/revert/",
                self.admin_site.admin_view(self.revert_view),
                name="portal_page_revert",
            ),
            *super().get_urls(),
        ]

    def _page_or_404(self, request, object_id) -> Page:
        page = self.get_object(request, unquote(object_id))
        if page is None or not self.has_view_permission(request, page):
            raise Http404
        return page

    def versions_view(self, request, object_id):
        page = self._page_or_404(request, object_id)
        versions = list(page.versions.select_related("published_by"))
        draft = snapshot(page, list(page.sections.order_by("order", "pk")))
        choices = {str(version.number): version_fields(version) for version in versions}
        choices[DRAFT] = draft
        older = request.GET.get("fra") or (str(versions[1].number) if len(versions) > 1 else DRAFT)
        newer = request.GET.get("til") or (str(versions[0].number) if versions else DRAFT)
        if older not in choices or newer not in choices:
            older, newer = DRAFT, DRAFT
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": page,
            "title": _("Versions of “%(title)s”") % {"title": page.title},
            "versions": versions,
            "older": older,
            "newer": newer,
            "draft": DRAFT,
            "diff": diff(choices[older], choices[newer]),
            "may_revert": self.has_change_permission(request, page),
            "loaded_version": page.updated_at.isoformat(),
        }
        return TemplateResponse(request, "admin/portal/page/versions.html", context)

    def revert_view(self, request, object_id, number: int):
        page = self._page_or_404(request, object_id)
        if request.method != "POST" or not self.has_change_permission(request, page):
            raise PermissionDenied
        version = get_object_or_404(page.versions, number=number)
        try:
            seen = request.POST.get("loaded_version", "")
            new = services.revert_page(
                acting_user=request.user,
                page=page,
                version=version,
                seen_version=datetime.fromisoformat(seen) if seen else None,
            )
        except (StaleVersion, ValueError):  # a garbled version stamp is a page to open again, as a stale one
            self.message_user(
                request,
                _(
                    "Someone else changed this page while you looked at its versions. Nothing was put back; "
                    "look at the versions again and choose once more."
                ),
                messages.ERROR,
            )
        except RuleViolation as violation:
            self.message_user(request, " ".join(violation.messages), messages.ERROR)
        else:
            self.message_user(
                request,
                _("Version %(old)s is back, on the public site too, as version %(new)s.")
                % {"old": version.number, "new": new.number},
                messages.SUCCESS,
            )
        return HttpResponseRedirect(reverse("admin:portal_page_versions", args=[page.pk]))


STALE_STAFF_IN_ADMIN = _(
    "Someone else changed this person's roles, units or active state after you opened the page, so nothing was "
    "saved. What you chose is still in the form below: open the person again to see their change, and make yours "
    "once more."
)


class UserAdminChangeForm(UserChangeForm):
    """Roles and active state are checked by the staff services' rules, and refused when someone else changed
    them (or the person's units) after the form was opened."""

    loaded_state = forms.CharField(widget=forms.HiddenInput, required=False)
    acting_user: User | None = None  # set by UserAdmin.get_form

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "loaded_state" in self.fields:
            self.fields["loaded_state"].initial = staff_state(self.instance)

    def clean(self):
        cleaned_data = super().clean()
        user = self.instance
        if not user.pk or "loaded_state" not in self.fields:
            return cleaned_data
        # The admin validates inside its transaction, so the person stays locked until this save commits.
        locked = User.objects.select_for_update().prefetch_related("groups", "units").get(pk=user.pk)
        if cleaned_data.get("loaded_state") != staff_state(locked):
            raise forms.ValidationError(STALE_STAFF_IN_ADMIN, code="stale")
        new_municipality = cleaned_data.get("municipality", locked.municipality)
        if any(unit.municipality_id != getattr(new_municipality, "pk", None) for unit in locked.units.all()):
            self.add_error(
                "municipality",
                _("The person still has units in their municipality: take the units away first, then move them."),
            )
        try:
            if "groups" in cleaned_data and "groups" in self.changed_data:
                roles = [group.name for group in cleaned_data["groups"]]
                staff_services.check_roles_change(user=locked, roles=roles, acting_user=self.acting_user)
            if locked.is_active and cleaned_data.get("is_active") is False:
                staff_services.check_deactivation(user=locked, acting_user=self.acting_user)
        except RuleViolation as violation:
            for field, field_messages in violation.message_dict.items():
                field = {"roles": "groups", "__all__": None}.get(field, field)
                self.add_error(field if field in self.fields else None, field_messages)
        return cleaned_data


@admin.register(User)
class UserAdmin(MunicipalityScopedAdmin, DjangoUserAdmin):
    """A person's roles and active state change through portal.staff_services, as on the staff pages: the same
    checks, a version check, the same admin log entries, and deactivation ends their sessions and removes their
    second factors; ticking "active" again sends a new invitation."""

    policy = portal_policy
    form = UserAdminChangeForm
    list_display = ("username", "first_name", "last_name", "email", "roles", "is_active", "municipality")
    list_filter = ("groups", "is_active", "is_staff")
    superuser_fieldsets = (
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Municipality and roles"), {"fields": ["municipality", "groups", "is_active", "loaded_state"]}),
        (_("Platform"), {"fields": ["is_superuser", "user_permissions"], "classes": ["collapse"]}),
        (_("Dates"), {"fields": ["last_login", "date_joined"]}),
    )
    municipality_admin_fieldsets = (
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["first_name", "last_name", "email"]}),
        (_("Roles"), {"fields": ["groups", "is_active", "loaded_state"]}),
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

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        return type(form.__name__, (form,), {"acting_user": request.user}) if obj is not None else form

    def save_model(self, request, obj, form, change):
        if change and "is_active" in form.cleaned_data:
            # The active state is changed by the staff services in save_related, with its consequences.
            obj.is_active = form.initial["is_active"]
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """Roles and active state through the staff services; access to this admin follows the roles
        (portal.staff_rules.admin_access): nobody ticks it by hand."""
        if change and "loaded_state" in form.cleaned_data:
            roles = [group.name for group in form.cleaned_data.pop("groups")]
            super().save_related(request, form, formsets, change)
            self._change_through_staff_services(request, form.instance, roles, form)
        else:
            super().save_related(request, form, formsets, change)
        user = form.instance
        user.refresh_from_db()
        is_staff = user.is_superuser or admin_access([group.name for group in user.groups.all()])
        if user.is_staff != is_staff:
            user.is_staff = is_staff
            user.save(update_fields=["is_staff"])

    def construct_change_message(self, request, form, formsets, add=False):
        """Without roles and active state: the staff services logged those, with what they were before."""
        message = super().construct_change_message(request, form, formsets, add)
        if add or "loaded_state" not in form.fields:
            return message
        with translation.override(None):  # the admin keeps the labels untranslated in its log
            handled = {str(form.fields[name].label or name) for name in ("groups", "is_active", "loaded_state")}
        for entry in message:
            if "changed" in entry:
                entry["changed"]["fields"] = [name for name in entry["changed"]["fields"] if name not in handled]
        return [entry for entry in message if entry.get("changed", {"fields": True})["fields"]]

    def log_change(self, request, obj, message):
        if message:
            super().log_change(request, obj, message)

    def _change_through_staff_services(self, request, user: User, roles: list[str], form) -> None:
        if "groups" in form.changed_data:
            staff_services.change_staff(
                user=user,
                roles=roles,
                units=list(user.units.all()),
                loaded_state=form.cleaned_data["loaded_state"],
                acting_user=request.user,
            )
        if "is_active" not in form.changed_data:
            return
        if form.cleaned_data["is_active"]:
            staff_services.reinvite_staff(
                user=user, acting_user=request.user, base_url=request.build_absolute_uri("/").rstrip("/")
            )
            self.message_user(request, _("A new invitation is on its way to %(email)s.") % {"email": user.email})
        else:
            staff_services.deactivate_staff(user=user, acting_user=request.user)
            message = _("%(name)s is deactivated and logged out everywhere. Their history stays.")
            self.message_user(request, message % {"name": user.display_name})

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
