"""Where a content includes a shared fragment (`packets/fragments/<id>.yaml`), and what it included.

A content names a fragment by id and version in three places: among a section's blocks
(`{id: sedation, type: fragment, fragment: sedation-consent, version: "1.0.0"}`), in its `risks`
(`{fragment: sedation-risks, version: "1.0.0"}`), and as its consent's `attestations`. The library
replaces each with what the fragment holds (`library/fragments.py`) before anything is resolved or
drawn, and notes each fragment it used (`Included`) on the content: the manifest, the PDF's
metadata and the packet's approval read them there.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, GetJsonSchemaHandler, ValidationInfo, ValidatorFunctionWrapHandler, WrapValidator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from .conditions import Condition
from .dispatch import validate_as
from .types import Id, Model, Version


class Include(Model):
    """`{fragment: consent-attestations, version: "1.0.0"}`: what a shared fragment holds, here."""

    fragment: Id
    """The fragment's id: `packets/fragments/<id>.yaml` (in a content of another language, its
    translation `<id>.<language>.yaml`)."""
    version: Version
    """The fragment's version this content was written and reviewed with ("1.0.0", in quotes): a
    fragment whose file says another version makes the procedure unavailable until this is updated."""


class ConditionalInclude(Include):
    """An include in a list (blocks, risks) that may carry a condition."""

    when: Condition | None = None
    """Everything the fragment brings here prints only for the appointments this holds for (as well
    as under each part's own condition); always without one."""


class FragmentBlock(ConditionalInclude):
    """`type: fragment`: the blocks of a shared fragment, here in the section."""

    id: Id
    """Stable id shared by every language of this content (the fragment's own blocks keep theirs)."""
    type: Literal["fragment"]


@dataclass(frozen=True)
class Included:
    """A shared fragment a loaded content included: which one, in which language, and its review state."""

    id: str
    version: str
    language: str
    path: str
    """Its file, as `validate` names it (`packets/fragments/sedation-consent.es.yaml`)."""
    digest: str
    """SHA-256 of its file (a packet made with another text of it is made again by `--resume`)."""
    review_due_line: int | str
    """The line of its `review_due` (for the error when it is overdue)."""
    pending_items: int
    """Its blocks, items and risks marked `review: pending`."""
    translation_pending: bool
    approved_by: str | None
    approved_on: date | None
    review_due: date


class _ChosenByKey(WrapValidator):
    """A wrap validator whose JSON Schema says the choice as the validator makes it: a mapping with
    `fragment` is the include, any other the model (draft-07 `if`/`then`/`else`), so an editor checks
    a risk as a risk (`risks.3.review: 'maybe' is not one of…`), not as "valid under no alternative"."""

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        made = handler(schema)
        options = made.get("anyOf")
        if not isinstance(options, list):
            return made
        nothing = {"type": "null"}
        chosen = [option for option in options if option != nothing]
        if len(chosen) != 2:
            return made
        rest = {key: value for key, value in made.items() if key != "anyOf"}
        otherwise = (
            chosen[0] if len(chosen) == len(options) else {"if": {"type": "object"}, "then": chosen[0], "else": nothing}
        )
        return {**rest, "if": {"type": "object", "required": ["fragment"]}, "then": chosen[1], "else": otherwise}


def included_or(model: type[BaseModel], include: type[Include]) -> WrapValidator:
    """A validator for `model | include`, choosing by the mapping's keys: `include` for one with
    `fragment:`, else `model`; its errors then name the fields the author wrote (`risks[3].text`),
    not each alternative's."""

    def choose(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
        if value is None:
            return handler(value)  # where the union allows none (`attestations: null`)
        chosen = include if isinstance(value, dict) and "fragment" in value else model
        return validate_as(chosen, value, info.context)

    return _ChosenByKey(choose)
