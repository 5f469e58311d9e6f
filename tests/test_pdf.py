"""The portal's PDFs are accessible (tagged PDF/UA-1, with language and title) and read nothing but static files."""

import io

import pypdf
import pytest

from portal.pdf import pdf_response, render_pdf, static_file

PAGE = """<!doctype html>
<html lang="da"><head><meta charset="utf-8"><title>Indsigt i egne oplysninger</title>
<link rel="stylesheet" href="/static/{stylesheet}"></head>
<body><h1>Oplysninger om borgeren</h1><p>Pårørende: Ærø Østergård.</p>
<table><tr><th scope="col">Samtykke</th></tr><tr><td>Tilladt</td></tr></table></body></html>"""


def read(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


@pytest.fixture
def stylesheet(settings, tmp_path):
    (tmp_path / "print.css").write_text("h1 { color: rgb(0, 68, 136); }")
    settings.STATICFILES_DIRS = [tmp_path]
    return "print.css"


def test_a_pdf_is_tagged_for_screen_readers_with_the_pages_language_and_title(stylesheet):
    document = read(render_pdf(PAGE.format(stylesheet=stylesheet)))
    catalog = document.trailer["/Root"]

    assert catalog["/MarkInfo"]["/Marked"] == pypdf.generic.BooleanObject(True)
    assert "/StructTreeRoot" in catalog
    assert catalog["/Lang"] == "da"
    assert document.metadata.title == "Indsigt i egne oplysninger"
    assert catalog["/ViewerPreferences"]["/DisplayDocTitle"] == pypdf.generic.BooleanObject(
        True
    )  # PDF/UA: the title, not the file name
    assert "Ærø Østergård" in document.pages[0].extract_text()


@pytest.mark.parametrize(
    "address",
    ["http://169.254.169.254/latest/meta-data/", "file:///etc/passwd", "/static/../../etc/passwd", "/media/x.png"],
)
def test_a_pdf_reads_nothing_outside_the_static_files(address):
    with pytest.raises(ValueError):  # noqa: PT011 (WeasyPrint turns any fetcher error into a missing resource)
        static_file(address)


def test_a_pdf_reads_the_portals_own_static_files(stylesheet):
    assert static_file(f"http://portal.invalid/static/{stylesheet}") == (b"h1 { color: rgb(0, 68, 136); }", "text/css")


def test_a_pdf_download_is_never_cached():
    response = pdf_response(b"%PDF-1.7", filename="indsigt.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="indsigt.pdf"'
    assert response["Cache-Control"] == "no-store"
