"""Conditions (`when:`) on a content's sections, blocks, items, risks and consent clauses.

A condition says for which appointments a part of the content prints: `{flag: sedation}`,
`{not_flag: sedation}`, `{field: laterality, is: left}` (or `is_not`; `laterality`, `department`
and `language`), and any of these combined, `{all: [...]}` and `{any: [...]}`. What it is decided
on is an appointment's `Facts`; `personalize` decides, in the content's order.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args

from pydantic import (
    BeforeValidator,
    Field,
    ValidationInfo,
    ValidatorFunctionWrapHandler,
    WrapValidator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .dispatch import validate_as
from .types import Id, Model, Text

Fact = Literal["laterality", "department", "language"]
"""What a `field:` condition may test: the record's side (in a content done on a side), the packet's
department, the patient's language."""

FACTS: tuple[str, ...] = get_args(Fact)


@dataclass(frozen=True)
class Facts:
    """What an appointment's conditions are decided on."""

    flags: frozenset[str]
    """The record's flags."""
    laterality: str | None
    """The record's side (`left`, `right`, `bilateral`), or None: none given, or the content is done on
    no side."""
    department: str
    """The id of the packet's department (the record's, else the content's)."""
    language: str
    """The patient's language (BCP 47), whatever the packet's."""

    def matches(self, fact: str, value: str) -> bool:
        """Whether the fact `fact` is `value`. A language matches its own tag and every more specific
        one (`es` matches `es-MX`), in any case."""
        if fact == "language":
            mine, wanted = self.language.lower(), value.lower()
            return mine == wanted or mine.startswith(wanted + "-")
        return bool(getattr(self, fact) == value)


class FlagIs(Model):
    """`{flag: sedation}`: the appointment carries the flag."""

    flag: Id

    def holds(self, facts: Facts) -> bool:
        return self.flag in facts.flags

    def flags(self) -> Iterator[str]:
        yield self.flag


class FlagNot(Model):
    """`{not_flag: sedation}`: the appointment does not carry the flag."""

    not_flag: Id

    def holds(self, facts: Facts) -> bool:
        return self.not_flag not in facts.flags

    def flags(self) -> Iterator[str]:
        yield self.not_flag


def _one_or_more(value: Any) -> Any:
    """`is: left` or `is: [left, bilateral]`: one value or a list, as a tuple."""
    return (value,) if isinstance(value, str) else tuple(value) if isinstance(value, list) else value


Values = Annotated[
    tuple[Text, ...],
    # The JSON Schema says what a writer may type: one value, or a list of them.
    BeforeValidator(_one_or_more, json_schema_input_type=Text | Annotated[list[Text], Field(min_length=1)]),
    Field(min_length=1),
]

SIDE_VALUES = ("left", "right", "bilateral")


class FieldIs(Model):
    """`{field: laterality, is: left}`: a fact of the appointment is (or, with `is_not`, is not) one of
    the values given (`is: [left, bilateral]`)."""

    field: Fact
    """`laterality` (the record's side: `left`, `right`, `bilateral`), `department` (the id of the
    packet's department) or `language` (the patient's language: `es` matches `es-MX` too)."""
    is_: Values | None = Field(default=None, alias="is")
    """The value, or values, for which the condition holds."""
    is_not: Values | None = None
    """The value, or values, for which it does not (it holds with no side given, too)."""

    @model_validator(mode="after")
    def _one_test(self) -> FieldIs:
        if (self.is_ is None) == (self.is_not is None):
            raise ValueError("expected `is: VALUE` or `is_not: VALUE` (one of them)")
        bad = [value for value in self.values if self.field == "laterality" and value not in SIDE_VALUES]
        if bad:
            raise ValueError(f"expected a side ({', '.join(SIDE_VALUES)}), not '{bad[0]}'")
        return self

    @property
    def values(self) -> tuple[str, ...]:
        return self.is_ or self.is_not or ()

    def holds(self, facts: Facts) -> bool:
        found = any(facts.matches(self.field, value) for value in self.values)
        return found if self.is_ is not None else not found

    def flags(self) -> Iterator[str]:
        return iter(())


class AllOf(Model):
    """`{all: [...]}`: every condition in the list holds."""

    all_: tuple[Condition, ...] = Field(alias="all", min_length=1)

    def holds(self, facts: Facts) -> bool:
        return all(condition.holds(facts) for condition in self.all_)

    def flags(self) -> Iterator[str]:
        for condition in self.all_:
            yield from condition.flags()


class AnyOf(Model):
    """`{any: [...]}`: at least one condition in the list holds."""

    any_: tuple[Condition, ...] = Field(alias="any", min_length=1)

    def holds(self, facts: Facts) -> bool:
        return any(condition.holds(facts) for condition in self.any_)

    def flags(self) -> Iterator[str]:
        for condition in self.any_:
            yield from condition.flags()


_FORMS: dict[str, type[Model]] = {"flag": FlagIs, "not_flag": FlagNot, "field": FieldIs, "all": AllOf, "any": AnyOf}
_SHAPES = (
    "{flag: X}, {not_flag: X}, {field: laterality|department|language, is: VALUE} (or is_not), "
    "{all: [...]}, {any: [...]}"
)


def _condition(value: Any, handler: ValidatorFunctionWrapHandler, info: ValidationInfo) -> Any:
    """Which form a condition is, by its key, validated as that form: its errors name the field inside
    it (`when.all[0].flag`), not a form's name as a discriminated union would."""
    if not isinstance(value, dict):
        return handler(value)
    forms = [key for key in _FORMS if key in value]
    if len(forms) != 1:
        message = f"expected one of {_SHAPES}"
        if len(forms) > 1:
            message = (
                f"expected one condition per mapping (found {' and '.join(forms)}): combine them with all: or any:"
            )
        raise PydanticCustomError("condition_form", message)
    return validate_as(_FORMS[forms[0]], value, info.context)


Condition = Annotated[FlagIs | FlagNot | FieldIs | AllOf | AnyOf, WrapValidator(_condition)]
"""One condition: a flag, not a flag, a field's value, or all / any of several."""

AllOf.model_rebuild()
AnyOf.model_rebuild()
