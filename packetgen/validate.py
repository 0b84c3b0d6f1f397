"""Parsed data with positions → a typed model, or every error at once.

Pydantic's messages are rewritten into `PATH:LINE: field: what was expected`
and never include the rejected value (it may be patient data). The field is
the path to the innermost part that is wrong (`handout.sections[1].bullets[0].text`);
an entry of a list of several kinds told apart by a field (a discriminated union,
such as blocks told apart by `type`) is named with its kind, `blocks[2] (a table):
rows`, and an unknown kind lists the known ones.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from pydantic import BaseModel, Discriminator, ValidationError
from pydantic.fields import FieldInfo
from pydantic_core import ErrorDetails

from .errors import InputErrors, PacketError
from .models.dispatch import is_model, unwrap
from .yamlsafe import Key, Located

M = TypeVar("M", bound=BaseModel)

_MESSAGES = {
    "missing": "required field is missing",
    "dict_type": "expected a mapping of fields",
    "model_type": "expected a mapping of fields",
    "model_attributes_type": "expected a mapping of fields",
    "list_type": "expected a list",
    "tuple_type": "expected a list",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "string_type": "expected text (put the value in quotes)",
}


def validate(located: Located, model: type[M], context: Mapping[str, Any] | None = None) -> M:
    """Build `model` from `located.data`; raise InputErrors listing every problem."""
    if not isinstance(located.data, dict):
        raise InputErrors([PacketError(located.pos(), "", "expected a mapping of fields at the top level")])
    try:
        return model.model_validate(located.data, context=dict(context or {}))
    except ValidationError as exc:
        raise InputErrors(_translated(exc.errors(), located, model)) from None


def _translated(errors: Sequence[ErrorDetails], located: Located, model: type[BaseModel]) -> list[PacketError]:
    """Each error that says something, in the user's words: of the alternatives of a plain union
    (`text | a mapping of texts`), only the one the value comes nearest to."""
    places = [_place(err["loc"], located.data, model) for err in errors]
    chosen = _nearest_alternatives(errors, places)
    translated = []
    for err, place in zip(errors, places, strict=True):
        if all(chosen.get(prefix) == label for prefix, label in place.alternatives):
            error = _translate(err, located, place)
            if error is not None:
                translated.append(error)
    if not translated:  # never "invalid" with nothing said: each error as it is
        return [PacketError(located.pos(p.key), p.field, _message(err)) for err, p in zip(errors, places, strict=True)]
    return translated


def _nearest_alternatives(errors: Sequence[ErrorDetails], places: Sequence[Place]) -> dict[tuple[Any, ...], Any]:
    """For each plain union that failed (by its place in `loc`), the alternative to report: one whose
    errors are inside the value (it has the right shape) before one that refused the value's type
    itself, then the one with the fewest errors, then the first."""
    scores: dict[tuple[Any, ...], dict[Any, list[int]]] = {}
    for err, place in zip(errors, places, strict=True):
        for prefix, label in place.alternatives:
            score = scores.setdefault(prefix, {}).setdefault(label, [0, 0])
            score[0] |= int(len(err["loc"]) == len(prefix) + 1)  # the value is not of this alternative's type
            score[1] += 1
    return {prefix: min(labels, key=lambda label: tuple(labels[label])) for prefix, labels in scores.items()}


def _translate(err: ErrorDetails, located: Located, place: Place) -> PacketError | None:
    kind = err["type"]
    loc, field = place.key, place.field
    if kind == "missing":  # named where the record says the field belongs (a FHIR Patient), else at its parent
        return PacketError(located.pos(loc), field, _MESSAGES[kind])
    if kind == "extra_forbidden":
        return PacketError(located.pos(loc), field, _unknown_field(str(loc[-1]), _fields_of(place.parent)))
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        return _unknown_kind(err, located, place)
    if kind in ("too_short", "too_long") and not isinstance(err.get("input"), str):
        message = _count_message(err)
        return PacketError(located.pos(loc), field, message) if message else None
    return PacketError(located.pos(loc), field, _message(err))


def _message(err: ErrorDetails) -> str:
    kind = err["type"]
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        return f"expected one of {ctx.get('expected', '')}"
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        bound = next(iter(ctx.values()), "")
        word = {"greater_than_equal": "at least", "less_than_equal": "at most"}.get(kind, "beyond")
        return f"expected a value {word} {bound}"
    if kind in ("too_short", "too_long"):  # a text's length (a list's is `_count_message`)
        limit = ctx.get("max_length") if kind == "too_long" else ctx.get("min_length")
        return f"expected at {'most' if kind == 'too_long' else 'least'} {limit} characters"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    # Our own PydanticCustomErrors are already phrased for users and value-free.
    return err["msg"]


def _count_message(err: ErrorDetails) -> str | None:
    """How many entries a list (or mapping) has against how many it may have: `expected at least 2
    entries, got 1`. None when the entries given are enough and some of them were refused: pydantic
    counts only the good ones, and the refused ones have errors of their own."""
    ctx = err.get("ctx") or {}
    given_value = err.get("input")
    given = len(given_value) if isinstance(given_value, (list, tuple, dict)) else int(ctx.get("actual_length", 0))
    if err["type"] == "too_short":
        least = int(ctx.get("min_length", 1))
        if given >= least:
            return None
        if least == 1:
            return "expected at least one entry"
        return f"expected at least {least} entries, got {given or 'none'}"
    most = int(ctx.get("max_length", 0))
    return f"expected at most {_entries(most)}, got {given}"


def _entries(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'}"


def _unknown_kind(err: ErrorDetails, located: Located, place: Place) -> PacketError:
    """An entry of a discriminated union whose discriminator (`type`) is unknown or missing: the known
    values, and the nearest to what was given (never the value itself)."""
    ctx = err.get("ctx") or {}
    discriminator = str(ctx.get("discriminator", "type")).strip("'\"")
    known = _quoted_list(str(ctx.get("expected_tags", ""))) or _tags(place.annotation, discriminator)
    where = (*place.key, discriminator)
    field = f"{place.field}.{discriminator}" if place.field else discriminator
    expected = f"expected one of: {', '.join(known)}"
    if err["type"] == "union_tag_not_found":
        return PacketError(located.pos(where), field, f"{_MESSAGES['missing']}; {expected}")
    guess = difflib.get_close_matches(str(ctx.get("tag", "")), known, n=1, cutoff=0.6)
    hint = f" (did you mean '{guess[0]}'?)" if guess else ""
    return PacketError(located.pos(where), field, f"unknown {discriminator}{hint}; {expected}")


def _quoted_list(text: str) -> list[str]:
    return [part.strip().strip("'\"") for part in text.split(",") if part.strip()]


def _unknown_field(name: str, known: list[str]) -> str:
    guess = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f" (did you mean '{guess[0]}'?)" if guess else ""
    expected = ", ".join(sorted(known))
    return f"unknown field{hint}; expected one of: {expected}" if not guess else f"unknown field{hint}"


# Where an error is: pydantic's `loc` followed through the data and the model's annotations together.


@dataclass
class Place:
    """Where one error is: the data's key path (for its line), the field as users read it, and what the
    annotations say there."""

    key: Key = ()
    """The key path in the parsed data (union alternatives left out), for `Located.pos`."""
    field: str = ""
    """The path as printed: `sections[0].blocks[2] (a table): rows`."""
    annotation: Any = None
    """The annotation at the place (None where it could not be followed)."""
    parent: Any = None
    """The annotation of the place's parent (whose fields an unknown field is checked against)."""
    alternatives: list[tuple[tuple[Any, ...], Any]] = dataclasses.field(default_factory=list)
    """Each plain union passed on the way: (its `loc` prefix, the label of the alternative taken)."""


