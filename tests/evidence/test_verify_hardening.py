"""``verify_package`` against packages made by someone else: anyone can encrypt to the
investigator's public key, so nothing in the file is trusted before it is checked, and
unpacking it never writes outside the folder it was given."""

from __future__ import annotations

import io
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from sanctuary.evidence import keys, store
from sanctuary.vault import streams
from tests.evidence.test_package import _release, _verify
from tests.evidence.tsa import local_tsa

pytestmark = pytest.mark.django_db


def _forge(path: Path, public: str, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    to = [streams.recipient(public)]
    with path.open("wb") as dest, streams.encrypting(dest, to) as sink, tarfile.open(fileobj=sink, mode="w|") as tar:
        for info, data in members:
            tar.addfile(info, io.BytesIO(data) if info.isreg() else None)
    return path


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    return info, data


@pytest.mark.parametrize(
    "members",
    [
        [_file("referral-2025-0001-1/../../escaped.txt")],
        [_file("/tmp/escaped.txt")],  # noqa: S108 - the path a forged package would aim at
        [_file("referral-2025-0001-1/data/originals/001.pdf"), _file("other-bag/bagit.txt")],
        [_file("referral-2025-0001-1/data/originals/001.pdf"), _file("referral-2025-0001-1/run.sh")],
    ],
    ids=["dot-dot", "absolute", "second bag", "unknown file"],
)
def test_forged_entries_are_refused_and_nothing_is_written_outside(
    members: list[Any], tmp_path: Path, ready: dict[str, Any]
) -> None:
    forged = _forge(tmp_path / "forged.tar.age", ready["key"].public_key, members)
    with pytest.raises(CommandError, match="not a package"):
        _verify(forged, ready["secret"], tmp_path, extract=str(tmp_path / "out"))
    assert not (tmp_path / "escaped.txt").exists() and not Path("/tmp/escaped.txt").exists()  # noqa: S108


def test_links_are_refused(tmp_path: Path, ready: dict[str, Any]) -> None:
    link = tarfile.TarInfo("referral-2025-0001-1/data/originals/001.pdf")
    link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
    hard = tarfile.TarInfo("referral-2025-0001-1/bagit.txt")
    hard.type, hard.linkname = tarfile.LNKTYPE, "/etc/passwd"
    for member in (link, hard):
        forged = _forge(tmp_path / f"link-{member.type!r}.tar.age", ready["key"].public_key, [(member, b"")])
        with pytest.raises(CommandError, match="not a package"):
            _verify(forged, ready["secret"], tmp_path)


def test_the_unpack_folder_must_be_new(officers: Any, ready: dict[str, Any], tmp_path: Path) -> None:
    package = _release(officers, ready)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("mine")
    with pytest.raises(CommandError, match="not empty"):
        _verify(store.path_of(package.stored_name), ready["secret"], tmp_path, extract=str(home))
    assert (home / ".bashrc").read_text() == "mine"


def test_a_stripped_timestamp_and_a_key_from_the_bag_are_refused(
    officers: Any, ready: dict[str, Any], tmp_path: Path, settings: Any
) -> None:
    with local_tsa() as tsa:
        settings.EVIDENCE_TSA_URL = tsa.url
        package = _release(officers, ready)
        bag_dir = tmp_path / "bag"
        out = _verify(
            store.path_of(package.stored_name),
            ready["secret"],
            tmp_path,
            extract=str(bag_dir),
            tsa_roots=str(tsa.root_pem),
        )
        roots = tmp_path / "roots.pem"
        shutil.copy(tsa.root_pem, roots)
    assert f"package-{package.pk}" in out and package.sha256 in out  # what to compare with the hand-over
    bag = next(bag_dir.iterdir())
    signer = keys.signing_public_hex()
    with pytest.raises(CommandError, match="inside the package"):
        call_command("verify_package", str(bag), signer=str(bag / "signer.pub"), stdout=io.StringIO())
    with pytest.raises(CommandError, match="--tsa-roots"):  # a token nobody checks is not a timestamp
        call_command("verify_package", str(bag), signer=signer, stdout=io.StringIO())
    (bag / "tagmanifest-sha512.txt.tsr").unlink()
    with pytest.raises(CommandError, match="tsr: missing"):
        call_command("verify_package", str(bag), signer=signer, tsa_roots=str(roots), stdout=io.StringIO())
    (bag / "notes.txt").write_text("added")
    with pytest.raises(CommandError, match=r"notes\.txt"):
        call_command("verify_package", str(bag), signer=signer, tsa_roots=str(roots), stdout=io.StringIO())
