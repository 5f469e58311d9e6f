"""Editing "Find rundt" in the admin as an editor of Hvidovre: validation, scoping, and the check-again filter."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.models import CHECK_AGAIN_AFTER_DAYS, ContactPoint, Offer, Situation, SituationContact
from portal.roles import Role
from tests.factories import StaffFactory

PHONE_MESSAGE = "Skriv et dansk telefonnummer med 8 cifre"  # locale/da: "…, fx 36 39 28 80."
EMAIL_MESSAGE = "Skriv en hel e-mailadresse"
NO_CONTACT_MESSAGE = "En situation skal pege på mindst én kontakt."


@pytest.fixture
def hvidovre(directories):
    return directories["hvidovre"]


@pytest.fixture
def haderslev(directories):
    return directories["haderslev"]


@pytest.fixture
def hvidovre_editor(client, hvidovre):
    editor = StaffFactory(municipality=hvidovre, roles=[Role.EDITOR])
    assert editor.is_staff
    client.force_login(editor)
    return editor


@pytest.fixture
def haderslev_contact(haderslev):
    """Haderslev's directory names no contacts; this one is made up for the test."""
    return ContactPoint.objects.create(municipality=haderslev, name="Testkontakt i Haderslev", phone="11223344")


def contact_data(**changes) -> dict:
    return {
        "name": "Aflastningsteamet (test)",
        "description": "",
        "phone": "",
        "email": "",
        "website": "",
        "address": "",
        "opening_hours": "",
        "last_checked": timezone.localdate().isoformat(),
    } | changes


def situation_data(need, contact_points, **changes) -> dict:
    data = {
        "need": need.pk,
        "text": "Min nærmeste har brug for en test",
        "note": "",
        "keywords": "",
        "order": 5,
        "contacts-TOTAL_FORMS": len(contact_points),
        "contacts-INITIAL_FORMS": 0,
        "contacts-MIN_NUM_FORMS": 1,
        "contacts-MAX_NUM_FORMS": 1000,
    }
    for number, contact in enumerate(contact_points):
        data |= {
            f"contacts-{number}-contact_point": contact.pk,
            f"contacts-{number}-order": number,
            f"contacts-{number}-ask_about": "Spørg om testen.",
        }
    return data | changes


def select_options(html: str, name: str) -> set[int]:
    """The non-empty option values of the <select name=…> in a form."""
    match = re.search(rf'<select name="{re.escape(name)}"[^>]*>(.*?)</select>', html, re.DOTALL)
    assert match, f"no <select name={name}>"
    return {int(value) for value in re.findall(r'<option value="(\d+)"', match.group(1))}


def errors(response) -> str:
    """The form's and the inlines' errors, for an assertion's message."""
    if response.context is None:
        return f"status {response.status_code}"
    inline_errors = [inline.formset.non_form_errors() for inline in response.context["inline_admin_formsets"]]
    return f"{response.context['adminform'].form.errors.as_text()} {inline_errors}"


# --- phone numbers and e-mail addresses ---------------------------------------------------------------


@pytest.mark.parametrize("typed", ["36 39 28 80", "+45 36392880", "36392880", "0045 36 39 28 80", "36-39-28-80"])
def test_a_danish_phone_number_is_accepted_and_stored_as_8_digits(client, hvidovre_editor, typed):
    response = client.post(reverse("admin:contacts_contactpoint_add"), contact_data(phone=typed))
    assert response.status_code == 302, errors(response)
    contact = ContactPoint.objects.get(name="Aflastningsteamet (test)")
    assert contact.phone == "36392880" and contact.municipality == hvidovre_editor.municipality
    assert contact.phone_display == "36 39 28 80"


@pytest.mark.parametrize("typed", ["1234", "abc", "+46 36392880", "363928801"])
def test_a_phone_number_that_is_not_8_danish_digits_is_refused_in_danish(client, hvidovre_editor, typed):
    response = client.post(reverse("admin:contacts_contactpoint_add"), contact_data(phone=typed))
    assert response.status_code == 200
    assert PHONE_MESSAGE in response.text
    assert response.context["adminform"].form.errors["phone"]
    assert not ContactPoint.objects.filter(name="Aflastningsteamet (test)").exists()


