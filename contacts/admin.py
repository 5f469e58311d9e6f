from datetime import timedelta

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.admin_scoping import MunicipalityScopedAdmin, MunicipalityScopedInline

from .models import CHECK_AGAIN_AFTER_DAYS, ContactPoint, Need, Offer, Situation, SituationContact


class CheckedFilter(admin.SimpleListFilter):
    title = _("last checked")
    parameter_name = "checked"

    def lookups(self, request, model_admin):
        return [("overdue", _("Not checked for 12 months")), ("recent", _("Checked within 12 months"))]

    def queryset(self, request, queryset):
        limit = timezone.localdate() - timedelta(days=CHECK_AGAIN_AFTER_DAYS)
        if self.value() == "overdue":
            return queryset.filter(last_checked__lt=limit)
        if self.value() == "recent":
            return queryset.filter(last_checked__gte=limit)
        return queryset


@admin.register(ContactPoint)
class ContactPointAdmin(MunicipalityScopedAdmin):
    list_display = ("name", "phone_display", "email", "last_checked", "overdue", "municipality")
    list_filter = (CheckedFilter,)
    search_fields = ("name", "email", "phone")
    fieldsets = (
        (None, {"fields": ["municipality", "name", "description", "phone", "email", "website"]}),
        (None, {"fields": ["address", "opening_hours", "last_checked", "external_id"]}),
    )
    readonly_fields = ("external_id",)
    actions = ("mark_checked_today",)

    @admin.display(description=_("phone"))
    def phone_display(self, contact):
        return contact.phone_display

    @admin.display(description=_("check again"), boolean=True)
    def overdue(self, contact):
        return contact.needs_checking

    @admin.action(description=_("Mark the chosen contact points as checked today"))
    def mark_checked_today(self, request, queryset):
        for contact in queryset:
            contact.last_checked = timezone.localdate()
            contact.save(update_fields=["last_checked"])


class SituationContactFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        remaining = [form for form in self.forms if form.cleaned_data and not form.cleaned_data.get("DELETE", False)]
        if not remaining:
            raise forms.ValidationError(_("A situation must point to at least one contact point."))


class SituationContactInline(MunicipalityScopedInline):
    model = SituationContact
    formset = SituationContactFormSet
    extra = 1
    min_num = 1
    fields = (("contact_point", "order"), "ask_about")


@admin.register(Situation)
class SituationAdmin(MunicipalityScopedAdmin):
    list_display = ("text", "need", "order")
    list_editable = ("order",)
    # No filter by need: its choices would list every municipality's needs.
    search_fields = ("text", "keywords")
    inlines = (SituationContactInline,)
    fieldsets = ((None, {"fields": ["need", "text", "note", "keywords", "order"]}),)


@admin.register(Need)
class NeedAdmin(MunicipalityScopedAdmin):
    list_display = ("name", "order", "municipality")
    list_editable = ("order",)
    fields = ("municipality", "name", "order")


@admin.register(Offer)
class OfferAdmin(MunicipalityScopedAdmin):
    list_display = ("name", "kind", "for_whom", "order")
    list_editable = ("order",)
    list_filter = ("kind", "for_whom")
    search_fields = ("name", "description")
    fieldsets = (
        (None, {"fields": ["municipality", "kind", "for_whom", "name", "description", "contact_point", "website"]}),
        (None, {"fields": ["sign_up", "price", "where_and_when", "source", "order"]}),
    )
