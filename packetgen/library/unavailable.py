"""What a content, layout or department file with errors makes unavailable, for a library loaded file by file.

`load_library(strict=False)` (the commands that make packets) reads what each
file is for as far as it can (`Claim`: its procedure id, codes and titles, its
language, the layout it extends, the department's id), even from a file that
does not parse, so an appointment asking for a broken procedure, language,
layout or department fails with that file's own errors (`Unavailable`), while
everything else keeps printing.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic_core import PydanticCustomError

from ..errors import InputErrors, PacketError
from ..models import Content
from ..models.codes import canonical_system

if TYPE_CHECKING:
    from . import Library


@dataclass(frozen=True)
class Unavailable:
    """A procedure, one language of it, a layout or a department that a file with errors makes unavailable.

    What asks for it (an appointment naming the procedure or one of its codes, a patient reading that
    language, a record or run choosing that layout, a record or procedure naming that department) fails
    with `errors`, one line each."""

    what: str
    """What is unavailable, as messages name it: `procedure kyphoplasty`, `vertebroplasty in es`, `layout a4`,
    `department cardiology`."""
    path: str
    """Its own file, as `validate` names it."""
    errors: tuple[PacketError, ...]
    """Its file's errors; for what depends on another file with errors (a translation of broken
    content, a layout extending a broken one), that file's errors too."""
    key: str = ""
    """The content id, layout name or department id."""
    names: tuple[str, ...] = ()
    """The id, codes, titles and aliases readable from its file: an appointment naming one gets `errors`."""
    codes: tuple[tuple[str, str], ...] = ()
    """Its codes whose system is readable too, as (system, code): a record giving the code's system
    (`procedure_system`) gets `errors` for one of these."""

    def refusal(self) -> InputErrors:
        """The error what asks for it fails with: the file's errors (already `PATH:LINE: field: message`)."""
        return InputErrors(self.errors)

    def summary(self) -> str:
        """`UNAVAILABLE (packets/x.yaml: 3 errors); run generate.py validate to see them` (for `list`)."""
        counts: dict[str, int] = {}
        for error in self.errors:
            counts[error.pos.path] = counts.get(error.pos.path, 0) + 1
        files = "; ".join(f"{path}: {n} error{'s' if n != 1 else ''}" for path, n in counts.items())
        return f"UNAVAILABLE ({files}); run generate.py validate to see them"


@dataclass(frozen=True)
class Claim:
    """What a content, layout or department file is for, read as far as it could be (a broken file's too)."""

    path: str
    kind: Literal["content", "translation", "layout", "department", "fragment"]
    key: str
    """The content id (from the file's `id`, else its name: `<id>.yaml`, `<id>.<lang>.yaml`), the
    layout name (its `name`, else the file's) or the department id (its `id`, else the file's name)."""
    language: str = ""
    """A translation's language (its `language` if it is a whole translation, else its file name's)."""
    names: tuple[str, ...] = ()
    codes: tuple[tuple[str, str], ...] = ()
    """Codes with a readable system, as (system, code)."""
    extends: str | None = None
    stem: str = ""
    """The id its file name gives (`<id>.yaml`, `<id>.<lang>.yaml`; a department's `<id>.yaml`)."""
    uses: tuple[str, ...] = ()
    """The shared fragment files a content or translation includes: their errors make it unavailable too."""

    @property
    def named_for_it(self) -> bool:
        """Whether the file is the one named for its id (and language): it keeps them from a copy."""
        if self.kind == "fragment":
            return Path(self.path).name in (f"{self.key}.yaml", f"{self.key}.{self.language}.yaml")
        own = f"{self.key}.{self.language}" if self.kind == "translation" else self.key
        return Path(self.path).name == f"{own}.yaml"


def claim_of(
    path: Path,
    shown: str,
    data: Any,
    read_as: Literal["content", "layout", "department", "fragment"],
    content: Content | None,
) -> Claim:
    fields = data if isinstance(data, dict) else {}
    if read_as == "fragment":
        stem, _, stem_language = path.stem.partition(".")
        given, language = fields.get("id"), fields.get("language")
        key = given if isinstance(given, str) and given.strip() else stem
        tag = language if isinstance(language, str) and language.strip() else stem_language or "en"
        return Claim(shown, "fragment", key, tag, stem=stem)
    if read_as == "layout":
        name, parent = fields.get("name"), fields.get("extends")
        key = name if isinstance(name, str) else path.stem
        return Claim(shown, "layout", key, extends=parent if isinstance(parent, str) else None)
    if read_as == "department":
        given = fields.get("id")
        key = given if isinstance(given, str) and given.strip() else path.stem
        return Claim(shown, "department", key, stem=path.stem)
    stem_id, _, stem_language = path.stem.partition(".")

    def text(value: Any) -> str | None:
        return value if isinstance(value, str) and value.strip() else None

    translated = bool(stem_language) or "translation" in fields
    key = content.id if content else text(fields.get("id")) or stem_id
    if content is not None and content.translation is not None:
        language = content.language
    else:
        language = stem_language or text(fields.get("language")) or "en"
    codes = [c.get("code") if isinstance(c, dict) else c for c in _listed(fields.get("codes"))]
    readable: list[Any] = [key, *(str(c) for c in codes if isinstance(c, str | int) and not isinstance(c, bool))]
    readable += [fields.get("title"), *_listed(fields.get("aliases"))]
    names = tuple(dict.fromkeys(n for n in readable if text(n)))
    coded = tuple(dict.fromkeys(c for c in map(_coded, _listed(fields.get("codes"))) if c is not None))
    kind: Literal["content", "translation"] = "translation" if translated else "content"
    return Claim(shown, kind, key, language if translated else "", names, coded, stem=stem_id)