def test_changing_a_phone_number_stores_8_digits(client, hvidovre_editor, hvidovre):
    visitation = hvidovre.contact_points.get(name="Visitationen")
    data = contact_data(name=visitation.name, email=visitation.email, phone="+45 36 39 11 11")
    response = client.post(reverse("admin:contacts_contactpoint_change", args=[visitation.pk]), data)
    assert response.status_code == 302, errors(response)
    visitation.refresh_from_db()
    assert visitation.phone == "36391111"


def test_an_email_address_with_aeoeaa_is_accepted(client, hvidovre_editor):
    data = contact_data(email="voksenrådgivningen@hvidovre.dk")
    response = client.post(reverse("admin:contacts_contactpoint_add"), data)
    assert response.status_code == 302, errors(response)
    assert ContactPoint.objects.get(name="Aflastningsteamet (test)").email == "voksenrådgivningen@hvidovre.dk"


@pytest.mark.parametrize("typed", ["visitationen", "visitationen@", "visitationen hvidovre.dk", "a@b@hvidovre.dk"])
def test_a_bad_email_address_is_refused(client, hvidovre_editor, typed):
    response = client.post(reverse("admin:contacts_contactpoint_add"), contact_data(email=typed))
    assert response.status_code == 200
    assert EMAIL_MESSAGE in response.text
    assert not ContactPoint.objects.filter(name="Aflastningsteamet (test)").exists()


# --- a situation needs a contact --------------------------------------------------------------------


def test_a_situation_with_a_contact_is_saved(client, hvidovre_editor, hvidovre):
    need = hvidovre.needs.first()
    visitation = hvidovre.contact_points.get(name="Visitationen")
    response = client.post(reverse("admin:contacts_situation_add"), situation_data(need, [visitation]))
    assert response.status_code == 302, errors(response)
    situation = Situation.objects.get(text="Min nærmeste har brug for en test")
    assert list(situation.contact_points.all()) == [visitation]


def test_a_situation_without_any_contact_is_refused(client, hvidovre_editor, hvidovre):
    need = hvidovre.needs.first()
    response = client.post(reverse("admin:contacts_situation_add"), situation_data(need, []))
    assert response.status_code == 200
    assert NO_CONTACT_MESSAGE in response.text
    # An empty contact row is no contact either.
    data = situation_data(
        need, [], **{"contacts-TOTAL_FORMS": 1, "contacts-0-contact_point": "", "contacts-0-order": 0}
    )
    assert client.post(reverse("admin:contacts_situation_add"), data).status_code == 200
    assert not Situation.objects.filter(text="Min nærmeste har brug for en test").exists()


def test_removing_the_last_contact_of_a_situation_is_refused(client, hvidovre_editor, hvidovre):
    situation = Situation.objects.get(need__municipality=hvidovre, text__startswith="Borgeren har brug for rådgivning")
    link = situation.contacts.get()
    data = situation_data(situation.need, [], text=situation.text) | {
        "contacts-TOTAL_FORMS": 1,
        "contacts-INITIAL_FORMS": 1,
        "contacts-0-id": link.pk,
        "contacts-0-situation": situation.pk,
        "contacts-0-contact_point": link.contact_point_id,
        "contacts-0-order": link.order,
        "contacts-0-ask_about": link.ask_about,
        "contacts-0-DELETE": "on",
    }
    response = client.post(reverse("admin:contacts_situation_change", args=[situation.pk]), data)
    assert response.status_code == 200
    assert NO_CONTACT_MESSAGE in response.text
    assert SituationContact.objects.filter(pk=link.pk).exists()


# --- checking the details again -----------------------------------------------------------------------