class _Pair:
    """A mapping's entry where the model keeps a mapping as (key, value) pairs (`departments.pairs`)."""

    def __init__(self, name: str, value: Any) -> None:
        self.name, self.value = name, value


_ABSENT = object()


def _place(loc: tuple[int | str, ...], data: Any, model: type[BaseModel]) -> Place:
    place = Place(annotation=model)
    node: Any = data
    after_label = False
    for index, part in enumerate(loc):
        union = _union(place.annotation)
        if union is not None:
            member, label, consumed = _alternative(union, node, part)
            place.annotation = member
            if label is not None:  # a discriminated union: the kind its discriminator chose
                place.field += f" (a{'n' if label[:1] in 'aeiou' else ''} {label})"
                after_label = True
            elif consumed:  # a plain union: the alternative this error is about
                place.alternatives.append((tuple(loc[:index]), part))
            if consumed:
                continue
        place.parent = place.annotation
        place.annotation = _step(place.annotation, part)
        node, shown = _follow(node, part)
        if shown is None:
            continue
        place.key = (*place.key, shown)
        if isinstance(shown, int):
            place.field += f"{': ' if after_label else ''}[{shown}]"
        else:
            place.field += f"{(': ' if after_label else '.') if place.field else ''}{shown}"
        after_label = False
    return place


