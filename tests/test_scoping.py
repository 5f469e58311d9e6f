"""An editor or administrator of one municipality never sees or changes another's data."""

import pytest
from django.urls import reverse

from portal import services
from portal.models import Municipality, Page, Section, Unit, User
from portal.roles import Role
from portal.scoping import visible_to
from tests.factories import PageFactory, StaffFactory, SuperuserFactory


@pytest.fixture
def own_page(municipality):
    return PageFactory(municipality=municipality, slug="egen-side", sections=2)


@pytest.fixture
def foreign_page(other_municipality):
    return PageFactory(municipality=other_municipality, slug="fremmed-side", sections=2)


def test_visible_to_keeps_only_the_users_municipality(editor, own_page, foreign_page):
    assert list(visible_to(editor, Page.objects.all())) == [own_page]
    assert set(visible_to(editor, Section.objects.all())) == set(own_page.sections.all())
    assert list(visible_to(editor, Municipality.objects.all())) == [editor.municipality]


def test_visible_to_gives_a_superuser_everything_and_an_anonymous_user_nothing(own_page, foreign_page):
    from django.contrib.auth.models import AnonymousUser

    assert visible_to(SuperuserFactory(), Page.objects.all()).count() == 2
    assert visible_to(AnonymousUser(), Page.objects.all()).count() == 0


def test_inactive_user_sees_nothing(editor, own_page):
    editor.is_active = False
    assert visible_to(editor, Page.objects.all()).count() == 0


@pytest.mark.parametrize(
    "url_name", ["admin:portal_page_add", "admin:portal_page_change", "admin:portal_page_changelist"]
)
def test_editor_can_open_the_page_editing_screens(client, editor, own_page, url_name):
    client.force_login(editor)
    args = [own_page.pk] if url_name.endswith("change") else []
    response = client.get(reverse(url_name, args=args))
    assert response.status_code == 200
    assert 'name="municipality"' not in response.text


def test_admin_page_list_shows_only_own_municipality(client, editor, own_page, foreign_page):
    client.force_login(editor)
    response = client.get(reverse("admin:portal_page_changelist"))
    assert response.status_code == 200
    assert own_page.title in response.text
    assert foreign_page.title not in response.text


@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_admin_answers_404_for_another_municipalitys_page_by_id(client, editor, foreign_page, view):
    client.force_login(editor)
    response = client.get(reverse(f"admin:portal_page_{view}", args=[foreign_page.pk]))
    assert response.status_code == 404


def test_admin_refuses_to_save_another_municipalitys_page(client, editor, foreign_page):
    client.force_login(editor)
    response = client.post(
        reverse("admin:portal_page_change", args=[foreign_page.pk]),
        {"title": "Overtaget", "slug": "overtaget", "kind": "page", "order": 1, "is_published": "on"},
    )
    assert response.status_code == 404
    foreign_page.refresh_from_db()
    assert foreign_page.title != "Overtaget"


def test_page_created_by_an_editor_belongs_to_their_municipality(client, editor, other_municipality):
    client.force_login(editor)
    response = client.post(
        reverse("admin:portal_page_add"),
        {
            "title": "Ny side",
            "slug": "ny-side",
            "kind": "page",
            "order": 5,
            "is_published": "on",
            # A forged municipality in the form is ignored: the field is not on an editor's form.
            "municipality": other_municipality.pk,
            "sections-TOTAL_FORMS": 1,
            "sections-INITIAL_FORMS": 0,
            "sections-0-order": 1,
            "sections-0-kind": "text",
            "sections-0-body": "Første afsnit.",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    page = Page.objects.get(slug="ny-side")
    assert page.municipality == editor.municipality
    assert page.sections.get().body == "Første afsnit."


def test_editor_cannot_see_another_municipality_in_admin(client, editor, other_municipality):
    client.force_login(editor)
    listing = client.get(reverse("admin:portal_municipality_changelist"))
    assert other_municipality.name not in listing.text
    assert client.get(reverse("admin:portal_municipality_change", args=[other_municipality.pk])).status_code == 404


def test_editor_cannot_change_municipality_code_or_address(client, editor):
    client.force_login(editor)
    response = client.get(reverse("admin:portal_municipality_change", args=[editor.municipality_id]))
    assert response.status_code == 200
    assert 'name="kommunekode"' not in response.text
    assert 'name="slug"' not in response.text
    assert 'name="policy_title"' in response.text


def test_editor_has_no_access_to_units_or_staff(client, editor):
    client.force_login(editor)
    assert client.get(reverse("admin:portal_unit_changelist")).status_code == 403
    assert client.get(reverse("admin:portal_user_changelist")).status_code == 403


def test_caseworker_cannot_use_the_admin(client, municipality):
    caseworker = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER])
    client.force_login(caseworker)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_municipality_admin_sees_only_own_staff_and_units(client, municipality, other_municipality):
    administrator = StaffFactory(municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN])
    colleague = StaffFactory(municipality=municipality, roles=[Role.CASEWORKER], username="kollega")
    stranger = StaffFactory(municipality=other_municipality, roles=[Role.CASEWORKER], username="fremmed")
    SuperuserFactory()
    Unit.objects.create(municipality=municipality, name="Eget plejecenter", area="aeldre")
    Unit.objects.create(municipality=other_municipality, name="Fremmed plejecenter", area="aeldre")
    client.force_login(administrator)

    users = client.get(reverse("admin:portal_user_changelist")).text
    assert colleague.username in users and stranger.username not in users and "super" not in users
    assert client.get(reverse("admin:portal_user_change", args=[stranger.pk])).status_code == 404
    assert client.get(reverse("admin:auth_user_password_change", args=[colleague.pk])).status_code == 200
    assert client.get(reverse("admin:auth_user_password_change", args=[stranger.pk])).status_code == 404
    units = client.get(reverse("admin:portal_unit_changelist")).text
    assert "Eget plejecenter" in units and "Fremmed plejecenter" not in units


