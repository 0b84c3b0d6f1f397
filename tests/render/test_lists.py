"""Lists under a heading: the heading keeps the first items with it, never leaving the rest alone."""

from __future__ import annotations

from typing import Any, cast

import pytest
from reportlab.lib.colors import black
from reportlab.platypus import Spacer

from packetgen.render.lists import MIN_ITEMS, BulletList, BulletMark


def _list(count: int) -> BulletList:
    mark = BulletMark("•", "Helvetica", 12, black, 18, cast(Any, None))
    return BulletList([Spacer(100, 20) for _ in range(count)], mark, 6)


@pytest.mark.parametrize(("count", "parts"), [(2, None), (3, None), (4, (2, 2)), (7, (2, 5))])
def test_a_heading_takes_the_first_items_only_where_as_many_are_left(count: int, parts: tuple[int, int] | None) -> None:
    """A heading stays with its list's first `MIN_ITEMS` items (`document.handle_keepWithNext`); the rest
    may start the next page, so it must hold `MIN_ITEMS` too: a list of three moves whole with its heading."""
    detached = _list(count).detach_first()
    assert (None if detached is None else (len(detached[0].items), len(detached[1].items))) == parts
    assert parts is None or min(parts) >= MIN_ITEMS
