"""The write path: a packet is on disk whole or not at all, and a crash leaves nothing behind."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from packetgen.cli import main
from packetgen.errors import UsageError
from packetgen.pdf.output import remove_pdf, target_path, write_atomic
from tests.helpers.batchdata import HEADER, manifest, row

DATA = b"%PDF-1.7 new packet"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_the_target_appears_only_by_rename_after_fsync(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "A-1.pdf"
    seen: list[tuple[bool, list[str]]] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        seen.append((target.exists(), _leftovers(tmp_path)))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    assert write_atomic(DATA, target) == target
    assert target.read_bytes() == DATA
    exists_at_first_fsync, temp_files = seen[0]
    assert not exists_at_first_fsync, "the packet must not be written in place"
    assert len(temp_files) == 1
    assert temp_files[0].startswith(".A-1.")
    assert _leftovers(tmp_path) == []
    assert target.stat().st_mode & 0o777 == 0o600


def _fsynced(monkeypatch: pytest.MonkeyPatch, target: Path) -> list[tuple[str, bool]]:
    """Every fsync from now on, as (the path its descriptor names, whether `target` existed then)."""
    seen: list[tuple[str, bool]] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        seen.append((os.readlink(f"/proc/self/fd/{fd}"), target.exists()))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spy)
    return seen


def test_the_folder_is_fsynced_after_the_rename(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rename is durable only once its folder's entry is on disk: after a power cut the packet
    (and the manifest line saying it was made) must not point at a file the folder lost."""
    target = tmp_path / "out" / "A-1.pdf"
    seen = _fsynced(monkeypatch, target)
    write_atomic(DATA, target)
    folder = str((tmp_path / "out").resolve())
    assert len(seen) == 2
    temp, exists_then = seen[0]
    assert Path(temp).name.startswith(".A-1.")
    assert Path(temp).name.endswith(".part")
    assert not exists_then  # the file's own data first, under its temp name
    assert seen[-1] == (folder, True), "the folder is fsynced once the packet has its name"


def test_the_folder_is_fsynced_after_a_packet_is_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "A-1.pdf"
    write_atomic(DATA, target)
    seen = _fsynced(monkeypatch, target)
    assert remove_pdf(tmp_path, "A-1") is True
    assert seen == [(str(tmp_path.resolve()), False)]


@pytest.mark.parametrize("failing", ["fsync", "replace", "write"])
def test_a_failed_write_leaves_no_target_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "A-1.pdf"

    def fail(*_args: object, **_kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    if failing == "write":
        monkeypatch.setattr(os, "fdopen", lambda *a, **k: _FailingFile())
    else:
        monkeypatch.setattr(os, failing, fail)
    with pytest.raises(UsageError, match=r"cannot write .*A-1\.pdf: No space left on device"):
        write_atomic(DATA, target)
    monkeypatch.undo()
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failed_rewrite_keeps_the_earlier_packet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "A-1.pdf"
    write_atomic(b"%PDF-1.7 old packet", target)

    def fail(*_args: object) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(UsageError):
        write_atomic(DATA, target)
    monkeypatch.undo()
    assert target.read_bytes() == b"%PDF-1.7 old packet"
    assert _leftovers(tmp_path) == []


class _FailingFile:
    def __enter__(self) -> _FailingFile:
        return self

    def __exit__(self, *_exc: object) -> None:
        return None

    def write(self, _data: bytes) -> int:
        raise OSError(28, "No space left on device")


def test_ids_cannot_lead_outside_the_output_folder(tmp_path: Path) -> None:
    assert target_path(tmp_path, "A-1") == tmp_path / "A-1.pdf"
    with pytest.raises(UsageError):
        target_path(tmp_path, "../A-1")


def test_a_killed_runs_temp_files_are_removed_by_the_next_batch(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    stale = [out / ".S-1.k3j2h1.part", out / ".other.abc.part"]
    for path in stale:
        path.write_bytes(b"%PDF-1.7 half a pack")
    keep = out / "notes.part"  # not ours: no leading dot
    keep.write_text("x", encoding="utf-8")
    source = tmp_path / "day.csv"
    source.write_text("\n".join([HEADER, row("S-1")]) + "\n", encoding="utf-8")
    assert main(["batch", str(source), "--out", str(out), "--workers", "1"]) == 0
    assert [e["status"] for e in manifest(out)] == ["ok"]
    assert not any(path.exists() for path in stale)
    assert keep.exists()
    assert sorted(p.name for p in out.iterdir()) == ["S-1.pdf", "manifest.jsonl", "notes.part"]


def test_a_new_output_folder_is_private(tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "A-1.pdf"
    write_atomic(DATA, target)
    assert (tmp_path / "new" / "deeper").stat().st_mode & 0o777 == 0o700


def test_a_folder_that_cannot_take_a_temp_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(UsageError) as info:
        write_atomic(DATA, tmp_path / "A-1.pdf")
    assert str(info.value) == f"cannot write {tmp_path / 'A-1.pdf'}: Read-only file system"


def test_removing_a_packet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_atomic(DATA, tmp_path / "A-1.pdf")
    assert remove_pdf(tmp_path, "A-1") is True
    assert not (tmp_path / "A-1.pdf").exists()
    assert remove_pdf(tmp_path, "A-1") is False
    write_atomic(DATA, tmp_path / "A-2.pdf")

    def refuse(_self: Path, missing_ok: bool = False) -> None:
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(Path, "unlink", refuse)
    with pytest.raises(UsageError) as info:
        remove_pdf(tmp_path, "A-2")
    assert str(info.value) == f"cannot remove {tmp_path / 'A-2'}.pdf: Operation not permitted"
