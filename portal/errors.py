"""The typed exceptions every app's services raise, and how a form shows them.

Services are the only place that validates a write. They raise:

- `RuleViolation`: a business rule refuses the input. It carries {field name or None: [messages]},
  each message in the user's language, so a view puts each message next to its field.
- `StaleVersion`: someone else changed the record after this user opened it; nothing was saved.
- `DuplicateError` subclasses (e.g. consent's `DuplicateCitizen`): the thing exists already.

`RuleViolation` is a `ValidationError`, so a form's `clean()` (the admin's, for instance) may let
one through as it is; `show_on_form` puts one on a form that is already validated.
"""

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class RuleViolation(ValidationError):
    """The input breaks a business rule: `errors` maps a field name (None: the whole form) to messages."""

    def __init__(self, errors: dict):
        normalized = {
            (NON_FIELD_ERRORS if field is None else field): messages if isinstance(messages, list) else [messages]
            for field, messages in errors.items()
        }
        super().__init__(normalized)


class StaleVersion(Exception):
    """Someone else changed the record after this user opened it; nothing was saved."""


class DuplicateError(Exception):
    """What was to be created exists already; subclasses say what, and which field shows it."""

    field: str | None = None


def show_on_form(form, error: ValidationError) -> None:
    """Put a service's ValidationError on `form`: each message at its field, or at the top for a field
    the form does not show."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = field if field in form.fields else None
        for item in errors:
            form.add_error(target, item)
