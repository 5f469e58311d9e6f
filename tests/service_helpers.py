"""Test data made through the apps' services, for the tests that need what a service writes besides the row
(the audit log, a consent's versions). The one place for such helpers; every other row comes from tests.factories.

The CPR numbers are made up (and the names too); CITIZEN_CPR's pieces are what the privacy checks look for.
"""

from datetime import date

from django.apps import apps

from consent import services
from consent.models import Citizen, Consent, Relative

CITIZEN_NAME = "Karen Testesen"
CITIZEN_CPR = "241275-4321"
CITIZEN_CPR_DIGITS = "2412754321"
CITIZEN_BIRTH_PART = "241275"


def register_citizen(
    municipality, acting_user, *, name: str = CITIZEN_NAME, cpr: str = CITIZEN_CPR, units=()
) -> Citizen:
    return services.register_citizen(
        municipality=municipality, name=name, cpr=cpr, units=list(units), acting_user=acting_user
    )


def add_relative(citizen: Citizen, acting_user, name: str, **fields) -> Relative:
    fields.setdefault("relation", "datter")
    return services.add_relative(citizen=citizen, relative=Relative(name=name, **fields), acting_user=acting_user)


def new_consent(
    relative: Relative | None = None,
    decision: str = Consent.Decision.PERMIT,
    categories=("helbred",),
    *,
    given_on: date = date(2025, 3, 1),
    valid_from: date | None = None,
    valid_until: date | None = None,
    **fields,
) -> Consent:
    """An unsaved consent version with sensible defaults: oral, with a note, staff may contact."""
    values = {
        "decision": decision,
        "categories": list(categories),
        "form": Consent.Form.ORAL,
        "oral_note": "Borgeren sagde ja ved samtalen.",
        "contact": Consent.Contact.STAFF_MAY_CONTACT if decision == Consent.Decision.PERMIT else "",
        "given_on": given_on,
        "valid_from": valid_from or given_on,
        "valid_until": valid_until,
        **fields,
    }
    if relative is not None:
        values.update(citizen_id=relative.citizen_id, relative=relative)
    return Consent(**values)


def record(relative: Relative, acting_user, decision: str = Consent.Decision.PERMIT, categories=("helbred",), **fields):
    """Record a first version about `relative` through services.record_consent."""
    return services.record_consent(
        consent=new_consent(relative, decision, categories, **fields), acting_user=acting_user
    )


def change(old: Consent, acting_user, decision: str = Consent.Decision.PERMIT, categories=("helbred",), **fields):
    """Record a new version that replaces `old`."""
    return services.record_consent(
        consent=new_consent(None, decision, categories, **fields), acting_user=acting_user, supersedes=old
    )


def consent_rows() -> dict[str, list[tuple]]:
    """Every row of every table of the consent app (the audit log and the citizens' units among them).

    Compared before and after a request that should change nothing; the tables are small in tests.
    """
    citizen_units = apps.get_model("consent", "Citizen").units.through
    models = [*apps.get_app_config("consent").get_models(), citizen_units]
    return {model.__name__: list(model.objects.order_by("pk").values_list()) for model in models}
