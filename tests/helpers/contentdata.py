"""A content's items (paragraphs, bullets, clauses, attestations), for tests that each reaches the packet."""

from __future__ import annotations

from collections.abc import Iterator

from packetgen.models.content import Content, Item, submodels


def every_item(content: Content) -> Iterator[Item]:
    """Every Item anywhere in the content, in file order."""
    return (model for model in submodels(content) if isinstance(model, Item))
