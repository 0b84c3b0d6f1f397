"""The site's settings: read once at start-up, validated, then passed down.

Two sources, the environment winning over the file:
- an optional YAML file, `PACKETGEN_SETTINGS` or else `settings.yaml` at the
  project root (`examples/settings.yaml` lists every key);
- environment variables `PACKETGEN_*` (see `ENVIRONMENT`).

Nothing else in the program reads `os.environ`: the CLI calls `load_settings`
once and hands the result to the library API. A bad value is one line naming
the file and line, or the variable, and what was expected.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, Field
from pydantic_core import PydanticCustomError

from .errors import SourcePos
from .models.types import Model, Text
from .validate import validate
from .yamlsafe import Key, Located, load_file

SETTINGS_FILE = "settings.yaml"


def project_root() -> Path:
    """The folder holding packets/, layouts/ and var/ (the package's parent)."""
    return Path(__file__).resolve().parent.parent


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PydanticCustomError("timezone", "expected an IANA time zone such as America/Chicago") from None
    return name


TimeZone = Annotated[Text, AfterValidator(_time_zone)]


class Hl7Settings(Model):
    """How this site's scheduling system fills HL7 v2 SIU messages."""

    patient_note_types: tuple[Text, ...] = ("PI",)
    """NTE-4 comment types (HL7 table 0364) whose notes print as the patient's own instructions.
    Every other NTE is a staff note and never prints."""
    patient_note_segments: tuple[Text, ...] = ()
    """Segments (`SCH`, `AIS`, ...) whose following NTEs are all for the patient, whatever their NTE-4:
    for an engine that puts patient instructions there without a comment type."""
    performing_roles: tuple[Text, ...] = ("PP", "PERFORMING", "PRF", "PPRF", "SURG", "SURGEON", "ATND", "ATTENDING")
    """AIP-4 resource roles that mean the person performing the procedure, most specific first."""


class FhirSettings(Model):
    """How this site's EHR fills FHIR R4 resources."""

    mrn_systems: tuple[Text, ...] = ()
    """Identifier systems whose values are this site's medical record numbers (`urn:oid:…`), accepted
    beside identifiers typed `MR`."""


class ListenerSettings(Model):
    """The MLLP listener (`generate.py listen`)."""

    host: Text = "127.0.0.1"
    """Address to listen on: loopback unless a site says otherwise."""
    port: int = Field(default=2575, ge=1, le=65535)
    max_message_bytes: int = Field(default=1_000_000, ge=1_000)
    """A larger frame is refused (AR) rather than read into memory."""


class Settings(Model):
    """Everything a site may configure. Defaults suit a development checkout."""

    content_root: Path = Field(default_factory=project_root)
    """The folder holding `packets/` and `layouts/`."""
    font_dirs: tuple[Path, ...] = ()
    """Folders searched for font files before the system's and installed font packages."""
    timezone: TimeZone | None = None
    """The site's IANA time zone, which every appointment's clock time is read in; default: the
    default layout's `facility.timezone`."""
    database_url: Text = Field(default_factory=lambda: f"sqlite:///{project_root() / 'var' / 'packetgen.sqlite'}")
    """SQLAlchemy URL of the database (`sqlite:///…` or `postgresql://…`)."""
    workers: int | None = Field(default=None, ge=1)
    """Worker processes for batches and the listener; default: the machine's cores."""
    debug: bool = False
    """Show a traceback for an internal error instead of one line."""
    hl7: Hl7Settings = Hl7Settings()
    fhir: FhirSettings = FhirSettings()
    listener: ListenerSettings = ListenerSettings()


# Environment variable → (setting, how its text is read)
ENVIRONMENT: dict[str, tuple[str, str]] = {
    "PACKETGEN_CONTENT_ROOT": ("content_root", "path"),
    "PACKETGEN_FONT_DIRS": ("font_dirs", "paths"),
    "PACKETGEN_TIMEZONE": ("timezone", "text"),
    "PACKETGEN_DATABASE_URL": ("database_url", "text"),
    "PACKETGEN_WORKERS": ("workers", "number"),
    "PACKETGEN_DEBUG": ("debug", "flag"),
}


@dataclass(frozen=True)
class _Sources(Located):
    """The merged settings: positions in the file, or the variable a value came from."""

    variables: Mapping[str, str] = field(default_factory=dict)

    def pos(self, key: Key = ()) -> SourcePos:
        if key and isinstance(key[0], str) and key[0] in self.variables:
            return SourcePos(self.variables[key[0]], None)
        return super().pos(key)


def load_settings(environ: Mapping[str, str]) -> Settings:
    """The settings from `environ` (the CLI passes its process's) and the settings file; InputErrors if bad."""
    named = environ.get("PACKETGEN_SETTINGS")
    path = Path(named) if named else project_root() / SETTINGS_FILE
    located = load_file(path) if named or path.is_file() else Located({}, SETTINGS_FILE)
    data: dict[str, Any] = dict(located.data) if isinstance(located.data, dict) else located.data
    if isinstance(data, dict):
        _resolve_paths(data, path.parent)
    variables = {}
    for variable, (name, kind) in ENVIRONMENT.items():
        text = environ.get(variable)
        if text is not None and isinstance(data, dict):
            data[name] = _from_environment(text, kind)
            variables[name] = variable
    return validate(_Sources(data, located.path, located.lines, located.digest, variables), Settings)


def _from_environment(text: str, kind: str) -> Any:
    if kind == "paths":
        return [p for p in text.split(os.pathsep) if p]
    if kind == "number":
        return int(text) if text.strip().isdigit() else text
    if kind == "flag":
        return text.strip().lower() not in ("", "0", "false", "no", "off")
    return text


def _resolve_paths(data: dict[str, Any], folder: Path) -> None:
    """Relative paths in the file are relative to the file's folder."""
    if isinstance(data.get("content_root"), str):
        data["content_root"] = str(folder / data["content_root"])
    if isinstance(data.get("font_dirs"), list):
        data["font_dirs"] = [str(folder / p) if isinstance(p, str) else p for p in data["font_dirs"]]
