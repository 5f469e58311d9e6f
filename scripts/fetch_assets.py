#!/usr/bin/env python3
"""Fetch pinned npm packages, check their integrity hashes, and unpack what the portal uses.

- dkfds (Det Fælles Designsystem): built CSS, JS, fonts and icons into static/vendor/dkfds/,
  where collectstatic finds them. The running site then needs no network and no CDN.
- vnu-jar (the Nu HTML Checker), only with --test: its vnu.jar into .cache/vnu/, for the HTML tests.

Uses the npm client when it is on PATH (`npm pack`, with its configured registry); without Node.js
it downloads the tarball from the registry named in NPM_CONFIG_REGISTRY or in ~/.npmrc. Either way
the tarball must match the sha512 integrity pinned below, or nothing is unpacked.
Idempotent: a package already unpacked at its pinned version is left alone.
"""

import argparse
import base64
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PACKAGES = {
    "dkfds": {
        "version": "11.2.0",
        "integrity": "sha512-JuVf8NjEOeF+TKIhEFXa3BfZvk1ulQM8+XN+6QhgDo6kiwwvupyBY34YU4FglBeyFWHbE5mYDmnrcYTWOSKkEA==",
        "target": ROOT / "static" / "vendor" / "dkfds",
        # tarball path prefix -> directory under target
        "extract": {
            "package/dist/css/dkfds.min.css": "css/dkfds.min.css",
            "package/dist/css/dkfds.min.css.map": "css/dkfds.min.css.map",
            "package/dist/js/dkfds.min.js": "js/dkfds.min.js",
            "package/dist/js/dkfds.min.js.map": "js/dkfds.min.js.map",
            # The CSS names woff2 and woff for every face, and an eot and ttf for the regular one.
            "package/dist/fonts/IBMPlexSans/complete/woff2/": "fonts/IBMPlexSans/complete/woff2/",
            "package/dist/fonts/IBMPlexSans/complete/woff/": "fonts/IBMPlexSans/complete/woff/",
            **{
                f"package/dist/fonts/IBMPlexSans/complete/{kind}/IBMPlexSans-Regular.{kind}": (
                    f"fonts/IBMPlexSans/complete/{kind}/IBMPlexSans-Regular.{kind}"
                )
                for kind in ("eot", "ttf")
            },
            "package/dist/img/": "img/",
            "package/dist/LICENSE.md": "LICENSE.md",
        },
    },
    "vnu-jar": {
        "version": "26.9.27",
        "integrity": "sha512-TkQd5DFfOaWC9ebtvozTsrH2Vaod3jYg+vrOeREzIXxBexLz9+rS2DNtjn7+RPUiZhgli0SghgBX6RJRNea0KA==",
        "target": ROOT / ".cache" / "vnu",
        "extract": {"package/build/dist/vnu.jar": "vnu.jar"},
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


def fetch(name: str) -> None:
    spec = PACKAGES[name]
    stamp = spec["target"] / ".version"
    if stamp.exists() and stamp.read_text().strip() == spec["version"]:
        return
    data = download(name, spec["version"])
    check_integrity(data, spec["integrity"], name)
    unpack(data, spec["extract"], spec["target"])
    stamp.write_text(spec["version"] + "\n")
    print(f"fetch_assets: {name} {spec['version']} unpacked into {spec['target'].relative_to(ROOT)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--test", action="store_true", help="also fetch what the tests need (vnu-jar)")
    args = parser.parse_args()
    fetch("dkfds")
    if args.test:
        fetch("vnu-jar")


if __name__ == "__main__":
    main()
