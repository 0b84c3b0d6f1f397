"""A content's texts (paragraphs, bullets, steps, clauses, statements, options, attestations, risks), for
tests that each reaches the packet."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from packetgen.models.content import Content, submodels


def every_item(content: Content) -> Iterator[Any]:
    """Every part of the content with an id and a text of its own (items, paragraph and statement blocks,
    subheadings, options, risks), in file order."""
    return (
        model
        for model in submodels(content)
        if isinstance(getattr(model, "id", None), str) and isinstance(getattr(model, "text", None), str)
    )
