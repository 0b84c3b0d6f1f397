"""Validating a value as one of several models chosen by which key it has (a condition: `flag`,
`not_flag`, `field`, `all`, `any`), and errors placed inside the value being validated.

A union of models told apart by their keys rather than by one field's value is neither a
discriminated union (whose errors `validate` names by the discriminator) nor one pydantic can choose
well (it reports every alternative's errors); choosing the model ourselves keeps each error at the
field the author wrote (`when.all[0].flag`), and an unknown field names the fields of the form chosen.
"""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, NoReturn

from pydantic import BaseModel, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError


def refuse(loc: tuple[str | int, ...], kind: str, message: str, value: Any) -> NoReturn:
    """A validation error at `loc` inside the value being validated (`("type",)`: its `type` field)."""
    error = InitErrorDetails(type=PydanticCustomError(kind, message), loc=loc, input=value)
    raise ValidationError.from_exception_data("value", [error])


def validate_as(model: type[BaseModel], value: Any, context: Any) -> BaseModel:
    """`value` validated as `model`. An unknown field is named with the fields `model` accepts there
    (as `validate` names those of any model it can follow)."""
    try:
        return model.model_validate(value, context=context)
    except ValidationError as exc:
        errors = exc.errors()
        if not any(error["type"] == "extra_forbidden" for error in errors):
            raise
        details = [
            InitErrorDetails(
                type=PydanticCustomError(
                    error["type"] if error["type"] != "extra_forbidden" else "unknown_field",
                    _unknown(model, error["loc"]) if error["type"] == "extra_forbidden" else error["msg"],
                    error.get("ctx"),
                ),
                loc=error["loc"],
                input=error["input"],
            )
            for error in errors
        ]
        raise ValidationError.from_exception_data(exc.title, details) from None


def _unknown(model: type[BaseModel], loc: tuple[str | int, ...]) -> str:
    known = fields_at(model, loc[:-1])
    guess = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
    if guess:
        return f"unknown field (did you mean '{guess[0]}'?)"
    return f"unknown field; expected one of: {', '.join(sorted(known))}"


def fields_at(model: type[BaseModel], loc: tuple[str | int, ...]) -> list[str]:
    """The field names (as written: aliases) a model accepts at `loc`, following models, lists and
    optional values; [] where a union of models leaves it open."""
    current: Any = model
    for part in loc:
        if is_model(current):
            fields = {f.alias or name: f for name, f in current.model_fields.items()}
            field = fields.get(part) if isinstance(part, str) else None
            current = unwrap(field.annotation) if field else None
        elif typing.get_origin(current) in (tuple, list) and typing.get_args(current):
            current = unwrap(typing.get_args(current)[0])
        else:
            return []
    return [f.alias or name for name, f in current.model_fields.items()] if is_model(current) else []


def unwrap(annotation: Any) -> Any:
    """The type inside `Annotated[...]` and `X | None`."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return unwrap(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return unwrap(inner[0]) if len(inner) == 1 else annotation
    return annotation


def is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)
