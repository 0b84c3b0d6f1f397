"""Databases for tests: a SQLite store already at the newest schema, copied from one migrated once per
test process (running every migration takes a quarter of a second; a copy, a millisecond)."""

from __future__ import annotations

import tempfile
from functools import cache
from pathlib import Path

from packetgen.settings import Settings
from packetgen.store import open_store


def migrated_sqlite(path: Path) -> str:
    """The URL of a SQLite database at `path`: the one there, or else a new one at the newest schema,
    empty (its folder made private, as the product makes it). What a command does with a database it
    finds is tested as it would be on the site's own; making one from nothing is tested in `tests/store`."""
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.write_bytes(_empty())
        path.chmod(0o600)
    return f"sqlite:///{path}"


@cache
def _empty() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "packetgen.sqlite"
        open_store(Settings(database_url=f"sqlite:///{path}")).close()
        return path.read_bytes()
