#!/usr/bin/env python3
"""Fetch pinned npm packages, check their integrity hashes, and build the portal's share of DKFDS.

- dkfds (Det Fælles Designsystem): its JavaScript, WOFF2 fonts and images into static/vendor/dkfds/,
  where collectstatic finds them, and its stylesheet, icon sprite and script source into .cache/dkfds/.
  The running site then needs no network and no CDN.
- vnu-jar (the Nu HTML Checker), only with --test: its vnu.jar into .cache/vnu/, for the HTML tests.

Uses the npm client when it is on PATH (`npm pack`, with its configured registry); without Node.js
it downloads the tarball from the registry named in NPM_CONFIG_REGISTRY or in ~/.npmrc. Either way
the tarball must match the sha512 integrity pinned below, or nothing is unpacked.
Idempotent: a package already unpacked at its pinned version is left alone.

Then it builds static/vendor/dkfds/build/ from the sources and the portal's own files:
- dkfds.css: DKFDS's stylesheet with only the rules the portal's templates, Python code and scripts
  can use, trimmed by PurgeCSS (pinned in package.json and package-lock.json; `npm ci --omit=dev`
  installs it alone; it needs Node.js). Without it the whole stylesheet is served, and this script
  says so. Either way its fonts are IBM Plex Sans as WOFF2 only, from DKFDS's file of Latin
  characters (~17 KB a face; the complete file only for other characters), only the weights the
  stylesheets use, with `font-display: swap`.
- icons.svg: the symbols of DKFDS's icon sprite that the templates use (`<use href="…#name">`).
It builds again whenever a template, a script, the app code or DKFDS changes, and not otherwise.
"""

import argparse
import base64
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DKFDS_STATIC = ROOT / "static" / "vendor" / "dkfds"
DKFDS_SOURCES = ROOT / ".cache" / "dkfds"
BUILD = DKFDS_STATIC / "build"
PURGECSS = ROOT / "node_modules" / ".bin" / "purgecss"

# IBM Plex Sans's faces in DKFDS. A page loads each face it uses from its file of Latin characters
# (fonts/IBMPlexSans/split/woff2/IBMPlexSans-<face>-Latin1.woff2, ~17 KB, all a Danish or English text
# needs) and, only when it shows a character beyond them, from the complete file (~57 KB).
PLEX_FACES = [
    f"{weight}{style}"
    for weight in ("Thin", "ExtraLight", "Light", "Text", "Medium", "SemiBold", "Bold")
    for style in ("", "Italic")
] + ["Regular", "Italic"]
# The characters of the Latin file (its cmap, the same for every face) and those only the complete file has.
FONT_LATIN1 = (
    "U+0000,U+000D,U+0020-007E,U+00A0-00FF,U+0131,U+0152-0153,U+02C6,U+02DA,U+02DC,U+2013-2014,U+2018-201A,"
    "U+201C-201E,U+2020-2022,U+2026,U+2030,U+2039-203A,U+2044,U+20AC,U+2122,U+2212,U+FB01-FB02"
)
FONT_BEYOND_LATIN1 = (
    "U+0100-0130,U+0132-0151,U+0154-017F,U+018F,U+0192,U+01A0-01A1,U+01AF-01B0,U+01CD-01DC,U+01FA-01FF,"
    "U+0218-021B,U+0237,U+0259,U+02BB-02BC,U+02C7,U+02D8-02D9,U+02DB,U+02DD,U+0300-0304,U+0306-030C,U+0312,"
    "U+0315,U+031B,U+0323,U+0326-0328,U+037E,U+0384-038A,U+038C,U+038E-03A1,U+03A3-03CE,U+0400-045F,"
    "U+0472-0473,U+0490-049D,U+04A0-04A5,U+04AA-04AB,U+04AE-04B3,U+04B6-04BB,U+04C0-04C2,U+04CF-04D9,"
    "U+04DC-04DF,U+04E2-04E9,U+04EE-04F5,U+04F8-04F9,U+0E3F,U+1E80-1E85,U+1E9E,U+1EA0-1EF9,U+2032-2033,"
    "U+2070,U+2074-2079,U+2080-2089,U+20A1,U+20A4,U+20A6,U+20A8-20AB,U+20AD-20AE,U+20B1-20B2,U+20B4-20B5,"
    "U+20B8-20BA,U+20BD,U+20BF,U+2113,U+2116,U+2126,U+212E,U+2150-2151,U+2153-215E,U+2190-2199,U+21A9-21AA,"
    "U+21B0-21B3,U+21B6-21B7,U+21BA-21BB,U+21C4,U+21C6,U+2202,U+2206,U+220F,U+2211,U+2215,U+221A,U+221E,"
    "U+222B,U+2248,U+2260,U+2264-2265,U+25CA,U+2713,U+274C,U+2B0E-2B11,U+ECE0,U+EFCC,U+F6D7-F6D8"
)