def test_the_filter_lists_only_contact_points_not_checked_for_12_months(client, hvidovre_editor, hvidovre):
    today = timezone.localdate()
    hvidovre.contact_points.update(last_checked=today)  # the seed's own date (2015) is long overdue
    overdue = list(hvidovre.contact_points.filter(name__in=["Broen", "Borgerrådgiver"]))
    borderline = hvidovre.contact_points.get(name="Visitationen")
    for contact in overdue:
        contact.last_checked = today - timedelta(days=CHECK_AGAIN_AFTER_DAYS + 1)
        contact.save()
    borderline.last_checked = today - timedelta(days=CHECK_AGAIN_AFTER_DAYS)  # exactly 12 months: not yet
    borderline.save()

    listing = client.get(reverse("admin:contacts_contactpoint_changelist")).text
    assert "Ikke tjekket i 12 måneder" in listing
    filtered = client.get(reverse("admin:contacts_contactpoint_changelist") + "?checked=overdue").text
    shown = {
        contact.name
        for contact in hvidovre.contact_points.all()
        if f'href="{reverse("admin:contacts_contactpoint_change", args=[contact.pk])}' in filtered
    }
    assert shown == {"Broen", "Borgerrådgiver"}
    assert all(contact.needs_checking for contact in overdue) and not borderline.needs_checking

    recent = client.get(reverse("admin:contacts_contactpoint_changelist") + "?checked=recent").text
    assert f'href="{reverse("admin:contacts_contactpoint_change", args=[borderline.pk])}' in recent
    assert not any(reverse("admin:contacts_contactpoint_change", args=[c.pk]) in recent for c in overdue)


def test_marking_contact_points_as_checked_today(client, hvidovre_editor, hvidovre):
    broen = hvidovre.contact_points.get(name="Broen")
    broen.last_checked = timezone.localdate() - timedelta(days=500)
    broen.save()
    response = client.post(
        reverse("admin:contacts_contactpoint_changelist"),
        {"action": "mark_checked_today", "_selected_action": [broen.pk]},
    )
    assert response.status_code == 302
    broen.refresh_from_db()
    assert broen.last_checked == timezone.localdate()


# --- another municipality's editor --------------------------------------------------------------------


@pytest.fixture
def haderslev_editor(client, haderslev):
    editor = StaffFactory(municipality=haderslev, roles=[Role.EDITOR])
    client.force_login(editor)
    return editor


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_municipalitys_editor_gets_404_on_hvidovres_rows_by_id(client, haderslev_editor, hvidovre, view):
    contact = hvidovre.contact_points.first()
    situation = Situation.objects.filter(need__municipality=hvidovre).first()
    need = hvidovre.needs.first()
    for model, pk in [("contactpoint", contact.pk), ("situation", situation.pk), ("need", need.pk)]:
        response = client.get(reverse(f"admin:contacts_{model}_{view}", args=[pk]))
        assert response.status_code == 404, (model, view)


def test_another_municipalitys_editor_cannot_save_hvidovres_contact_point(client, haderslev_editor, hvidovre):
    visitation = hvidovre.contact_points.get(name="Visitationen")
    response = client.post(
        reverse("admin:contacts_contactpoint_change", args=[visitation.pk]), contact_data(name="Overtaget")
    )
    assert response.status_code == 404
    visitation.refresh_from_db()
    assert visitation.name == "Visitationen"


def test_another_municipalitys_editor_does_not_see_hvidovres_rows_in_lists(client, haderslev_editor, hvidovre):
    contacts = client.get(reverse("admin:contacts_contactpoint_changelist")).text
    for contact in hvidovre.contact_points.all():
        assert contact.name not in contacts and contact.email not in contacts
    situations = client.get(reverse("admin:contacts_situation_changelist")).text
    assert "Borgeren" not in situations
    assert "0 situationer" in situations
    searched = client.get(reverse("admin:contacts_contactpoint_changelist") + "?q=hvidovre.dk").text
    for contact in hvidovre.contact_points.all():
        assert reverse("admin:contacts_contactpoint_change", args=[contact.pk]) not in searched


# --- choices only from the editor's municipality ------------------------------------------------------