def test_municipality_admin_creates_staff_only_in_own_municipality_and_only_with_role_groups(
    client, municipality, other_municipality
):
    from django.contrib.auth.models import Group

    administrator = StaffFactory(municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN])
    secret_group = Group.objects.create(name="Hemmelig gruppe")
    client.force_login(administrator)
    form = client.get(reverse("admin:portal_user_add")).text
    assert "Hemmelig gruppe" not in form and 'name="is_superuser"' not in form

    editor_group = Group.objects.get(name=Role.EDITOR.value)
    response = client.post(
        reverse("admin:portal_user_add"),
        {
            "username": "ny-redaktoer",
            "password1": "et-langt-og-godt-kodeord-2026",
            "password2": "et-langt-og-godt-kodeord-2026",
            "usable_password": "true",
            "groups": [editor_group.pk],
            "is_staff": "on",
            "municipality": other_municipality.pk,
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302
    created = User.objects.get(username="ny-redaktoer")
    assert created.municipality == municipality
    assert not created.is_superuser
    assert list(created.groups.all()) == [editor_group]

    response = client.post(
        reverse("admin:portal_user_add"),
        {
            "username": "snyder",
            "password1": "et-langt-og-godt-kodeord-2026",
            "password2": "et-langt-og-godt-kodeord-2026",
            "usable_password": "true",
            "groups": [secret_group.pk],
        },
    )
    assert response.status_code == 200  # the form refuses a group that is not a role
    assert not User.objects.filter(username="snyder").exists()


def test_staff_user_must_belong_to_a_municipality(db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        User.objects.create_user(username="uden-kommune", password="x")


def test_unpublished_page_is_404_for_the_public_but_previewed_by_its_editor(client, editor, own_page):
    services.unpublish_page(acting_user=editor, page=own_page)
    url = own_page.get_absolute_url()
    assert client.get(url).status_code == 404
    client.force_login(editor)
    response = client.get(url)
    assert response.status_code == 200
    assert "Forhåndsvisning" in response.text


def test_editor_of_another_municipality_gets_no_preview(client, editor, other_editor, own_page):
    services.unpublish_page(acting_user=editor, page=own_page)
    client.force_login(other_editor)
    assert client.get(own_page.get_absolute_url()).status_code == 404


def page_form_data(page, **changes) -> dict:
    sections = list(page.sections.all())
    data = {
        "title": page.title, "slug": page.slug, "kind": page.kind, "order": page.order,
        "loaded_version": page.updated_at.isoformat(),
        "sections-TOTAL_FORMS": len(sections), "sections-INITIAL_FORMS": len(sections),
    }  # fmt: skip
    for index, section in enumerate(sections):
        data |= {
            f"sections-{index}-id": section.pk, f"sections-{index}-page": page.pk,
            f"sections-{index}-order": section.order, f"sections-{index}-kind": section.kind,
            f"sections-{index}-heading": section.heading, f"sections-{index}-body": section.body,
        }  # fmt: skip
    return data | changes


def test_two_editors_saving_the_same_page_the_second_is_told_and_nothing_is_lost(client, editor, own_page):
    from django.test import Client

    colleague = StaffFactory(municipality=editor.municipality, roles=[Role.EDITOR])
    other_client = Client()
    other_client.force_login(colleague)
    client.force_login(editor)
    url = reverse("admin:portal_page_change", args=[own_page.pk])
    first = page_form_data(own_page, **{"sections-0-body": "Den førstes tekst."})
    second = page_form_data(own_page, **{"sections-0-body": "Den andens tekst."})

    assert client.post(url, first).status_code == 302
    response = other_client.post(url, second)

    assert response.status_code == 200
    assert "En anden har gemt eller udgivet siden, efter du åbnede den" in response.text
    assert "Den andens tekst." in response.text  # their text is still in the form to copy
    assert own_page.sections.order_by("order").first().body == "Den førstes tekst."


# --- the admin's "view on site" shortcut, /admin/r/<content type>/<id>/ ---------------------------


def foreign_objects(municipality, staff) -> dict:
    """One object of every model that has a page of its own (get_absolute_url), all of `municipality`."""
    from consent import services as consent_services
    from consent.models import HelpChange
    from contacts import services as contact_services
    from contacts.models import ContactPoint, Need, Offer, Situation, SituationContact
    from tests.factories import CitizenFactory, UnitFactory

    page = PageFactory(municipality=municipality, slug="upubliceret-side", is_published=False)
    contact = ContactPoint.objects.create(municipality=municipality, name="Fremmed kontakt")
    situation = Situation.objects.create(need=Need.objects.create(municipality=municipality, name="Behov"), text="X")
    SituationContact.objects.create(situation=situation, contact_point=contact)
    citizen = CitizenFactory(
        municipality=municipality, units=[UnitFactory(municipality=municipality)], created_by=staff
    )
    offer = Offer.objects.create(municipality=municipality, kind="respite", name="Fremmed tilbud", description="X")
    contact_request = contact_services.submit_contact_request(
        municipality=municipality, way="call", name="Fremmed", phone="20304050", email="", message="", consent=True
    )
    help_change = consent_services.record_help_change(
        citizen=citizen,
        help_change=HelpChange(kind=HelpChange.Kind.HOSPITAL, changes_on=citizen.created_at.date(), summary="X"),
        acting_user=staff,
    )
    return {
        "portal.municipality": municipality,
        "portal.page": page,
        "contacts.contactpoint": contact,
        "contacts.situation": situation,
        "contacts.offer": offer,
        "contacts.contactrequest": contact_request,
        "consent.citizen": citizen,
        "consent.helpchange": help_change,
    }


def page_without_address_and_token(response) -> str:
    """The page but for its own address (the language switch links to it) and the CSRF token (new every time)."""
    import re

    without_address = response.text.replace(response.request["PATH_INFO"], "")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", without_address)


def view_on_site(client, obj, object_id=None):
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(obj)
    return client.get(reverse("admin:view_on_site", args=[content_type.pk, object_id or obj.pk]))


def test_every_model_with_a_page_of_its_own_is_covered_by_the_view_on_site_tests(other_municipality):
    from django.apps import apps

    with_pages = {model._meta.label_lower for model in apps.get_models() if hasattr(model, "get_absolute_url")}
    assert with_pages == set(
        foreign_objects(other_municipality, StaffFactory(municipality=other_municipality, roles=[Role.CASEWORKER]))
    )


@pytest.mark.parametrize(
    "label",
    [
        "portal.municipality",
        "portal.page",
        "contacts.contactpoint",
        "contacts.situation",
        "contacts.offer",
        "contacts.contactrequest",
        "consent.citizen",
        "consent.helpchange",
    ],
)
def test_view_on_site_answers_another_municipalitys_staff_404_as_if_the_object_did_not_exist(
    client, municipality, other_municipality, label
):
    """Even holding every role, an administrator learns neither the page's address nor that the id exists."""
    from portal.roles import Role

    everything = StaffFactory(municipality=municipality, roles=list(Role))
    obj = foreign_objects(other_municipality, StaffFactory(municipality=other_municipality, roles=[Role.CASEWORKER]))[
        label
    ]
    client.force_login(everything)

    foreign = view_on_site(client, obj)
    missing = view_on_site(client, obj, object_id=type(obj)._default_manager.order_by("-pk")[0].pk + 1000)

    assert foreign.status_code == missing.status_code == 404
    assert page_without_address_and_token(foreign) == page_without_address_and_token(missing)
    assert "Location" not in foreign


def test_view_on_site_takes_an_editor_to_their_own_unpublished_page(client, editor):
    page = PageFactory(municipality=editor.municipality, slug="kladde", is_published=False)
    client.force_login(editor)
    response = view_on_site(client, page)
    assert response.status_code == 302
    assert response["Location"] == f"http://testserver{page.get_absolute_url()}"
    assert "Forhåndsvisning" in client.get(response["Location"]).text


def test_view_on_site_takes_a_platform_superuser_to_any_municipalitys_page(client, other_municipality):
    page = PageFactory(municipality=other_municipality, slug="kladde", is_published=False)
    client.force_login(SuperuserFactory())
    assert view_on_site(client, page)["Location"].endswith(page.get_absolute_url())


def test_view_on_site_needs_the_view_permission_of_the_model(client, municipality):
    """A municipality administrator may not edit pages, so their own municipality's pages have no shortcut either."""
    page = PageFactory(municipality=municipality, slug="kladde", is_published=False)
    client.force_login(StaffFactory(municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN]))
    assert view_on_site(client, page).status_code == 404


def test_view_on_site_has_no_shortcut_to_a_citizen_even_for_their_own_administrator(client, municipality):
    """Citizens have no admin, so no "view on site" link: the shortcut would only tell which ids exist."""
    administrator = StaffFactory(municipality=municipality, roles=[Role.MUNICIPALITY_ADMIN])
    citizen = foreign_objects(municipality, administrator)["consent.citizen"]
    client.force_login(administrator)
    assert view_on_site(client, citizen).status_code == 404


@pytest.mark.parametrize("path", ["/admin/r/abc/1/", "/admin/r/999999/1/"])
def test_view_on_site_answers_404_for_a_content_type_that_is_no_number_or_does_not_exist(client, editor, path):
    client.force_login(editor)
    assert client.get(path).status_code == 404