PACKAGES = {
    "dkfds": {
        "version": "11.2.0",
        "integrity": "sha512-JuVf8NjEOeF+TKIhEFXa3BfZvk1ulQM8+XN+6QhgDo6kiwwvupyBY34YU4FglBeyFWHbE5mYDmnrcYTWOSKkEA==",
        # target directory -> {tarball path or prefix (ending in /) -> path under the target}
        "unpack": {
            DKFDS_STATIC: {
                "package/dist/js/dkfds.min.js": "js/dkfds.min.js",
                "package/dist/js/dkfds.min.js.map": "js/dkfds.min.js.map",
                **{
                    f"package/dist/fonts/IBMPlexSans/split/woff2/IBMPlexSans-{face}-Latin1.woff2": (
                        f"fonts/IBMPlexSans/split/woff2/IBMPlexSans-{face}-Latin1.woff2"
                    )
                    for face in PLEX_FACES
                },
                "package/dist/fonts/IBMPlexSans/complete/woff2/": "fonts/IBMPlexSans/complete/woff2/",
                # The stylesheet's url()s: single icons and the placeholder logos.
                "package/dist/img/svg-icons/": "img/svg-icons/",
                **{
                    f"package/dist/img/{name}": f"img/{name}"
                    for name in (
                        "logo-borgerdk.svg",
                        "logo-header-placeholder.png",
                        "logo-placeholder.png",
                        "logo_virk.svg",
                    )
                },
                "package/dist/LICENSE.md": "LICENSE.md",
            },
            DKFDS_SOURCES: {
                "package/dist/css/dkfds.min.css": "dkfds.min.css",
                "package/dist/img/all-svg-icons.svg": "all-svg-icons.svg",
                "package/src/js/dkfds.js": "dkfds.js",  # its init(), which static/js/portal.js follows
            },
        },
    },
    "vnu-jar": {
        "version": "26.9.27",
        "integrity": "sha512-TkQd5DFfOaWC9ebtvozTsrH2Vaod3jYg+vrOeREzIXxBexLz9+rS2DNtjn7+RPUiZhgli0SghgBX6RJRNea0KA==",
        "unpack": {ROOT / ".cache" / "vnu": {"package/build/dist/vnu.jar": "vnu.jar"}},
    },
}


def registry_url() -> str:
    configured = os.environ.get("NPM_CONFIG_REGISTRY")
    if configured:
        return configured.rstrip("/")
    npmrc = Path.home() / ".npmrc"
    if npmrc.exists():
        for line in npmrc.read_text().splitlines():
            key, _sep, value = line.partition("=")
            if key.strip() == "registry" and value.strip():
                return value.strip().rstrip("/")
    sys.exit(
        "fetch_assets: Node.js's npm is not installed and no npm registry is configured.\n"
        "Install Node.js (npm), or set NPM_CONFIG_REGISTRY to your npm registry's address."
    )


