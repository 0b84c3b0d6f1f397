"""A content's items (paragraphs, bullets, clauses, attestations), for tests that each reaches the packet."""

from __future__ import annotations

from collections.abc import Iterator

from pydantic import BaseModel

from packetgen.models.content import Content, Item


def every_item(content: Content) -> Iterator[Item]:
    """Every Item anywhere in the content, in file order."""

    def walk(model: BaseModel) -> Iterator[Item]:
        for name in type(model).model_fields:
            value = getattr(model, name)
            values = value.values() if isinstance(value, dict) else value if isinstance(value, tuple) else (value,)
            for inner in values:
                if isinstance(inner, Item):
                    yield inner
                elif isinstance(inner, BaseModel):
                    yield from walk(inner)

    return walk(content)
