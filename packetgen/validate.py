"""Parsed data with positions → a typed model, or every error at once.

Pydantic's messages are rewritten into `PATH:LINE: field: what was expected`
and never include the rejected value (it may be patient data).
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .errors import InputErrors, PacketError
from .yamlsafe import Key, Located, dotted

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
        raise InputErrors(_translate(err, located, model) for err in exc.errors()) from None


def _translate(err: ErrorDetails, located: Located, model: type[BaseModel]) -> PacketError:
    loc: Key = tuple(part for part in err["loc"] if isinstance(part, (str, int)))
    kind = err["type"]
    if kind == "missing":  # named where the record says the field belongs (a FHIR Patient), else at its parent
        return PacketError(located.pos(loc), dotted(loc), _MESSAGES[kind])
    if kind == "extra_forbidden":
        return PacketError(located.pos(loc), dotted(loc), _unknown_field(loc, model))
    return PacketError(located.pos(loc), dotted(loc), _message(err))


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
    if kind in ("too_short", "too_long"):
        if isinstance(err.get("input"), str):  # a text's length, not a list's
            limit = ctx.get("max_length") if kind == "too_long" else ctx.get("min_length")
            return f"expected at {'most' if kind == 'too_long' else 'least'} {limit} characters"
        return "expected at least one entry" if kind == "too_short" else "too many entries"
    if kind == "value_error":
        return str(ctx.get("error", err["msg"]))
    # Our own PydanticCustomErrors are already phrased for users and value-free.
    return err["msg"]


def _unknown_field(loc: Key, model: type[BaseModel]) -> str:
    known = _fields_at(model, loc[:-1])
    guess = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    hint = f" (did you mean '{guess[0]}'?)" if guess else ""
    expected = ", ".join(sorted(known))
    return f"unknown field{hint}; expected one of: {expected}" if not guess else f"unknown field{hint}"


def _fields_at(model: type[BaseModel], loc: Key) -> list[str]:
    """The field names a model accepts at `loc` (following lists and mappings)."""
    current: Any = model
    for part in loc:
        current = _step(current, part)
        if current is None:
            return []
    return list(current.model_fields) if _is_model(current) else []


def _step(annotation: Any, part: str | int) -> Any:
    if _is_model(annotation):
        field = annotation.model_fields.get(part) if isinstance(part, str) else None
        return _unwrap(field.annotation) if field else None
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (tuple, list) and args:
        return _unwrap(args[0])
    if origin is dict and len(args) == 2:
        return _unwrap(args[1])
    return None


def _unwrap(annotation: Any) -> Any:
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        models = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _unwrap(models[0]) if len(models) == 1 else annotation
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
