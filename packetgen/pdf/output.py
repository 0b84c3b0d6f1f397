"""Putting bytes on disk: atomically, privately, and only inside the chosen folder."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import UsageError

TEMP_SUFFIX = ".part"


def target_path(out_dir: Path, appointment_id: str) -> Path:
    """`out_dir/<appointment_id>.pdf`, refusing anything that would land elsewhere."""
    target = out_dir / f"{appointment_id}.pdf"
    if target.resolve().parent != out_dir.resolve():
        raise UsageError(f"appointment id would write outside {out_dir}")  # ids are validated: a bug
    return target


def write_atomic(data: bytes, target: Path) -> Path:
    """Write via a private temp file in the same folder, fsync, rename: never a partial file."""
    with atomic_file(target) as handle:
        handle.write(data)
    return target


@contextlib.contextmanager
def atomic_file(target: Path) -> Iterator[BinaryIO]:
    """A private temp file beside `target` to write piece by piece (a print run as it is assembled),
    fsynced and renamed onto `target` when the block ends well, else removed: never a partial file."""
    folder = target.parent
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot create output folder {folder}: {exc.strerror}") from None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise UsageError(f"cannot write {target}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb", buffering=1 << 20) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):  # a full disk or a failing device: one clear line, not a traceback
            raise UsageError(f"cannot write {target}: {exc.strerror}") from None
        raise
    _fsync_dir(folder)


def remove_pdf(out_dir: Path, stem: str) -> bool:
    """Remove `out_dir/<stem>.pdf` (an appointment's packet, a day's print run); whether there was one."""
    target = target_path(out_dir, stem)
    try:
        target.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise UsageError(f"cannot remove {target}: {exc.strerror}") from None
    _fsync_dir(out_dir)
    return True


def remove_stale_temp_files(folder: Path) -> None:
    """Temp files a killed run left behind are never whole: remove them (ours start with a dot)."""
    for stale in folder.glob(f".*{TEMP_SUFFIX}"):
        stale.unlink(missing_ok=True)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every filesystem lets a directory be fsynced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
