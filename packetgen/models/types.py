"""Field types shared by the schemas: strict text, ids, dates, colours.

YAML turns `007` into 7, `1.10` into 1.1 and `no` into False; these types
refuse such values instead of guessing, so every error points at a value the
author must quote.
"""

from __future__ import annotations

import inspect
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, ConfigDict, GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic import BaseModel as _PydanticBase
from pydantic._internal._docs_extraction import extract_docstrings_from_cls
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema


class Model(_PydanticBase):
    """Base of every schema: immutable, unknown fields refused.

    Each field's docstring is its description only where a description is shown, in a JSON Schema
    (`documented_json_schema`: `schemas/*.schema.json`, the API's OpenAPI), not at class creation
    (`use_attribute_docstrings` parses every model's source at every start of every command)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def documented_json_schema(model: type[_PydanticBase], mode: JsonSchemaMode = "validation") -> dict[str, Any]:
    """`model.model_json_schema(mode=mode)` with each field's docstring as its `description`, exactly as
    pydantic's `use_attribute_docstrings` would have put it there (an explicit `Field(description=…)`
    wins; a field inherited unchanged keeps its own class's docstring)."""
    return model.model_json_schema(mode=mode, schema_generator=_Documented)


class _Documented(GenerateJsonSchema):
    """A JSON Schema generator giving each model's fields their docstrings, through the same core-schema
    metadata (`pydantic_js_updates`) that pydantic fills from them at class creation."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._models: list[type[Any]] = []

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        self._models.append(schema["cls"])
        try:
            return super().model_schema(schema)
        finally:
            self._models.pop()

    def model_fields_schema(self, schema: core_schema.ModelFieldsSchema) -> JsonSchemaValue:
        docs = field_docstrings(self._models[-1]) if self._models else {}
        fields = {name: _described(field, docs.get(name)) for name, field in schema["fields"].items()}
        return super().model_fields_schema({**schema, "fields": fields})


def _described(field: core_schema.ModelField, doc: str | None) -> core_schema.ModelField:
    metadata: dict[str, Any] = dict(field.get("metadata") or {})
    updates = metadata.get("pydantic_js_updates") or {}
    if doc is None or "description" in updates:
        return field
    title = {"title": updates["title"]} if "title" in updates else {}
    metadata["pydantic_js_updates"] = {**title, "description": doc, **updates}  # pydantic's order
    return {**field, "metadata": metadata}


_DOCSTRINGS: dict[type[Any], dict[str, str]] = {}


def field_docstrings(model: type[Any]) -> dict[str, str]:
    """Each field of a pydantic model with a docstring (the string right after its annotation) by name:
    its own class's, for a field it declares, else the base's it inherits the field from."""
    if model not in _DOCSTRINGS:
        own = extract_docstrings_from_cls(model, use_inspect=True)
        declared = inspect.get_annotations(model)  # its own, not its bases'
        found = {}
        for name in getattr(model, "__pydantic_fields__", {}):
            if name in declared:
                if name in own:
                    found[name] = own[name]
                continue
            base = next((b for b in model.__mro__[1:] if name in getattr(b, "__pydantic_fields__", {})), None)
            inherited = field_docstrings(base).get(name) if base is not None else None
            if inherited is not None:
                found[name] = inherited
        _DOCSTRINGS[model] = found
    return _DOCSTRINGS[model]


def _require_str(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        hint = "yes/no/on/off become true/false in YAML; put the value in quotes"
    elif isinstance(value, (int, float)):
        hint = "YAML read a number (leading zeros and trailing digits are lost); put the value in quotes"
    else:
        hint = f"got a {_kind(value)}"
    raise PydanticCustomError("text_expected", "expected text: {hint}", {"hint": hint})


def _kind(value: Any) -> str:
    return {dict: "mapping", list: "list", type(None): "empty value"}.get(type(value), type(value).__name__)


def clean_text(value: str) -> str:
    """NFC-normalise, unify line ends, refuse control and invisible characters, trim, refuse blank."""
    value = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    if not value:
        raise PydanticCustomError("blank", "must not be empty")
    if value.isascii():  # most text: only the C0 controls and DEL can be wrong
        found = _ASCII_CONTROL.search(value)
        bad = found[0] if found else None
    else:  # each distinct character once; the first in the text is named
        wrong = [ch for ch in set(value) if unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") and ch not in "\n\t"]
        bad = min(wrong, key=value.index) if wrong else None
    if bad is not None:
        raise PydanticCustomError(
            "control_char", "contains an invisible or control character (U+{code})", {"code": f"{ord(bad):04X}"}
        )
    return value


_ASCII_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
"""The ASCII characters `clean_text` refuses (category Cc but tab and line feed; ASCII has no Cf, Co or Cs)."""


@dataclass(frozen=True)
class JsonSchemaHint:
    """Keywords added to a type's JSON Schema (`schemas/*.schema.json`, which editors check files with)
    where our own validators check what pydantic cannot describe: `JsonSchemaHint((("minLength", 1),))`."""

    keywords: tuple[tuple[str, Any], ...]

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {**handler(schema), **dict(self.keywords)}


Text = Annotated[str, BeforeValidator(_require_str), AfterValidator(clean_text), JsonSchemaHint((("minLength", 1),))]
"""Non-empty Unicode text, NFC, no control characters; numbers and booleans refused."""


@dataclass(frozen=True)
class _Pattern:
    """A text matching `regex` whole, else the error `expected <expected>`; its JSON Schema says the pattern."""

    regex: str
    expected: str

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        compiled = re.compile(self.regex)
        expected = self.expected

        def check(value: str) -> str:
            if not compiled.fullmatch(value):
                raise PydanticCustomError("pattern", "expected {expected}", {"expected": expected})
            return value

        return core_schema.no_info_after_validator_function(check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        return {**handler(schema), "pattern": f"^(?:{self.regex})$"}


def _pattern(regex: str, expected: str) -> _Pattern:
    return _Pattern(regex, expected)


Id = Annotated[Text, _pattern(r"[a-z0-9][a-z0-9_-]{0,63}", "an id of lower-case letters, digits, '-' or '_'")]
Version = Annotated[Text, _pattern(r"\d+\.\d+(\.\d+)?", 'a version like "1.2.0" (in quotes)')]
Colour = Annotated[Text, _pattern(r"#[0-9A-Fa-f]{6}", 'a colour like "#1a1a1a" (in quotes)')]
LanguageTag = Annotated[
    Text, _pattern(r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*", "a BCP 47 language tag such as en or es-MX")
]
ClockTime = Annotated[Text, _pattern(r"([01]\d|2[0-3]):[0-5]\d", 'a time like "07:30" (in quotes)')]


def parse_iso_date(value: Any) -> date:
    """A `YYYY-MM-DD` string that names a real calendar date."""
    text = _require_str(value).strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise PydanticCustomError("date_format", "expected a date as YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise PydanticCustomError("date_impossible", "not a real calendar date") from None


IsoDate = Annotated[date, BeforeValidator(parse_iso_date), JsonSchemaHint((("pattern", r"^\d{4}-\d{2}-\d{2}$"),))]


Side = Literal["left", "right", "bilateral"]
"""The side of the body a procedure is done on: the record's `laterality`, the names of a content's `sides`."""
