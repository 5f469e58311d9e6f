"""The asset fetcher refuses tampered tarballs and paths that leave its folder, and builds the DKFDS the pages load."""

import base64
import hashlib
import importlib.util
import io
import re
import tarfile
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location(
    "fetch_assets", Path(__file__).resolve().parent.parent / "scripts" / "fetch_assets.py"
)
fetch_assets = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fetch_assets)


def tarball(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def integrity_of(data: bytes) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def test_matching_integrity_passes_and_a_changed_byte_fails():
    data = tarball({"package/a.css": b"body{}"})
    fetch_assets.check_integrity(data, integrity_of(data), "x")
    with pytest.raises(SystemExit):
        fetch_assets.check_integrity(data + b"\0", integrity_of(data), "x")


def test_unpack_takes_only_the_listed_files(tmp_path):
    data = tarball({"package/dist/a.css": b"a", "package/dist/fonts/f.woff2": b"f", "package/src/x.js": b"x"})
    fetch_assets.unpack(data, {"package/dist/a.css": "css/a.css", "package/dist/fonts/": "fonts/"}, tmp_path / "out")
    found = sorted(str(p.relative_to(tmp_path / "out")) for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert found == ["css/a.css", "fonts/f.woff2"]


def test_unpack_refuses_a_path_outside_the_target(tmp_path):
    data = tarball({"package/dist/../../../evil.txt": b"x"})
    with pytest.raises(SystemExit):
        fetch_assets.unpack(data, {"package/dist/": "dist/"}, tmp_path / "out")
    assert not (tmp_path / "evil.txt").exists()


def test_pinned_dkfds_is_unpacked_where_collectstatic_finds_it():
    root = Path(fetch_assets.ROOT)
    stamp = (root / "static/vendor/dkfds/.version").read_text().strip()
    assert stamp == fetch_assets.stamp_of(fetch_assets.PACKAGES["dkfds"])
    assert stamp.split()[0] == fetch_assets.PACKAGES["dkfds"]["version"]
    assert (root / "static/vendor/dkfds/build/dkfds.css").exists()  # the stylesheet the pages link
    assert (root / "static/vendor/dkfds/js/dkfds.min.js").exists()
    assert not (root / "static/vendor/dkfds/css").exists()  # the whole stylesheet is a source, not served


def test_a_class_built_from_a_start_and_a_value_keeps_every_class_with_that_start():
    template = '<div class="alert alert-{% if level == "error" %}error{% endif %} mb-{{ size }}">'
    assert fetch_assets.class_prefixes(template) == {"alert-", "mb-"}
    assert fetch_assets.class_prefixes('css = f"badge-{kind}"') == {"badge-"}
    assert fetch_assets.class_prefixes('el.className = "tag-" + kind; x = `icon-${name}`') == {"tag-", "icon-"}
    assert fetch_assets.class_prefixes('<p class="alert-text">{{ text }}</p>') == set()


def test_only_the_classes_a_script_puts_on_elements_count():
    script = (
        'el.classList.add("open", "is-visible"); el.classList.toggle(\'active\', on); el.className = "a b";'
        'el.setAttribute("class", "c"); box.innerHTML = `<div class="d e">`; document.querySelector(".accordion");'
    )
    assert fetch_assets.script_classes(script) == {"open", "is-visible", "active", "a", "b", "c", "d", "e"}


def test_icons_are_read_from_use_hrefs_also_when_a_template_chooses_one():
    templates = [
        "<svg><use href=\"{% static 'vendor/dkfds/build/icons.svg' %}#print\"></use></svg>",
        '<use href="{{ icons }}#plus"></use>',
        "<use href=\"{% static 'x.svg' %}#{% if ok %}success{% else %}error{% endif %}\"></use>",
        '<a href="#main-content">not an icon</a>',
    ]
    assert fetch_assets.used_icons(templates) == {"print", "plus", "success", "error"}


def test_the_sprite_keeps_only_the_icons_named_and_reports_unknown_names():
    sprite = (
        '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><symbol id="a" viewBox="0 0 1 1"><path d="M0"/>'
        '</symbol><symbol id="b" viewBox="0 0 1 1"><path d="M1"/></symbol></svg>'
    )
    kept, unknown = fetch_assets.icon_sprite(sprite, {"b", "nope"})
    assert 'id="b"' in kept and 'id="a"' not in kept and kept.startswith("<svg")
    assert unknown == {"nope"}


def test_font_faces_become_woff2_only_with_swap_and_only_for_the_weights_used():
    css = (
        "@font-face{font-display:swap;font-family:IBM Plex Sans;font-style:normal;font-weight:400;"
        "src:url(../fonts/IBMPlexSans/complete/eot/IBMPlexSans-Regular.eot),url(../fonts/IBMPlexSans/complete/woff/"
        'IBMPlexSans-Regular.woff) format("woff"),url(../fonts/IBMPlexSans/complete/woff2/IBMPlexSans-Regular.woff2) '
        'format("woff2")}@font-face{font-family:IBM Plex Sans;font-style:normal;font-weight:500;src:url(../fonts/'
        'IBMPlexSans/complete/woff2/IBMPlexSans-Medium.woff2) format("woff2")}'
        '@font-face{font-family:system;font-weight:400;src:local("Tahoma")}body{font-weight:400}'
    )
    rewritten = fetch_assets.woff2_font_faces(css, {400, 700})
    assert "Medium" not in rewritten and ".woff)" not in rewritten and ".eot" not in rewritten
    assert re.findall(r"url\(([^)]*)\)", rewritten) == [
        "../fonts/IBMPlexSans/split/woff2/IBMPlexSans-Regular-Latin1.woff2",
        "../fonts/IBMPlexSans/complete/woff2/IBMPlexSans-Regular.woff2",
    ]
    assert rewritten.count("font-display:swap") == 2 and rewritten.count("unicode-range:") == 2
    assert rewritten.endswith('@font-face{font-family:system;font-weight:400;src:local("Tahoma")}body{font-weight:400}')
    assert fetch_assets.used_font_weights(["a{font-weight:600}b{font-weight: bold}c{font-weight:normal}"]) == {
        400,
        600,
        700,
    }


def test_purgecss_keeps_the_rules_of_the_classes_a_page_can_have(tmp_path):
    assert fetch_assets.purgecss_version(), "PurgeCSS is not installed: run `npm ci` (Node.js 18.16 or newer)"
    css = tmp_path / "all.css"
    css.write_text(".used{a:1}.unused{a:2}.built-error{a:3}.built-info{a:4}p{a:5}table{a:6}")
    page = tmp_path / "page.html"
    page.write_text('<p class="used">Hej</p>')
    kept = fetch_assets.purge(css, [page], {"built-error"})
    assert fetch_assets.css_classes(kept) == {"used", "built-error"}
    assert "p{a:5}" in kept and "table" not in kept


def test_without_purgecss_the_whole_stylesheet_is_served_and_the_script_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(fetch_assets, "BUILD", tmp_path / "build")
    monkeypatch.setattr(fetch_assets, "purgecss_version", lambda: None)
    fetch_assets.build_dkfds()
    whole = (fetch_assets.DKFDS_SOURCES / "dkfds.min.css").read_text()
    built = (tmp_path / "build" / "dkfds.css").read_text()
    assert fetch_assets.css_classes(built) == fetch_assets.css_classes(whole)
    assert ".woff)" not in built and ".woff2" in built  # the fonts are WOFF2 all the same
    assert "PurgeCSS is not installed" in capsys.readouterr().out
    assert (tmp_path / "build" / "icons.svg").read_text().count("<symbol") < 30