def download(name: str, version: str) -> bytes:
    if shutil.which("npm"):
        with tempfile.TemporaryDirectory() as directory:
            result = subprocess.run(
                ["npm", "pack", f"{name}@{version}", "--json", "--pack-destination", directory],
                check=True,
                capture_output=True,
                text=True,
            )
            filename = json.loads(result.stdout)[0]["filename"]
            return (Path(directory) / filename).read_bytes()
    url = f"{registry_url()}/{name}/-/{name.split('/')[-1]}-{version}.tgz"
    with urllib.request.urlopen(url, timeout=120) as response:  # noqa: S310 - registry URL from npm's config
        return response.read()


def check_integrity(data: bytes, integrity: str, name: str) -> None:
    algorithm, _dash, expected = integrity.partition("-")
    actual = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if actual != expected:
        sys.exit(f"fetch_assets: {name}'s tarball does not match its pinned integrity hash; nothing unpacked.")


def unpack(data: bytes, extract: dict[str, str], target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        for member in archive.getmembers():
            if not member.isfile():
                continue
            for prefix, destination in extract.items():
                if member.name == prefix or (prefix.endswith("/") and member.name.startswith(prefix)):
                    relative = destination + member.name[len(prefix) :] if prefix.endswith("/") else destination
                    path = (target / relative).resolve()
                    if not path.is_relative_to(target.resolve()):
                        sys.exit(f"fetch_assets: refusing to write outside {target}: {member.name}")
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(archive.extractfile(member).read())


def stamp_of(spec: dict) -> str:
    """The version and what is unpacked where: a change to either unpacks the package again."""
    layout = {str(target.relative_to(ROOT)): extract for target, extract in spec["unpack"].items()}
    return f"{spec['version']} {hashlib.sha256(json.dumps(layout, sort_keys=True).encode()).hexdigest()[:16]}"


def fetch(name: str) -> None:
    spec = PACKAGES[name]
    stamp = stamp_of(spec)
    stamps = [target / ".version" for target in spec["unpack"]]
    if all(path.exists() and path.read_text().strip() == stamp for path in stamps):
        return
    data = download(name, spec["version"])
    check_integrity(data, spec["integrity"], name)
    for target, extract in spec["unpack"].items():
        unpack(data, extract, target)
        (target / ".version").write_text(stamp + "\n")
        print(f"fetch_assets: {name} {spec['version']} unpacked into {target.relative_to(ROOT)}")


# --- building the portal's share of DKFDS --------------------------------------------------------

TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.DOTALL)
USE_HREF = re.compile(r"<use\b[^>]*?\bhref=\"[^\"#]*#([^\"]+)\"", re.DOTALL)
# A class name built from a fixed start and a value: `alert-{{ kind }}`, `alert-{% if … %}`, f"alert-{kind}",
# `alert-${kind}`, "alert-" + kind. Every DKFDS class with that start is kept.
CLASS_PREFIX = re.compile(r"([A-Za-z][\w-]*-)\$?\{|[\"']([A-Za-z][\w-]*-)[\"']")
CSS_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
CSS_COMMENTS_STRINGS_AND_URLS = re.compile(r"/\*.*?\*/|url\([^)]*\)|\"[^\"]*\"|'[^']*'", re.DOTALL)
JS_CLASS_CHANGE = re.compile(
    r"classList\.(?:add|remove|toggle|replace)\(([^)]*)\)|className\s*\+?=\s*([^;,)]+)"
    r"|setAttribute\(\s*[\"']class[\"']\s*,([^)]*)\)"
)
JS_STRING = re.compile(r"\"([^\"\\]*)\"|'([^'\\]*)'|`([^`]*)`")
JS_CLASS_ATTRIBUTE = re.compile(r"class=\\?[\"']([^\"'\\]*)")
FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}")
SOURCE_MAP_COMMENT = re.compile(r"/\*#\s*sourceMappingURL=[^*]*\*/")


def app_dirs() -> list[Path]:
    """The project's Django apps: the top-level folders with an apps.py."""
    return sorted(path.parent for path in ROOT.glob("*/apps.py"))


def content_files() -> list[Path]:
    """The files any of whose words may be a class name in a page: the templates and the apps' Python code."""
    files = [path for path in (ROOT / "templates").rglob("*") if path.is_file()]
    for app in app_dirs():
        files += [path for path in app.rglob("*.py") if "migrations" not in path.parts]
        files += [path for path in (app / "templates").rglob("*") if path.is_file()]
    return sorted(set(files))


