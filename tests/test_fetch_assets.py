"""The asset fetcher refuses tampered tarballs and paths that leave its folder."""

import base64
import hashlib
import importlib.util
import io
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
    assert (root / "static/vendor/dkfds/.version").read_text().strip() == fetch_assets.PACKAGES["dkfds"]["version"]
    assert (root / "static/vendor/dkfds/css/dkfds.min.css").exists()
