"""Editors publish safely: a draft until published, every published version kept, compared and put back,
publishing at a set time through the scheduler and the task worker, and two editors at once lose nothing."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from portal import services
from portal.errors import StaleVersion
from portal.models import Page, PageVersion
from portal.roles import Role
from portal.schedule import enqueue_due
from tests.factories import PageFactory, StaffFactory


def page_form(page, **changes) -> dict:
    """What the admin's change form of `page` posts, as the editor opened it, with `changes`."""
    sections = list(page.sections.order_by("order", "pk"))
    data = {
        "title": page.title, "slug": page.slug, "kind": page.kind, "order": page.order, "number": "",
        "publish_at_0": "", "publish_at_1": "",
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


def new_page_form(**changes) -> dict:
    data = {
        "title": "Ny side", "slug": "ny-side", "kind": "page", "order": 5, "number": "",
        "publish_at_0": "", "publish_at_1": "",
        "sections-TOTAL_FORMS": 1, "sections-INITIAL_FORMS": 0,
        "sections-0-order": 1, "sections-0-kind": "text", "sections-0-heading": "",
        "sections-0-body": "Kladdens tekst.",
    }  # fmt: skip
    return data | changes


def change_url(page) -> str:
    return reverse("admin:portal_page_change", args=[page.pk])


@pytest.fixture
def published(municipality):
    return PageFactory(municipality=municipality, slug="om-politikken", title="Om politikken", sections=1)


def test_an_edit_saved_in_the_admin_is_a_draft_the_public_does_not_see(client, editor, published):
    anonymous = Client()
    assert "Tekst 0." in anonymous.get(published.get_absolute_url()).text  # cached from here on
    client.force_login(editor)
    response = client.post(change_url(published), page_form(published, **{"sections-0-body": "Kladde: ny tekst."}))
    assert response.status_code == 302

    public = anonymous.get(published.get_absolute_url()).text
    assert "Tekst 0." in public and "Kladde: ny tekst." not in public
    assert "Kladde: ny tekst." not in Client().get(published.get_absolute_url()).text  # nor uncached
    preview = client.get(published.get_absolute_url()).text
    assert "Kladde: ny tekst." in preview and "Forhåndsvisning" in preview
    form = client.get(change_url(published)).text
    assert "Kladden herunder har ændringer, som offentligheden ikke ser endnu." in form


def test_save_and_publish_shows_the_draft_to_the_public_at_once(client, editor, published):
    anonymous = Client()
    anonymous.get(published.get_absolute_url())
    client.force_login(editor)
    data = page_form(published, **{"sections-0-body": "Udgivet tekst.", "_publish": "Gem og udgiv"})
    response = client.post(change_url(published), data)
    assert response.status_code == 302 and response["Location"] == change_url(published)
    assert "Udgivet tekst." in anonymous.get(published.get_absolute_url()).text
    version = PageVersion.objects.get(page=published, number=2)
    assert version.published_by == editor and version.sections[0]["body"] == "Udgivet tekst."
    assert "Siden er udgivet (version 2)" in client.get(change_url(published)).text


def test_a_new_page_made_in_the_admin_is_a_draft_until_published(client, editor):
    client.force_login(editor)
    response = client.post(reverse("admin:portal_page_add"), new_page_form())
    assert response.status_code == 302
    page = Page.objects.get(slug="ny-side")
    assert not page.is_published and page.published_version is None
    assert Client().get(page.get_absolute_url()).status_code == 404
    assert "Ny side" not in Client().get(page.municipality.get_absolute_url()).text
    assert client.get(page.get_absolute_url()).status_code == 200  # the editor's preview

    client.post(change_url(page), page_form(page, _publish="Gem og udgiv"))
    assert "Kladdens tekst." in Client().get(page.get_absolute_url()).text


def test_unpublish_takes_the_page_off_the_public_site_and_keeps_its_versions(client, editor, published):
    client.force_login(editor)
    client.post(change_url(published), page_form(published, _unpublish="Gem og afpublicér"))
    assert Client().get(published.get_absolute_url()).status_code == 404
    assert "Om politikken" not in Client().get(published.municipality.get_absolute_url()).text
    assert published.versions.count() == 1
    published.refresh_from_db()
    assert published.published_version is None and not published.is_published


@pytest.mark.parametrize("database", ["default"])
def test_anonymous_visitors_never_see_a_draft_on_any_public_page(client, municipality, database):
    """Titles, addresses and sections of a draft stay out of the policy page, its menu and the front page."""
    page = PageFactory(municipality=municipality, slug="tema", title="Offentlig titel", sections=2)
    PageFactory(municipality=municipality, slug="naboside", title="Naboside", sections=1)
    page.title = "Hemmelig kladdetitel"
    page.save()
    section = page.sections.first()
    section.heading = "Hemmelig kladdeoverskrift"
    section.save()
    PageFactory(municipality=municipality, slug="aldrig-udgivet", title="Aldrig udgivet", is_published=False)
    for url in [municipality.get_absolute_url(), page.get_absolute_url(), "/testrup/naboside/", "/en/testrup/tema/"]:
        text = client.get(url).text
        assert "Hemmelig kladde" not in text and "Aldrig udgivet" not in text, url
    assert "Offentlig titel" in client.get(municipality.get_absolute_url()).text
    assert client.get("/testrup/aldrig-udgivet/").status_code == 404


def test_a_draft_address_change_keeps_the_published_address_until_published(client, published):
    published.slug = "nyt-navn"
    published.save()
    assert client.get("/testrup/om-politikken/").status_code == 200
    assert client.get("/testrup/nyt-navn/").status_code == 404
    services.publish_page(acting_user=None, page=published)
    assert client.get("/testrup/nyt-navn/").status_code == 200
    assert client.get("/testrup/om-politikken/").status_code == 404


def test_every_version_is_listed_with_who_and_when_and_a_readable_diff(client, editor, published):
    client.force_login(editor)
    client.post(change_url(published), page_form(published, **{"sections-0-body": "Anden tekst.", "_publish": "x"}))
    published.refresh_from_db()
    client.post(change_url(published), page_form(published, **{"sections-0-body": "Tredje tekst.", "_publish": "x"}))
    url = reverse("admin:portal_page_versions", args=[published.pk])
    page = client.get(url).text
    assert editor.display_name in page and "Version 3" in page and "Version 1" in page
    diff = client.get(url, {"fra": "1", "til": "3"}).text
    assert '<p class="diff-removed"><del><span class="visually-hidden">Fjernet: </span>Tekst 0.</del></p>' in diff
    assert '<p class="diff-added"><ins><span class="visually-hidden">Tilføjet: </span>Tredje tekst.</ins></p>' in diff
    assert "Anden tekst." not in diff
    assert client.get(url, {"fra": "9", "til": "<script>"}).status_code == 200  # unknown versions: no diff


def test_revert_puts_a_version_back_on_the_public_site_in_one_step(client, editor, published):
    client.force_login(editor)
    client.post(change_url(published), page_form(published, **{"sections-0-body": "Fejlagtig tekst.", "_publish": "x"}))
    assert "Fejlagtig tekst." in Client().get(published.get_absolute_url()).text
    published.refresh_from_db()
    response = client.post(
        reverse("admin:portal_page_revert", args=[published.pk, 1]),
        {"loaded_version": published.updated_at.isoformat()},
    )
    assert response.status_code == 302
    public = Client().get(published.get_absolute_url()).text
    assert "Tekst 0." in public and "Fejlagtig tekst." not in public
    published.refresh_from_db()
    assert published.published_version.number == 3 and published.sections.get().body == "Tekst 0."
    assert published.published_version.note == "Version 1 sat tilbage"
    assert [v.number for v in published.versions.all()] == [3, 2, 1]  # nothing lost


def test_revert_refuses_when_the_page_changed_since_the_versions_were_opened(client, editor, published):
    client.force_login(editor)
    seen = published.updated_at.isoformat()
    services.publish_page(acting_user=editor, page=published)
    response = client.post(
        reverse("admin:portal_page_revert", args=[published.pk, 1]), {"loaded_version": seen}, follow=True
    )
    assert "En anden har ændret siden, mens du så på dens versioner" in response.text
    assert published.versions.count() == 2


def test_a_garbled_version_stamp_on_revert_is_told_like_a_stale_one_not_a_500(client, editor, published):
    client.force_login(editor)
    response = client.post(
        reverse("admin:portal_page_revert", args=[published.pk, 1]), {"loaded_version": "i går"}, follow=True
    )
    assert response.status_code == 200
    assert "Intet er sat tilbage; se versionerne igen, og vælg på ny." in response.text
    published.refresh_from_db()
    assert published.published_version.number == 1


def test_revert_needs_a_post_and_an_editor_of_the_municipality(client, other_editor, published):
    client.force_login(other_editor)
    assert client.post(reverse("admin:portal_page_revert", args=[published.pk, 1])).status_code == 404
    assert client.get(reverse("admin:portal_page_versions", args=[published.pk])).status_code == 404


def test_staff_who_do_not_edit_pages_can_neither_see_versions_nor_put_one_back(client, municipality, published):
    manager = StaffFactory(municipality=municipality, roles=[Role.MANAGER], is_staff=True)
    client.force_login(manager)
    assert client.get(reverse("admin:portal_page_versions", args=[published.pk])).status_code == 404
    assert client.post(reverse("admin:portal_page_revert", args=[published.pk, 1])).status_code == 404
    assert published.versions.count() == 1


def test_a_time_to_publish_must_lie_in_the_future(client, editor, published):
    client.force_login(editor)
    past = timezone.localtime() - timedelta(days=1)
    data = page_form(published, publish_at_0=past.strftime("%d.%m.%Y"), publish_at_1="10:00")
    response = client.post(change_url(published), data)
    assert response.status_code == 200
    assert "Vælg et tidspunkt i fremtiden, eller udgiv nu." in response.text


@pytest.mark.django_db(transaction=True)  # the worker closes its database connection when it is done
def test_the_scheduler_and_the_task_worker_publish_a_draft_at_the_time_set(client, editor, published):
    client.force_login(editor)
    when = timezone.localtime() + timedelta(hours=2)
    data = page_form(
        published,
        publish_at_0=when.strftime("%d.%m.%Y"),
        publish_at_1=when.strftime("%H:%M"),
        **{"sections-0-body": "Tekst til i morgen."},
    )
    assert client.post(change_url(published), data).status_code == 302
    published.refresh_from_db()
    assert published.publish_scheduled_by == editor

    enqueue_due(now=timezone.now())  # before the time: the job runs, nothing is due
    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", "--queue-name", "*")
    assert "Tekst til i morgen." not in Client().get(published.get_absolute_url()).text

    # The time comes (moved here rather than waited for): the next minute's run publishes the draft.
    Page.objects.filter(pk=published.pk).update(publish_at=timezone.now() - timedelta(seconds=1))
    enqueue_due(now=timezone.now() + timedelta(minutes=1))
    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay", "--queue-name", "*")
    assert "Tekst til i morgen." in Client().get(published.get_absolute_url()).text
    published.refresh_from_db()
    assert published.publish_at is None
    assert published.published_version.published_by == editor
    assert published.published_version.note == "Udgivet på det valgte tidspunkt"


def test_a_draft_published_by_someone_else_meanwhile_is_told_and_the_text_kept(client, editor, published):
    colleague = StaffFactory(municipality=editor.municipality, roles=[Role.EDITOR], is_staff=True)
    client.force_login(editor)
    opened = page_form(published, **{"sections-0-body": "Min ændring, som ikke må gå tabt."})
    services.publish_page(acting_user=colleague, page=published)  # the colleague publishes meanwhile

    response = client.post(change_url(published), opened | {"_publish": "Gem og udgiv"})
    assert response.status_code == 200
    assert "En anden har gemt eller udgivet siden, efter du åbnede den" in response.text
    assert "Min ændring, som ikke må gå tabt." in response.text
    assert published.versions.count() == 2
    assert "Min ændring" not in Client().get(published.get_absolute_url()).text


@pytest.mark.django_db(transaction=True)
def test_two_editors_publishing_at_the_same_moment_one_is_told(municipality):
    """On PostgreSQL with two real connections: the row lock lets one publish; the other sees StaleVersion."""
    import threading

    from django.db import connections

    page = PageFactory(municipality=municipality, slug="samtidig", sections=1)
    editors = [StaffFactory(municipality=municipality, roles=[Role.EDITOR]) for _ in range(2)]
    seen = page.updated_at
    if connection.vendor != "postgresql":
        services.publish_page(acting_user=editors[0], page=page, seen_version=seen)
        with pytest.raises(StaleVersion):
            services.publish_page(acting_user=editors[1], page=page, seen_version=seen)
        return
    barrier = threading.Barrier(2)
    outcomes = []

    def publish(editor):
        try:
            barrier.wait(timeout=10)
            services.publish_page(acting_user=editor, page=Page.objects.get(pk=page.pk), seen_version=seen)
            outcomes.append("published")
        except StaleVersion:
            outcomes.append("stale")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=publish, args=(editor,)) for editor in editors]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["published", "stale"]
    assert list(page.versions.values_list("number", flat=True)) == [2, 1]