def script_files() -> list[Path]:
    """The portal's own scripts, and DKFDS's."""
    return [*sorted((ROOT / "static" / "js").rglob("*.js")), DKFDS_STATIC / "js" / "dkfds.min.js"]


def css_classes(css: str) -> set[str]:
    """The class names a stylesheet's selectors name."""
    return set(CSS_CLASS.findall(CSS_COMMENTS_STRINGS_AND_URLS.sub("", css)))


def class_prefixes(text: str) -> set[str]:
    return {first or second for first, second in CLASS_PREFIX.findall(text)}


def script_classes(script: str) -> set[str]:
    """The classes a script puts on elements: classList.add("open"), className = …, markup with class="…".

    Only these: a script's other words (the selectors it looks for, say) would keep rules no page uses.
    """
    found = set()
    for arguments in JS_CLASS_CHANGE.findall(script):
        for argument in arguments:
            for strings in JS_STRING.findall(argument):
                found.update("".join(strings).split())
    for value in JS_CLASS_ATTRIBUTE.findall(script):
        found.update(value.split())
    return found


def used_icons(texts: list[str]) -> set[str]:
    """The icon names the templates use in `<use href="…#name">`, also from `#{% if … %}a{% else %}b{% endif %}`."""
    names = set()
    for text in texts:
        for fragment in USE_HREF.findall(text):
            names.update(re.findall(r"[\w-]+", TEMPLATE_TAG.sub(" ", fragment)))
    return names


def icon_sprite(sprite: str, names: set[str]) -> tuple[str, set[str]]:
    """A sprite with only the named symbols of `sprite`, and the names that `sprite` lacks."""
    symbols = {
        match.group(1): match.group(0)
        for match in re.finditer(r"<symbol\b[^>]*\bid=\"([^\"]+)\"[^>]*>.*?</symbol>", sprite, re.DOTALL)
    }
    kept = "".join(symbols[name] for name in sorted(names) if name in symbols)
    return f'<svg xmlns="http://www.w3.org/2000/svg">{kept}</svg>\n', names - symbols.keys()


def used_font_weights(stylesheets: list[str]) -> set[int]:
    """The font weights the stylesheets ask for; 400 and 700 always (body text; <strong>, <b>, <th>)."""
    weights = {400, 700}
    keywords = {"normal": 400, "bold": 700}
    for css in stylesheets:
        for value in re.findall(r"font-weight\s*:\s*([\w-]+)", css):
            if value.isdigit():
                weights.add(int(value))
            elif value in keywords:
                weights.add(keywords[value])
    return weights


def woff2_font_faces(css: str, weights: set[int]) -> str:
    """IBM Plex Sans's @font-face rules as WOFF2 only, Latin file first, for the weights given (both styles)."""

    def rewrite(match: re.Match) -> str:
        rule = match.group(0)
        if not re.search(r"font-family\s*:\s*[\"']?IBM Plex Sans[\"']?\s*[;}]", rule):
            return rule
        weight = int(re.search(r"font-weight\s*:\s*(\d+)", rule).group(1))
        style = re.search(r"font-style\s*:\s*(\w+)", rule).group(1)
        face = re.search(r"complete/woff2/IBMPlexSans-(\w+)\.woff2", rule).group(1)
        if weight not in weights:
            return ""

        def font_face(url: str, unicode_range: str) -> str:
            return (
                f"@font-face{{font-display:swap;font-family:IBM Plex Sans;font-style:{style};font-weight:{weight};"
                f'src:url({url}) format("woff2");unicode-range:{unicode_range}}}'
            )

        return font_face(f"../fonts/IBMPlexSans/split/woff2/IBMPlexSans-{face}-Latin1.woff2", FONT_LATIN1) + font_face(
            f"../fonts/IBMPlexSans/complete/woff2/IBMPlexSans-{face}.woff2", FONT_BEYOND_LATIN1
        )

    return FONT_FACE.sub(rewrite, css)