def _follow(node: Any, part: int | str) -> tuple[Any, int | str | None]:
    """The data at `part` of `node`, and the key it is under (None: the part of a pair that is its value)."""
    if isinstance(node, _Pair):
        return (node.value, None) if part == 1 else (node.name, None)
    if isinstance(node, dict):
        if isinstance(part, int) and 0 <= part < len(node):  # a mapping the model keeps as pairs
            name = list(node)[part]
            return _Pair(name, node[name]), name
        return node.get(part, _ABSENT), part
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part], part
    return _ABSENT, part


@dataclass(frozen=True)
class _Union:
    """A union of several alternatives (None apart) and, where a field's value tells them apart, its
    name (`type`); `""` for a discriminator that is a function."""

    members: tuple[Any, ...]
    discriminator: str | None


def _union(annotation: Any) -> _Union | None:
    discriminator: str | None = None
    while typing.get_origin(annotation) is typing.Annotated:
        annotation, *metadata = typing.get_args(annotation)
        for item in metadata:
            if isinstance(item, FieldInfo) and item.discriminator is not None:
                item = item.discriminator
            if isinstance(item, str):
                discriminator = item
            elif isinstance(item, Discriminator):
                discriminator = item.discriminator if isinstance(item.discriminator, str) else ""
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return None
    members = tuple(a for a in typing.get_args(annotation) if a is not type(None))
    return _Union(members, discriminator) if len(members) > 1 else None


def _alternative(union: _Union, node: Any, part: int | str) -> tuple[Any, str | None, bool]:
    """At a union: the alternative the error is in, the discriminator's value naming it (None for a
    plain union), and whether `part` is pydantic's label for the alternative (not a key in the data).
    The discriminator's value is read from the data, so a union validated by a function of its own
    (which puts no label in `loc`) is named too."""
    is_key = isinstance(node, dict) and part in node
    if union.discriminator:
        tag = node.get(union.discriminator) if isinstance(node, dict) else None
        member = _tagged(union, tag) if isinstance(tag, str) else None
        if member is not None:
            # Pydantic names the alternative its tag chose first, even where the tag is also a field's
            # name (`{type: fragment, fragment: …}`: the first `fragment` is the label).
            return member, str(tag), part == tag
    if is_key or isinstance(part, int):
        return None, None, False
    if union.discriminator is not None:  # a label not found in the data (a function's choice)
        return _tagged(union, part), str(part), True
    named = [m for m in union.members if getattr(unwrap(m), "__name__", None) == part]
    if not named and any(part in _fields_of(member) for member in union.members):
        return None, None, False  # a field the data lacks (a union chosen by a function puts no label)
    return (named[0] if named else None), None, True


def _tagged(union: _Union, tag: str) -> Any:
    """The alternative whose discriminator (or, for a function, any `Literal` field) allows `tag`."""
    for member in union.members:
        model = unwrap(member)
        if not is_model(model):
            continue
        fields = model.model_fields
        chosen = [fields[union.discriminator]] if union.discriminator in fields else list(fields.values())
        if any(tag in _literals(found.annotation) for found in chosen):
            return member
    return None


def _tags(annotation: Any, discriminator: str) -> list[str]:
    """The values of `discriminator` that tell a union's alternatives apart, in their order."""
    union = _union(annotation)
    tags: list[str] = []
    for member in union.members if union else ():
        model = unwrap(member)
        found = model.model_fields.get(discriminator) if is_model(model) else None
        tags += [str(value) for value in _literals(found.annotation)] if found else []
    return tags


def _literals(annotation: Any) -> tuple[Any, ...]:
    annotation = unwrap(annotation)
    return typing.get_args(annotation) if typing.get_origin(annotation) is typing.Literal else ()


def _fields_of(annotation: Any) -> list[str]:
    model = unwrap(annotation)
    return list(model.model_fields) if is_model(model) else []


def _step(annotation: Any, part: str | int) -> Any:
    """The annotation at `part` inside `annotation` (a model's field, a list's entry, a mapping's value,
    a fixed tuple's member); None where it cannot be followed."""
    annotation = unwrap(annotation)
    if is_model(annotation):
        found = annotation.model_fields.get(part) if isinstance(part, str) else None
        if found is None:
            return None
        return typing.Annotated[found.annotation, found] if found.discriminator else found.annotation
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (tuple, list) and args:
        if origin is tuple and args[-1] is not Ellipsis:
            return args[part] if isinstance(part, int) and 0 <= part < len(args) else None
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    return None
