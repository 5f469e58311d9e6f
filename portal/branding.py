"""The municipality's own face on its pages: its logo and its accent colour, and whether they may be used.

Pure rules (no database): `logo_problems` reads an uploaded SVG or PNG; `accent_colour_problems` measures
a colour's WCAG contrast against white and black. The admin's municipality form shows their answers.
"""

import re
import struct
import xml.etree.ElementTree as ElementTree

from django.utils.formats import number_format
from django.utils.translation import gettext as _

MAX_LOGO_BYTES = 300 * 1024  # it is sent inside every page of the municipality
MIN_LOGO_PIXELS, MAX_LOGO_PIXELS = 16, 4000
MAX_ASPECT_RATIO = 12  # a wide word mark, not a banner
MIN_CONTRAST_WITH_WHITE = 3.0  # WCAG 1.4.11: a bar or border in the colour on the white page
MIN_TEXT_CONTRAST = 4.5  # WCAG 1.4.3: text in white or black on the colour
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
SVG_NAMESPACE = "{http://www.w3.org/2000/svg}"
FORBIDDEN_SVG_ELEMENTS = {"script", "foreignobject", "iframe", "embed", "object", "audio", "video"}


def _srgb_to_linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """WCAG 2's relative luminance of "#RRGGBB"."""
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _srgb_to_linear(red) + 0.7152 * _srgb_to_linear(green) + 0.0722 * _srgb_to_linear(blue)


def contrast_ratio(first: str, second: str) -> float:
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(colour: str) -> str:
    """White or black, whichever reads better on `colour` (one of them always reaches 4.5:1)."""
    return "#ffffff" if contrast_ratio(colour, "#ffffff") >= contrast_ratio(colour, "#000000") else "#000000"


def _ratio(value: float) -> str:
    return f"{number_format(round(value, 1), 1)}:1"


def accent_colour_problems(colour: str) -> list[str]:
    """Why `colour` ("#RRGGBB") cannot be the municipality's accent colour; [] when it can."""
    if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour or ""):
        return [_("Write the colour as # and six hex digits, e.g. #00507A.")]
    with_white, with_black = contrast_ratio(colour, "#ffffff"), contrast_ratio(colour, "#000000")
    if with_white < MIN_CONTRAST_WITH_WHITE:
        return [
            _(
                "The colour %(colour)s has a contrast of %(white)s against white and %(black)s against black. "
                "It must have at least 3:1 against white, as it stands as bars and borders on the white page: "
                "choose a darker colour."
            )
            % {"colour": colour, "white": _ratio(with_white), "black": _ratio(with_black)}
        ]
    return []


def _png_size(data: bytes) -> tuple[int, int] | None:
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        return None
    return struct.unpack(">II", data[16:24])


def _svg_length(value: str | None) -> float | None:
    match = re.fullmatch(r"\s*([0-9.]+)\s*(px)?\s*", value or "")
    return float(match.group(1)) if match else None


def _forbidden_content(root) -> str | None:
    """Why an SVG could run something or fetch something (a script, an event handler, an outside link)."""
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1].lower()
        if name in FORBIDDEN_SVG_ELEMENTS:
            return _("The SVG file contains a script or embedded content (<%(name)s>), which is not allowed.") % {
                "name": name
            }
        for attribute, value in element.attrib.items():
            attribute_name = attribute.rsplit("}", 1)[-1].lower()
            if attribute_name.startswith("on"):
                return _("The SVG file contains an event handler (%(name)s), which is not allowed.") % {
                    "name": attribute_name
                }
            if attribute_name == "href" and not value.strip().startswith("#"):
                return _("The SVG file links to something outside itself (%(value)s), which is not allowed.") % {
                    "value": value[:60]
                }
    return None


def _svg_problems(data: bytes) -> tuple[list[str], tuple[float, float] | None]:
    text = data.decode("utf-8", errors="replace")
    if re.search(r"<!DOCTYPE|<!ENTITY", text, re.IGNORECASE):
        return [_("The SVG file may not declare a DOCTYPE or entities.")], None
    try:
        root = ElementTree.fromstring(data)  # noqa: S314 (no DOCTYPE or entities: refused above)
    except ElementTree.ParseError:
        return [_("The file is not a valid SVG image.")], None
    if root.tag not in (f"{SVG_NAMESPACE}svg", "svg"):
        return [_("The file is not a valid SVG image.")], None
    problem = _forbidden_content(root)
    if problem:
        return [problem], None
    view_box = (root.get("viewBox") or "").replace(",", " ").split()
    width, height = _svg_length(root.get("width")), _svg_length(root.get("height"))
    if len(view_box) == 4:
        try:
            width, height = float(view_box[2]), float(view_box[3])
        except ValueError:
            width = height = None
    if not width or not height:
        return [_("The SVG file must give its size (a viewBox, or width and height).")], None
    return [], (width, height)


def logo_size_problem(size: int) -> str | None:
    """Why a logo file of `size` bytes is too large, or None (checked before the file is read)."""
    if size <= MAX_LOGO_BYTES:
        return None
    shown = f"{number_format(size / 1024 / 1024, 1)} MB" if size >= 1024 * 1024 else f"{size // 1024} kB"
    return _("The logo is %(size)s; at most 300 kB is allowed. Save it smaller, e.g. as SVG.") % {"size": shown}


def logo_problems(data: bytes) -> tuple[str, list[str]]:
    """The logo's media type ("image/svg+xml" or "image/png") and why it cannot be used ([] when it can)."""
    too_large = logo_size_problem(len(data))
    if too_large:
        return "", [too_large]
    png_size = _png_size(data)
    if png_size:
        media_type, size = "image/png", png_size
    elif data.lstrip()[:1] == b"<":
        problems, size = _svg_problems(data)
        if problems:
            return "", problems
        media_type = "image/svg+xml"
    else:
        return "", [_("The logo must be an SVG or a PNG image.")]
    width, height = size
    if not (MIN_LOGO_PIXELS <= width <= MAX_LOGO_PIXELS and MIN_LOGO_PIXELS <= height <= MAX_LOGO_PIXELS):
        return "", [_("The logo is %(width)s × %(height)s pixels; each side must be between 16 and 4000.")
                    % {"width": int(width), "height": int(height)}]  # fmt: skip
    if max(width, height) / min(width, height) > MAX_ASPECT_RATIO:
        return "", [_("The logo is %(width)s × %(height)s: too long and narrow to show in the header.")
                    % {"width": int(width), "height": int(height)}]  # fmt: skip
    return media_type, []