def purgecss_version() -> str | None:
    """PurgeCSS's version when `npm ci` has installed it and Node.js is there to run it."""
    package = ROOT / "node_modules" / "purgecss" / "package.json"
    if PURGECSS.exists() and package.exists() and shutil.which("node"):
        return json.loads(package.read_text())["version"]
    return None


def purge(css_path: Path, files: list[Path], extra_classes: set[str]) -> str:
    """`css_path` with only the rules whose selectors can match words in `files` or `extra_classes`."""
    with tempfile.TemporaryDirectory() as directory:
        extra = Path(directory) / "classes.txt"
        extra.write_text("\n".join(sorted(extra_classes)) + "\n")
        output = Path(directory) / "out"
        subprocess.run(
            [
                str(PURGECSS),
                "--css",
                str(css_path),
                "--content",
                *map(str, files),
                str(extra),
                "--keyframes",
                "--output",
                str(output),
            ],
            check=True,
            cwd=ROOT,
        )
        return (output / css_path.name).read_text(encoding="utf-8")


def build_fingerprint(files: list[Path], purgecss: str | None) -> str:
    digest = hashlib.sha256()
    for path in [Path(__file__), DKFDS_SOURCES / ".version", *files]:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"purgecss {purgecss}".encode())
    return digest.hexdigest()


def build_dkfds() -> None:
    files = content_files()
    scripts = script_files()
    purgecss = purgecss_version()
    fingerprint = build_fingerprint(files + scripts, purgecss)
    stamp = BUILD / ".fingerprint"
    if stamp.exists() and stamp.read_text().strip() == fingerprint:
        return
    texts = [path.read_text(encoding="utf-8", errors="replace") for path in files]
    script_texts = [path.read_text(encoding="utf-8", errors="replace") for path in scripts]
    source_css = (DKFDS_SOURCES / "dkfds.min.css").read_text(encoding="utf-8")
    if purgecss:
        all_classes = css_classes(source_css)
        prefixes = set().union(*map(class_prefixes, texts + script_texts))
        kept = {name for name in all_classes if name.startswith(tuple(prefixes))}
        kept |= set().union(*map(script_classes, script_texts))
        css = purge(DKFDS_SOURCES / "dkfds.min.css", files, kept)
        how = f"trimmed by PurgeCSS {purgecss} to what {len(files)} templates and code files and the scripts use"
    else:
        css = source_css
        how = (
            "the whole stylesheet, as PurgeCSS is not installed (it needs Node.js; run `npm ci --omit=dev` and "
            "this script again to serve only the rules the templates use)"
        )
    portal_css = (ROOT / "static" / "css" / "portal.css").read_text(encoding="utf-8")
    css = woff2_font_faces(SOURCE_MAP_COMMENT.sub("", css), used_font_weights([css, portal_css])).strip() + "\n"
    icons = used_icons(texts + script_texts)
    sprite, missing = icon_sprite((DKFDS_SOURCES / "all-svg-icons.svg").read_text(encoding="utf-8"), icons)

    BUILD.mkdir(parents=True, exist_ok=True)
    (BUILD / "dkfds.css").write_text(css, encoding="utf-8")
    (BUILD / "icons.svg").write_text(sprite, encoding="utf-8")
    stamp.write_text(fingerprint + "\n")
    kilobytes = len(css.encode()) // 1000
    where = BUILD.relative_to(ROOT) if BUILD.is_relative_to(ROOT) else BUILD
    print(f"fetch_assets: {where}/dkfds.css: {kilobytes} KB of DKFDS's stylesheet, {how}.")
    print(f"fetch_assets: {where}/icons.svg: {sprite.count('<symbol')} icons.")
    if missing:
        print(f"fetch_assets: warning: DKFDS has no icon named {', '.join(sorted(missing))}.", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test", action="store_true", help="also fetch what the tests need (vnu-jar)")
    args = parser.parse_args()
    fetch("dkfds")
    build_dkfds()
    if args.test:
        fetch("vnu-jar")


if __name__ == "__main__":
    main()
