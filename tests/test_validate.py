"""`validate`'s words for mistakes deep inside a file (issue 25): the path to the inner field that is
wrong, how many entries a list has against how many it may have, the kind of an entry of a list of
several kinds (a discriminated union: `blocks[2] (a table): rows`) and the known kinds for an unknown
one. On small models of the test's own, shaped like content's sections and blocks; never a value."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pytest
from pydantic import Field, ValidationInfo, ValidatorFunctionWrapHandler, WrapValidator

from packetgen.errors import InputErrors
from packetgen.models.types import Id, LanguageTag, Model, Text
from packetgen.validate import validate
from packetgen.yamlsafe import load_bytes


class Paragraph(Model):
    type: Literal["paragraph"]
    text: Text


class Table(Model):
    type: Literal["table"]
    header: tuple[Text, ...] = ()
    rows: tuple[tuple[Text, ...], ...] = Field(min_length=2)


class Image(Model):
    type: Literal["image"]
    description: Text


Block = Annotated[Paragraph | Table | Image, Field(discriminator="type")]


class Section(Model):
    id: Id
    blocks: tuple[Block, ...] = Field(min_length=1, max_length=3)
    bullets: tuple[Text, ...] = ()


class Note(Model):
    text: Text


class Aside(Model):
    items: tuple[Text, ...] = Field(min_length=1)


class Handout(Model):
    sections: tuple[Section, ...] = Field(min_length=1)
    aside: Note | Aside | None = None
    footer: Text | dict[LanguageTag, Text] | None = None


class Document(Model):
    handout: Handout


def _errors(text: str, model: type[Model] = Document) -> list[str]:
    with pytest.raises(InputErrors) as caught:
        validate(load_bytes(text.encode(), "F"), model)
    return caught.value.lines()


def _sections(*sections: str) -> str:
    return "handout:\n  sections:\n" + "".join(sections)


GOOD = "    - id: first\n      blocks:\n        - {type: paragraph, text: Hello}\n"


def test_a_mistake_deep_inside_is_named_by_its_whole_path() -> None:
    text = _sections(GOOD, "    - id: second\n      blocks:\n        - type: table\n          rows: [[a], [b, 5]]\n")
    assert _errors(text) == [
        "F:9: handout.sections[1].blocks[0] (a table): rows[1][1]: expected text: YAML read a number (leading "
        "zeros and trailing digits are lost); put the value in quotes"
    ]


def test_too_few_entries_says_how_many_were_given() -> None:
    text = _sections(GOOD, "    - id: second\n      blocks:\n        - type: table\n          rows: [[a]]\n")
    assert _errors(text) == ["F:9: handout.sections[1].blocks[0] (a table): rows: expected at least 2 entries, got 1"]


def test_an_empty_list_that_needs_one_entry() -> None:
    assert _errors(_sections("    - id: first\n      blocks: []\n")) == [
        "F:4: handout.sections[0].blocks: expected at least one entry"
    ]
    assert _errors("handout:\n  sections: []\n") == ["F:2: handout.sections: expected at least one entry"]


def test_too_many_entries_says_how_many_were_given() -> None:
    blocks = "".join(f"        - {{type: paragraph, text: P{n}}}\n" for n in range(4))
    assert _errors(_sections(f"    - id: first\n      blocks:\n{blocks}")) == [
        "F:4: handout.sections[0].blocks: expected at most 3 entries, got 4"
    ]


def test_enough_entries_with_a_bad_one_is_that_entry_only() -> None:
    """Pydantic counts only the entries that validated: two rows, one bad, is not "at least 2, got 1"."""
    text = _sections("    - id: first\n      blocks:\n        - {type: table, rows: [[a], 5]}\n")
    assert _errors(text) == ["F:5: handout.sections[0].blocks[0] (a table): rows[1]: expected a list"]


def test_an_entry_of_a_discriminated_union_is_named_by_its_kind() -> None:
    text = _sections("    - id: first\n      blocks:\n        - type: image\n          alt: A spine\n")
    assert _errors(text) == [
        "F:5: handout.sections[0].blocks[0] (an image): description: required field is missing",
        "F:6: handout.sections[0].blocks[0] (an image): alt: unknown field; expected one of: description, type",
    ]


def test_an_unknown_kind_lists_the_known_ones_without_repeating_the_value() -> None:
    text = _sections("    - id: first\n      blocks:\n        - {type: tabel, rows: [[a], [b]]}\n")
    (line,) = _errors(text)
    assert line == (
        "F:5: handout.sections[0].blocks[0].type: unknown type (did you mean 'table'?); "
        "expected one of: paragraph, table, image"
    )
    far = _sections("    - id: first\n      blocks:\n        - {type: video, src: x}\n")
    assert _errors(far) == [
        "F:5: handout.sections[0].blocks[0].type: unknown type; expected one of: paragraph, table, image"
    ]


def test_an_entry_without_its_kind() -> None:
    text = _sections("    - id: first\n      blocks:\n        - {text: Hello}\n")
    assert _errors(text) == [
        "F:5: handout.sections[0].blocks[0].type: required field is missing; expected one of: paragraph, table, image"
    ]


KINDS: dict[str, type[Model]] = {"paragraph": Paragraph, "table": Table, "image": Image}


def _choose(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
    """A union told apart by a function of its own (no kind in pydantic's error locations)."""
    if isinstance(value, dict) and value.get("type") in KINDS:
        return KINDS[value["type"]].model_validate(value, context=info.context)
    return handler(value)


class ChosenSection(Model):
    blocks: tuple[Annotated[Paragraph | Table | Image, Field(discriminator="type"), WrapValidator(_choose)], ...]


def test_a_union_chosen_by_a_function_is_named_by_its_kind_too() -> None:
    text = "blocks:\n  - {type: paragraph, text: Hi}\n  - type: table\n    rows: [[a]]\n    colour: red\n"
    assert _errors(text, ChosenSection) == [
        "F:4: blocks[1] (a table): rows: expected at least 2 entries, got 1",
        "F:5: blocks[1] (a table): colour: unknown field; expected one of: header, rows, type",
    ]


def test_a_plain_union_reports_the_alternative_the_value_is_nearest_and_no_type_names() -> None:
    errors = _errors(_sections(GOOD) + "  aside: {items: []}\n  footer: {en: 'Questions?', es: 5}\n")
    assert errors == [
        "F:6: handout.aside.items: expected at least one entry",
        "F:7: handout.footer.es: expected text: YAML read a number (leading zeros and trailing digits are lost); "
        "put the value in quotes",
    ]
    (wrong_type,) = _errors(_sections(GOOD) + "  footer: 5\n")
    assert wrong_type.startswith("F:6: handout.footer: expected text")


def test_an_unknown_field_deep_inside_is_named_with_the_fields_there() -> None:
    text = _sections("    - id: first\n      bulets: [a]\n      blocks:\n        - {type: paragraph, text: Hi}\n")
    assert _errors(text) == ["F:4: handout.sections[0].bulets: unknown field (did you mean 'bullets'?)"]