def _coded(entry: Any) -> tuple[str, str] | None:
    """(system, code) of one `codes` entry, when both can be read (the system spelled as the schema would)."""
    system, code = (entry.get("system"), entry.get("code")) if isinstance(entry, dict) else (None, None)
    if not isinstance(system, str) or not isinstance(code, str):
        return None
    try:
        return canonical_system(system), code.strip()
    except PydanticCustomError:
        return None


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def set_aside(library: Library, claims: list[Claim], errors: list[PacketError], default_layout: str) -> Library:
    """`library` without what its files with errors make unavailable; InputErrors (every error) when
    nothing could be made: the default layout unavailable, or no content usable, or an error of no
    file's (then nothing it affects can be told apart). A department whose file has errors is
    unavailable on its own: the procedures naming it stay, and their packets are refused with its errors."""
    by_path: dict[str, list[PacketError]] = {}
    for error in InputErrors(errors).errors:  # in file and line order
        by_path.setdefault(error.pos.path, []).append(error)
    if not by_path.keys() <= {claim.path for claim in claims}:
        raise InputErrors(errors)
    # A copy still carrying another file's id (a new procedure or translation begun by copying) is
    # its own file's trouble: it does not take that id's procedure or language down with it.
    named = {(c.kind, c.key, c.language) for c in claims if c.named_for_it and c.path not in by_path}
    claims = [
        dataclasses.replace(c, key=c.stem, names=(c.stem,), codes=())
        if c.path in by_path and not c.named_for_it and (c.kind, c.key, c.language) in named
        else c
        for c in claims
    ]
    contents: dict[str, Unavailable] = {}
    for claim in claims:
        if claim.kind == "content" and claim.path in by_path:
            _mark(contents, claim.key, claim, [*by_path[claim.path], *_used(claim, by_path)], f"procedure {claim.key}")
    translations: dict[str, dict[str, Unavailable]] = {}
    for claim in claims:
        source = contents.get(claim.key)
        if claim.kind == "translation" and (claim.path in by_path or source is not None):
            own = [*by_path.get(claim.path, []), *_used(claim, by_path)]
            by_language = translations.setdefault(claim.key, {})
            what = f"procedure {claim.key} in {claim.language}"
            _mark(by_language, claim.language, claim, [*own, *(source.errors if source else ())], what)
    layouts = _unavailable_layouts([c for c in claims if c.kind == "layout"], by_path)
    departments: dict[str, Unavailable] = {}
    for claim in claims:
        if claim.kind == "department" and claim.path in by_path:
            _mark(departments, claim.key, claim, by_path[claim.path], f"department {claim.key}")
    usable = {k: c for k, c in library.contents.items() if k not in contents}
    if default_layout in layouts or (contents and not usable):
        raise InputErrors(errors)
    return dataclasses.replace(
        library,
        contents=usable,
        translations={
            content_id: {tag: t for tag, t in by_language.items() if tag not in translations.get(content_id, {})}
            for content_id, by_language in library.translations.items()
            if content_id in usable
        },
        layouts={name: layout for name, layout in library.layouts.items() if name not in layouts},
        layout_digests={name: d for name, d in library.layout_digests.items() if name not in layouts},
        departments={key: d for key, d in library.departments.items() if key not in departments},
        department_digests={key: d for key, d in library.department_digests.items() if key not in departments},
        department_sources={key: d for key, d in library.department_sources.items() if key not in departments},
        broken_files={path: tuple(found) for path, found in by_path.items()},
        unavailable_contents=contents,
        unavailable_translations=translations,
        unavailable_layouts=layouts,
        unavailable_departments=departments,
    )


def _used(claim: Claim, by_path: dict[str, list[PacketError]]) -> list[PacketError]:
    """The errors of the shared fragment files a content includes (it is unavailable with them)."""
    return [error for path in claim.uses for error in by_path.get(path, [])]


def _mark(table: dict[str, Unavailable], key: str, claim: Claim, errors: list[PacketError], what: str) -> None:
    """Record `key` as unavailable because of `errors` (added to those of another file claiming it too)."""
    earlier = table.get(key)
    if earlier is not None:
        errors = [*earlier.errors, *(e for e in errors if e not in earlier.errors)]
        claim = dataclasses.replace(
            claim, path=earlier.path, names=(*earlier.names, *claim.names), codes=(*earlier.codes, *claim.codes)
        )
    table[key] = Unavailable(
        what, claim.path, tuple(errors), claim.key, tuple(dict.fromkeys(claim.names)), tuple(dict.fromkeys(claim.codes))
    )


def _unavailable_layouts(claims: list[Claim], by_path: dict[str, list[PacketError]]) -> dict[str, Unavailable]:
    """Layouts whose file has errors, and those extending one (with its errors too)."""
    own: dict[str, list[PacketError]] = {}
    parent: dict[str, str | None] = {}
    path: dict[str, str] = {}
    for claim in claims:
        own.setdefault(claim.key, []).extend(by_path.get(claim.path, []))
        parent[claim.key], path[claim.key] = claim.extends, claim.path
    unavailable = {}
    for name in own:
        found: list[PacketError] = []
        seen: set[str] = set()
        at: str | None = name
        while at is not None and at in own and at not in seen:
            seen.add(at)
            found += [e for e in own[at] if e not in found]
            at = parent[at]
        if found:
            unavailable[name] = Unavailable(f"layout {name}", path[name], tuple(found), name)
    return unavailable
