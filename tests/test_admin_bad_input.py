"""The admin answers bad input with a page, never a 500: NUL characters in any list's search or an autocomplete."""

from django.contrib import admin
from django.urls import reverse

from tests.factories import PageFactory, SuperuserFactory


def test_a_nul_character_in_any_admin_search_shows_the_list(client, municipality):
    PageFactory(municipality=municipality, slug="side", title="Forord")
    client.force_login(SuperuserFactory())
    searched = 0
    for model, model_admin in admin.site._registry.items():
        if not model_admin.search_fields:
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        response = client.get(url, {"q": "For\x00ord"})
        assert response.status_code == 200, url
        searched += 1
    assert searched > 5
    response = client.get(reverse("admin:portal_page_changelist"), {"q": "For\x00ord"})
    assert "Forord" in response.text  # searched for what was meant


def test_a_nul_character_in_an_autocomplete_is_answered(client, municipality):
    client.force_login(SuperuserFactory())
    for term, found in [("\x00", True), ("Test\x00rup", True), ("Ingen\x00", False)]:
        response = client.get(
            reverse("admin:autocomplete"),
            {"term": term, "app_label": "portal", "model_name": "page", "field_name": "municipality"},
        )
        assert response.status_code == 200
        assert ("Testrup" in response.text) is found
