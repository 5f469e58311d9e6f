"""The municipality's own face: a checked logo and accent colour, its contact details in every public page."""

import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portal.branding import accent_colour_problems, contrast_ratio, logo_problems, text_colour_on
from portal.models import Municipality
from tests.factories import PageFactory

SVG_LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 200 60"><rect width="200" height="60"/></svg>'


def png(width: int, height: int, padding: int = 0) -> bytes:
    """A real PNG of `width` × `height` black pixels (optionally padded with a text chunk to a size)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\x00" * width for _ in range(height)))
    text = chunk(b"tEXt", b"Comment\x00" + b"x" * padding) if padding else b""
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + text + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def test_contrast_is_measured_as_wcag_does():
    assert round(contrast_ratio("#ffffff", "#000000"), 1) == 21.0
    assert round(contrast_ratio("#767676", "#ffffff"), 2) == 4.54
    assert text_colour_on("#00507a") == "#ffffff" and text_colour_on("#ffd700") == "#000000"


def test_a_colour_with_2_to_1_against_white_is_refused_with_its_ratios(settings):
    (problem,) = accent_colour_problems("#aaaaaa")  # 2.3:1 against white
    assert "2.3:1" in problem or "2,3:1" in problem
    assert accent_colour_problems("#00507a") == []
    assert accent_colour_problems("blå") != []


@pytest.mark.parametrize(
    ("svg", "refused_for"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><script>alert(1)</script></svg>', "script"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 20" onload="alert(1)"/>', "onload"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 20 20"><a href="javascript:x()"/></svg>', "javascript"),
        (b'<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>', "DOCTYPE"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>', "foreignobject"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'", "ikke et gyldigt SVG"),
    ],
)
def test_an_svg_that_could_run_or_fetch_something_is_refused(svg, refused_for):
    media_type, problems = logo_problems(svg)
    assert media_type == "" and len(problems) == 1 and refused_for in problems[0]


def test_logos_of_sane_size_pass_and_others_are_refused():
    assert logo_problems(SVG_LOGO) == ("image/svg+xml", [])
    assert logo_problems(png(200, 60)) == ("image/png", [])
    assert "mellem 16 og 4000" in logo_problems(png(5000, 100))[1][0]
    assert "lang og smal" in logo_problems(png(1000, 20))[1][0]
    assert "SVG- eller PNG-billede" in logo_problems(b"GIF89a....")[1][0]


def municipality_form(municipality, **changes) -> dict:
    data = {
        "website": municipality.website, "policy_title": municipality.policy_title, "policy_subtitle": "",
        "policy_adopted_by": "", "policy_adopted_on": "",
        "accent_colour": "", "address": "", "phone": "", "email": "", "opening_hours": "",
        "accessibility_statement_url": "",
    }  # fmt: skip
    return data | changes


def test_the_municipality_s_administrator_sets_logo_colour_and_contact_details(client, administrator, municipality):
    PageFactory(municipality=municipality, slug="forord", title="Forord")
    client.force_login(administrator)
    url = reverse("admin:portal_municipality_change", args=[municipality.pk])
    data = municipality_form(
        municipality,
        accent_colour="#00507A",
        address="Rådhusvej 1\n9999 Testrup",
        phone="12 34 56 78",
        email="kontakt@testrup.example",
        opening_hours="Mandag-fredag 10-14",
        policy_adopted_by="Kommunalbestyrelsen",
        policy_adopted_on="24.06.2015",
        logo_file=SimpleUploadedFile("logo.svg", SVG_LOGO, content_type="image/svg+xml"),
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    municipality.refresh_from_db()
    assert municipality.logo_type == "image/svg+xml" and bytes(municipality.logo) == SVG_LOGO

    client.logout()
    for path in [municipality.get_absolute_url(), "/testrup/forord/", "/testrup/find-rundt/"]:
        page = client.get(path).text
        assert 'src="data:image/svg+xml;base64,' in page, path
        assert "Rådhusvej 1<br>9999 Testrup" in page and "tel:12345678" in page and "Mandag-fredag 10-14" in page
        assert 'class="municipality-branded"' in page and "/testrup/udseende.css?v=" in page
    assert "Vedtaget af Kommunalbestyrelsen den 24. juni 2015." in client.get("/testrup/").text
    css = client.get("/testrup/udseende.css")
    assert css["Content-Type"].startswith("text/css")
    assert css.text == ":root { --municipality-accent: #00507a; --municipality-on-accent: #ffffff; }\n"


def test_bad_logo_and_colour_are_told_at_their_fields_and_nothing_is_saved(client, administrator, municipality):
    client.force_login(administrator)
    url = reverse("admin:portal_municipality_change", args=[municipality.pk])
    big = SimpleUploadedFile("stor.png", png(100, 100, padding=20 * 1024 * 1024), content_type="image/png")
    response = client.post(url, municipality_form(municipality, accent_colour="#AAAAAA", logo_file=big, phone="1"))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["logo_file"] == ["Logoet fylder 20,0 MB; det må højst fylde 300 kB. Gem det mindre, fx som SVG."]
    assert "kontrast på 2,3:1 mod hvid og 9,0:1 mod sort" in errors["accent_colour"][0]
    assert 'value="1"' in response.text  # what was typed is still there
    script = SimpleUploadedFile("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg" onload="x()"/>')
    response = client.post(url, municipality_form(municipality, logo_file=script))
    assert "hændelseshåndtering (onload)" in response.context["adminform"].form.errors["logo_file"][0]
    municipality.refresh_from_db()
    assert municipality.logo_type == "" and municipality.accent_colour == "" and municipality.phone == ""


def test_no_colour_means_no_stylesheet_and_the_portal_s_own_look(client, municipality):
    assert client.get("/testrup/udseende.css").status_code == 404
    assert "municipality-branded" not in client.get("/testrup/").text


def test_the_seeds_give_only_hvidovre_s_adoption_and_no_municipality_s_address(policies):
    adopted = {m.slug: (m.policy_adopted_by, str(m.policy_adopted_on)) for m in Municipality.objects.all()}
    assert adopted["hvidovre"] == ("Kommunalbestyrelsen", "2015-06-24")
    assert all(by == "" for slug, (by, _on) in adopted.items() if slug != "hvidovre")
    assert not Municipality.objects.exclude(address="", phone="", email="").exists()


def test_the_front_page_of_the_policy_costs_the_same_queries_with_a_logo(
    client, municipality, django_assert_num_queries
):
    Municipality.objects.filter(pk=municipality.pk).update(
        logo=SVG_LOGO, logo_type="image/svg+xml", accent_colour="#00507a"
    )
    for number in range(20):
        PageFactory(municipality=municipality, slug=f"side-{number}", sections=3)
    with django_assert_num_queries(2):
        assert client.get("/testrup/").status_code == 200
    with django_assert_num_queries(1):
        assert client.get("/testrup/udseende.css").status_code == 200