# --- bad input in the admin -------------------------------------------------------------------------------


def test_a_page_address_the_municipality_already_has_is_told_at_the_field_and_the_text_kept(client, editor, published):
    client.force_login(editor)
    response = client.post(
        reverse("admin:portal_page_add"), new_page_form(slug="om-politikken", **{"sections-0-body": "Mit udkast."})
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["slug"] == ["En anden side i kommunen har allerede adressen “om-politikken”. Vælg en anden adresse."]
    assert "Mit udkast." in response.text
    assert Page.objects.filter(slug="om-politikken").count() == 1


def test_another_municipality_may_use_the_same_page_address(client, other_editor, published):
    client.force_login(other_editor)
    response = client.post(reverse("admin:portal_page_add"), new_page_form(slug="om-politikken"))
    assert response.status_code == 302
    assert Page.objects.filter(slug="om-politikken").count() == 2


def test_a_new_page_can_be_published_as_it_is_made(client, editor):
    client.force_login(editor)
    response = client.post(reverse("admin:portal_page_add"), new_page_form(_publish="Gem og udgiv"))
    page = Page.objects.get(slug="ny-side")
    assert response.status_code == 302 and response["Location"] == change_url(page)
    assert "Kladdens tekst." in Client().get(page.get_absolute_url()).text
    assert page.versions.get().published_by == editor


def test_the_list_publishes_and_unpublishes_the_chosen_pages(client, editor, published):
    draft = PageFactory(municipality=editor.municipality, slug="kladde", title="Kladden", is_published=False)
    client.force_login(editor)
    url = reverse("admin:portal_page_changelist")
    client.post(url, {"action": "publish_selected", "_selected_action": [draft.pk]})
    assert Client().get(draft.get_absolute_url()).status_code == 200
    client.post(url, {"action": "unpublish_selected", "_selected_action": [draft.pk, published.pk]})
    assert Client().get(draft.get_absolute_url()).status_code == 404
    assert Client().get(published.get_absolute_url()).status_code == 404
    assert "Kladde, ikke udgivet" in client.get(url).text
