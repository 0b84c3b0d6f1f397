"""Sweeps: one test run over every layout, language or shipped procedure. Each case renders a packet and
reads it back (poppler's structure tree, the words' positions), a second or more a case; the edit-test
loop (`make test-fast`) runs the case most likely to fail, `make test` runs them all."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

SLOW = pytest.mark.slow


def sweep(cases: Iterable[Any], fast: Any) -> list[Any]:
    """`cases` as test parameters, every one but `fast` marked `slow`."""
    return [pytest.param(case, marks=() if case == fast else SLOW) for case in cases]
