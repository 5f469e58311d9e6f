"""Letters for window envelopes (issue 15): names and addresses typed or uploaded for one print, never stored;
one letter per address, the address where a C5 or C65 window shows it; bad lists refused in Danish."""

from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal.roles import Role
from surveys import rules
from surveys.models import Invitation
from tests.factories import StaffFactory
from tests.scenarios import open_survey
from tests.test_survey_answering import GROUPED_CODE

ADDRESSES = "Ane Ærø\nSøndergade 1, 2. th.\n6100 Haderslev\n\nBo Østergård\nVestervej 12\n6100 Haderslev\n"


@pytest.fixture
def survey(municipality):
    return open_survey(municipality)


@pytest.fixture
def url(survey) -> str:
    return f"/personale/undersoegelser/runde/{survey.wave.pk}/breve-med-adresse/"


def test_each_address_gets_its_own_letter_with_a_code_and_nothing_is_stored(client, manager, survey, url, caplog):
    client.force_login(manager)
    response = client.post(url, {"unit": survey.unit.pk, "addresses": ADDRESSES})
    html = unescape(response.text)
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert html.count('class="survey-letter survey-letter--window"') == 2  # one letter per page
    assert "Ane Ærø<br>Søndergade 1, 2. th.<br>6100 Haderslev" in html
    assert len(set(GROUPED_CODE.findall(html))) == 2
    assert Invitation.objects.filter(unit=survey.unit).count() == 2
    stored = " ".join(str(row) for row in Invitation.objects.values_list())
    assert "Ærø" not in stored and "Søndergade" not in stored
    assert "Søndergade" not in caplog.text


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_an_uploaded_csv_in_utf8_or_windows_1252_is_read(client, manager, survey, url, encoding):
    content = "Ane Ærø;Søndergade 1;6100 Haderslev\nBo Østergård;Vestervej 12;6100 Haderslev\n".encode(encoding)
    client.force_login(manager)
    response = client.post(url, {"unit": survey.unit.pk, "file": SimpleUploadedFile("liste.csv", content)})
    html = unescape(response.text)
    assert "Ane Ærø<br>Søndergade 1<br>6100 Haderslev" in html and "Bo Østergård" in html


def test_a_list_in_a_wrong_encoding_is_refused_in_danish(client, manager, survey, url):
    client.force_login(manager)
    content = "Ane Ærø\nSøndergade 1\n".encode("utf-16")
    response = client.post(url, {"unit": survey.unit.pk, "file": SimpleUploadedFile("liste.txt", content)})
    assert "Filen kunne ikke læses som tekst" in unescape(response.text)
    assert not Invitation.objects.exists()


def test_a_list_of_5000_lines_is_refused_in_danish(client, manager, survey, url):
    client.force_login(manager)
    addresses = "\n\n".join(f"Navn {i}\nVej {i}" for i in range(1667))  # 5,000 lines
    assert addresses.count("\n") + 1 == 5000
    response = client.post(url, {"unit": survey.unit.pk, "addresses": addresses})
    assert "Listen har 5.000 linjer; udskriv højst 3.000 linjer (500 adresser) ad gangen." in unescape(response.text)
    assert not Invitation.objects.exists()


def test_an_address_longer_than_the_window_is_refused():
    _blocks, problems = rules.read_address_list("\n".join(f"Linje {i}" for i in range(7)))
    assert problems["addresses"][0].startswith("Address 1 has 7 lines") or "Adresse 1" in problems["addresses"][0]


def test_another_municipalitys_wave_is_not_found(client, survey, url, other_municipality):
    client.force_login(StaffFactory(municipality=other_municipality, roles=[Role.MANAGER]))
    assert client.get(url).status_code == 404
    assert client.post(url, {"unit": survey.unit.pk, "addresses": ADDRESSES}).status_code == 404


def test_the_letters_form_runs_a_fixed_number_of_queries(client, manager, url, django_assert_num_queries):
    client.force_login(manager)
    client.get("/personale/")
    with django_assert_num_queries(5):  # session, user, groups, the wave, its units for the form
        assert client.get(url).status_code == 200
