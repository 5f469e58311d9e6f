"""PDF documents made from the portal's own HTML pages: tagged PDF/UA-1 with the page's language and title.

One way for every app to make a PDF: render the same template as the printable HTML page, then
`render_pdf(html)`. WeasyPrint lays the page out with Pango from the operating system (Debian:
libpango-1.0-0 and libpangoft2-1.0-0); where Pango is missing, `render_pdf` raises `PdfUnavailable` and the
view offers the printable page instead of failing. WeasyPrint fetches nothing from the network: a stylesheet or
image is read from the portal's static files, any other address is refused.
"""

import mimetypes
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse


class PdfUnavailable(Exception):
    """The PDF library or the system's text layout library (Pango) is not installed here."""


def static_file(url: str) -> tuple[bytes, str]:
    """The content and media type of the portal's static file at `url`; `ValueError` for any other address."""
    path = unquote(urlsplit(url).path)
    if not path.startswith(settings.STATIC_URL):
        raise ValueError("Only the portal's static files may be part of a PDF.")
    try:
        found = finders.find(path.removeprefix(settings.STATIC_URL))
    except SuspiciousFileOperation as outside:
        raise ValueError("Only the portal's static files may be part of a PDF.") from outside
    if not found:
        raise ValueError("No such static file.")
    with open(found, "rb") as file:
        return file.read(), mimetypes.guess_type(found)[0] or "application/octet-stream"


def render_pdf(html: str) -> bytes:
    """The page `html` as a tagged PDF/UA-1 document; its `<html lang>` and `<title>` become the PDF's."""
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except OSError as missing_library:  # Pango or one of its libraries
        raise PdfUnavailable(str(missing_library)) from missing_library

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            content, media_type = static_file(url)
            return URLFetcherResponse(url, content, {"Content-Type": media_type})

    # The base address only lets root-relative links resolve; the fetcher decides what is read.
    document = HTML(string=html, base_url="http://portal.invalid/", url_fetcher=StaticFilesOnly())
    return document.write_pdf(pdf_variant="pdf/ua-1")


def pdf_response(pdf: bytes, *, filename: str) -> HttpResponse:
    """A download of `pdf`, named `filename` (which must carry no personal data: it ends up in browsers' histories)."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