def test_need_and_contact_point_choices_are_the_editors_municipalitys_own(
    client, hvidovre_editor, hvidovre, haderslev, haderslev_contact
):
    html = client.get(reverse("admin:contacts_situation_add")).text
    # Every municipality has needs named "Akutte behov" etc.: the ids tell them apart.
    assert select_options(html, "need") == set(hvidovre.needs.values_list("pk", flat=True))
    assert select_options(html, "contacts-0-contact_point") == set(hvidovre.contact_points.values_list("pk", flat=True))
    assert haderslev_contact.name not in html

    offer_form = client.get(reverse("admin:contacts_offer_add")).text
    assert select_options(offer_form, "contact_point") == set(hvidovre.contact_points.values_list("pk", flat=True))


def test_a_forged_contact_point_of_another_municipality_is_refused(
    client, hvidovre_editor, hvidovre, haderslev_contact
):
    need = hvidovre.needs.first()
    response = client.post(reverse("admin:contacts_situation_add"), situation_data(need, [haderslev_contact]))
    assert response.status_code == 200
    assert not Situation.objects.filter(text="Min nærmeste har brug for en test").exists()
    assert not SituationContact.objects.filter(contact_point=haderslev_contact).exists()


def test_a_forged_contact_point_added_to_an_existing_situation_is_refused(
    client, hvidovre_editor, hvidovre, haderslev_contact
):
    situation = Situation.objects.get(need__municipality=hvidovre, text__startswith="Borgeren har brug for rådgivning")
    link = situation.contacts.get()
    data = situation_data(situation.need, [], text=situation.text) | {
        "contacts-TOTAL_FORMS": 2,
        "contacts-INITIAL_FORMS": 1,
        "contacts-0-id": link.pk,
        "contacts-0-situation": situation.pk,
        "contacts-0-contact_point": link.contact_point_id,
        "contacts-0-order": link.order,
        "contacts-0-ask_about": link.ask_about,
        "contacts-1-contact_point": haderslev_contact.pk,
        "contacts-1-order": 20,
        "contacts-1-ask_about": "Ring til Haderslev.",
    }
    response = client.post(reverse("admin:contacts_situation_change", args=[situation.pk]), data)
    assert response.status_code == 200
    assert list(situation.contact_points.all()) == [link.contact_point]


def test_a_forged_need_of_another_municipality_is_refused(client, hvidovre_editor, hvidovre, haderslev):
    visitation = hvidovre.contact_points.get(name="Visitationen")
    haderslevs_need = haderslev.needs.create(name="Haderslevs behov (test)")
    response = client.post(reverse("admin:contacts_situation_add"), situation_data(haderslevs_need, [visitation]))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["need"]
    assert not Situation.objects.filter(text="Min nærmeste har brug for en test").exists()


def test_a_forged_offer_contact_of_another_municipality_is_refused(client, hvidovre_editor, haderslev_contact):
    data = {
        "kind": "respite",
        "name": "Aflastning (test)",
        "description": "Et tilbud til testen.",
        "contact_point": haderslev_contact.pk,
        "website": "",
        "order": 1,
    }
    response = client.post(reverse("admin:contacts_offer_add"), data)
    assert response.status_code == 200
    assert not Offer.objects.filter(name="Aflastning (test)").exists()


def test_a_need_name_the_municipality_already_has_is_refused_at_the_name_and_keeps_what_was_typed(
    client, hvidovre, hvidovre_editor
):
    from contacts.models import Need

    response = client.post(reverse("admin:contacts_need_add"), {"name": "Akutte behov", "order": 7})
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.errors == {"name": ["Kommunen har allerede et behov med dette navn. Vælg et andet navn."]}
    html = response.text
    assert 'value="7"' in html and 'value="Akutte behov"' in html
    assert Need.objects.filter(municipality=hvidovre, name="Akutte behov").count() == 1


def test_a_need_name_another_municipality_has_is_allowed(client, hvidovre, haderslev, hvidovre_editor):
    from contacts.models import Need

    Need.objects.create(municipality=haderslev, name="Haderslevs eget behov (test)")
    response = client.post(reverse("admin:contacts_need_add"), {"name": "Haderslevs eget behov (test)", "order": 7})
    assert response.status_code == 302
    assert Need.objects.filter(municipality=hvidovre, name="Haderslevs eget behov (test)").exists()
