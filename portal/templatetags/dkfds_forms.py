"""Helpers for the DKFDS crispy-forms template pack (templates/dkfds/)."""

from django import forms, template

register = template.Library()


@register.filter
def describedby(field) -> str:
    """The ids of the hint and the error message that explain this field, for `aria-describedby`."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    if field.errors:
        ids.append(f"{field.auto_id}_error")
    return " ".join(ids)


@register.filter
def control_class(field) -> str:
    widget = field.field.widget
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-input"


@register.filter
def first_control_id(field) -> str:
    """Where the error summary's link should take the keyboard: the field, or its first option."""
    if isinstance(field.field.widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return f"{field.auto_id}_0"
    return field.auto_id


@register.simple_tag
def choice_input(choice, field):
    """One radio button or checkbox of a multiple-choice field, with DKFDS's class."""
    attrs = {
        **choice.data["attrs"],
        # CheckboxSelectMultiple is a subclass of RadioSelect in Django.
        "class": "form-checkbox" if isinstance(field.field.widget, forms.CheckboxSelectMultiple) else "form-radio",
    }
    if field.errors:
        attrs["aria-invalid"] = "true"
    choice.data["attrs"] = attrs  # each option's data dict is its own, made for this rendering
    return choice.tag()
