"""Fixtures of the store's tests: each runs on SQLite and on the private PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'var' / 'packetgen.sqlite'}"
    url: str = request.getfixturevalue("postgres").database()
    return url
