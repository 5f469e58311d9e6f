"""Loading a municipality's directory from fixtures/directory/<slug>.json (format in fixtures/README.md).

Like the policies: a municipality whose directory has needs already keeps it unless `replace=True`.
A file with contact points says in `checked` when its details were last checked (for a seed: the date of the
printed policy they were copied from), and the contact points carry that date, not the day they were loaded.
"""

import json
from datetime import date
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from portal.models import Municipality

from .models import ContactPoint, Need, Offer, Situation, SituationContact

DIRECTORY_FIXTURE_DIR = settings.BASE_DIR / "fixtures" / "directory"
OFFER_TEXT_FIELDS = ["sign_up", "price", "where_and_when", "source"]
CONTACT_FIELDS = ["name", "description", "phone", "email", "website", "address", "opening_hours"]


def directory_fixture_paths() -> list[Path]:
    return sorted(DIRECTORY_FIXTURE_DIR.glob("*.json"))


def _has_directory(municipality: Municipality) -> bool:
    """Whether anything of the municipality's directory is there (a municipality's needs may be none)."""
    return municipality.needs.exists() or municipality.offers.exists() or municipality.contact_points.exists()


@transaction.atomic
def load_directory(path: Path, *, replace: bool = False) -> bool:
    """Load one file; False when the municipality's directory was kept as it was."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    municipality = Municipality.objects.get(slug=data["municipality"])
    if _has_directory(municipality):
        if not replace:
            return False
        SituationContact.objects.filter(situation__need__municipality=municipality).delete()
        municipality.needs.all().delete()
        municipality.offers.all().delete()
        municipality.contact_points.all().delete()

    if data["contact_points"] and not data.get("checked"):
        raise ValidationError(f"{path} has contact points but no “checked” date (when their details were checked).")
    last_checked = date.fromisoformat(data["checked"]) if data.get("checked") else None
    contact_points = {}
    for fields in data["contact_points"]:
        contact = ContactPoint(
            municipality=municipality, last_checked=last_checked, **{name: fields[name] for name in CONTACT_FIELDS}
        )
        contact.full_clean()
        contact.save()
        contact_points[contact.name] = contact
    _load_needs(municipality, data["needs"], contact_points)
    _load_offers(municipality, data["offers"], contact_points)
    return True


def _load_needs(municipality: Municipality, needs: list[dict], contact_points: dict[str, ContactPoint]) -> None:
    for need_order, need_data in enumerate(needs, start=1):
        need = Need.objects.create(municipality=municipality, name=need_data["name"], order=need_order * 10)
        for situation_order, situation_data in enumerate(need_data["situations"], start=1):
            situation = Situation(
                need=need, text=situation_data["text"], note=situation_data["note"], order=situation_order * 10
            )
            situation.full_clean()
            situation.save()
            if not situation_data["contacts"]:
                raise ValidationError(f"“{situation.text}” has no contact; a situation needs at least one.")
            for link_order, link in enumerate(situation_data["contacts"], start=1):
                SituationContact.objects.create(
                    situation=situation,
                    contact_point=contact_points[link["contact"]],
                    ask_about=link["ask_about"],
                    order=link_order * 10,
                )


def _load_offers(municipality: Municipality, offers: list[dict], contact_points: dict[str, ContactPoint]) -> None:
    for offer_order, offer_data in enumerate(offers, start=1):
        if offer_data.get("contact") and offer_data["contact"] not in contact_points:
            raise ValidationError(f"The offer “{offer_data['name']}” names an unknown contact point.")
        offer = Offer(
            municipality=municipality,
            kind=offer_data["kind"],
            name=offer_data["name"],
            description=offer_data["description"],
            contact_point=contact_points.get(offer_data.get("contact", "")),
            website=offer_data.get("website", ""),
            **{name: offer_data.get(name, "") for name in OFFER_TEXT_FIELDS},
            for_whom=offer_data.get("for_whom", Offer.ForWhom.ALL),
            order=offer_order * 10,
        )
        offer.full_clean()
        offer.save()
