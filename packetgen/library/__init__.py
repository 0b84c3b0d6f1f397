"""The content library: every packet, layout and department on disk, loaded and checked.

`load_library` reads `packets/*.yaml`, `layouts/*.yaml` and `departments/*.yaml`,
validates each, checks what one schema cannot (unique item ids, placeholders,
the flags conditions name, that a procedure's department exists), and collects every error,
so an editor sees them all at once. `validate` raises them all; the commands
that make packets load each file on its own (`strict=False`): a broken file
makes only its own procedure, language, layout or department unavailable
(`Unavailable`), and what asks for it fails with its errors.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from babel import negotiate_locale

from ..errors import InputErrors, PacketError, UsageError
from ..models import Content, Department, Layout
from ..models.fragment import Fragment
from ..settings import project_root
from ..validate import validate
from ..yamlsafe import Located, load_file
from .figures import attach_figures
from .fragments import (
    Fragments,
    check_fragment,
    check_translated_includes,
    fragment_key,
    gather_fragments,
    include_everywhere,
    included_flags,
    with_uses,
)
from .procedures import CodedIndex
from .rules import check_content_rules, check_department, check_translation, edition_key
from .unavailable import Claim, Unavailable, claim_of, set_aside

DEFAULT_LAYOUT = "letter"


def _folded(name: str) -> str:
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Library:
    """Validated content and layouts, looked up by id, code or name."""

    contents: dict[str, Content]
    """Each procedure's content in its source language, by id."""
    layouts: dict[str, Layout]
    sources: dict[str, Located] = field(default_factory=dict)
    """The parsed file of each content and translation, by `edition_key` (for positions and checks)."""
    layout_digests: dict[str, str] = field(default_factory=dict)
    """SHA-256 of each layout's file, by layout name."""
    translations: dict[str, dict[str, Content]] = field(default_factory=dict)
    """Translations of each content id, by language tag."""
    broken_files: dict[str, tuple[PacketError, ...]] = field(default_factory=dict)
    """Every content and layout file with errors (loaded with `strict=False`), by path: its errors."""
    unavailable_contents: dict[str, Unavailable] = field(default_factory=dict)
    """Procedures a file with errors makes unavailable, by content id (not in `contents`)."""
    unavailable_translations: dict[str, dict[str, Unavailable]] = field(default_factory=dict)
    """Languages a broken translation (or broken source content) makes unavailable, by content id,
    then language tag (not in `translations`)."""
    unavailable_layouts: dict[str, Unavailable] = field(default_factory=dict)
    """Layouts a file with errors makes unavailable (its own, or one it extends), by name (not in `layouts`)."""
    departments: dict[str, Department] = field(default_factory=dict)
    """Each department (where patients go, whom they call), by id."""
    department_digests: dict[str, str] = field(default_factory=dict)
    """SHA-256 of each department's file, by id."""
    department_sources: dict[str, Located] = field(default_factory=dict)
    """The parsed file of each department, by id (for `validate`'s glyph check)."""
    unavailable_departments: dict[str, Unavailable] = field(default_factory=dict)
    """Departments whose file has errors, by id (not in `departments`)."""
    fragments: Fragments = field(default_factory=Fragments)
    """Every shared fragment (`packets/fragments/`) in every language, and those whose file has errors."""
    figures_deferred: bool = False
    """Loaded with `defer_figures`: a figure's file is read when a packet draws it (`figures.read_deferred`)."""

    def in_language(self, content: Content, wanted: str) -> Content:
        """The edition of `content` for a patient who reads `wanted` (BCP 47): its translation whose
        language matches best (`es-MX` and `es-US` pick `es`), else the content as it is. InputErrors
        with the translation file's errors when the best match is a translation that has errors: the
        patient does not silently get the source language instead."""
        source = self.contents.get(content.id, content)
        editions = {source.language: source, **self.translations.get(content.id, {})}
        broken = {tag: u for tag, u in self.unavailable_translations.get(content.id, {}).items() if tag not in editions}
        chosen = negotiate_locale([wanted], [*editions, *broken], sep="-")
        if chosen in broken:
            raise broken[chosen].refusal()
        return editions.get(chosen or "", source)

    def languages(self, content_id: str) -> list[str]:
        """Every language a content is available in, its source language first."""
        return [self.contents[content_id].language, *sorted(self.translations.get(content_id, {}))]

    def editions_of(self, content_id: str) -> list[Content]:
        """A content in every language, its source language first (as `languages`)."""
        by_language = self.translations.get(content_id, {})
        return [self.contents[content_id], *(by_language[tag] for tag in sorted(by_language))]

    def editions(self) -> list[tuple[Content, Located]]:
        """Every content and translation with the file it came from, in file-name order."""
        every = [
            *self.contents.values(),
            *(t for by_language in self.translations.values() for t in by_language.values()),
        ]
        return sorted(((c, self.sources[edition_key(c)]) for c in every), key=lambda pair: pair[1].path)

    def source_of(self, content: Content) -> Located:
        """The parsed file a content or translation came from."""
        return self.sources[edition_key(content)]

    def find_procedure(self, wanted: str, system: str | None = None) -> Content | None:
        """The content whose id, code (of any system), title (in any of its languages) or alias is `wanted`,
        in any case; with `system` (the record's `procedure_system`), the content listing `wanted` as a
        code of that system (see `procedures.py`: a site's own system matches ids, titles and aliases too).
        InputErrors with its file's errors when that names a procedure whose file has errors."""
        if system is not None:
            found = self._coded_index.find(wanted, system)
            unavailable = self._unavailable_coded_index.find(wanted, system)
        else:
            key = _folded(wanted)
            found, unavailable = self._procedure_index.get(key), self._unavailable_index.get(key)
        if found is None and unavailable is not None:
            raise unavailable.refusal()
        return found

    def is_procedure(self, name: str, system: str | None = None) -> bool:
        """Whether `name` (a code of `system`, where given) names a procedure, usable or not (for readers
        choosing among a record's codes)."""
        if system is not None:
            return (
                self._coded_index.find(name, system) is not None
                or self._unavailable_coded_index.find(name, system) is not None
            )
        key = _folded(name)
        return key in self._procedure_index or key in self._unavailable_index

    @functools.cached_property
    def _coded_index(self) -> CodedIndex[Content]:
        index: CodedIndex[Content] = CodedIndex()
        for content in self.contents.values():
            titles = [t.title for t in self.translations.get(content.id, {}).values()]
            broken = self.unavailable_translations.get(content.id, {}).values()
            names = [content.id, content.title, *titles, *content.aliases, *(n for u in broken for n in _uncoded(u))]
            index.add(content, [(k.system, k.code) for k in content.codes], names)
        return index

    @functools.cached_property
    def _unavailable_coded_index(self) -> CodedIndex[Unavailable]:
        index: CodedIndex[Unavailable] = CodedIndex()
        for unavailable in self.unavailable_contents.values():
            index.add(unavailable, unavailable.codes, _uncoded(unavailable))
        for content_id, by_language in self.unavailable_translations.items():
            if content_id not in self.contents:
                for unavailable in by_language.values():
                    owner = self.unavailable_contents.get(content_id, unavailable)
                    index.add(owner, unavailable.codes, _uncoded(unavailable))
        return index

    @functools.cached_property
    def _procedure_index(self) -> dict[str, Content]:
        index: dict[str, Content] = {}
        for content in self.contents.values():
            titles = [t.title for t in self.translations.get(content.id, {}).values()]
            broken = [n for u in self.unavailable_translations.get(content.id, {}).values() for n in u.names]
            for name in (content.id, *(k.code for k in content.codes), content.title, *titles, *content.aliases):
                index.setdefault(_folded(name), content)
            for name in broken:  # a broken translation's title still names its (usable) procedure
                index.setdefault(_folded(name), content)
        return index

    @functools.cached_property
    def _unavailable_index(self) -> dict[str, Unavailable]:
        index: dict[str, Unavailable] = {}
        for unavailable in self.unavailable_contents.values():
            for name in unavailable.names:
                index.setdefault(_folded(name), unavailable)
        for content_id, by_language in self.unavailable_translations.items():
            if content_id in self.contents:
                continue  # its names are in `_procedure_index`
            for unavailable in by_language.values():
                owner = self.unavailable_contents.get(content_id, unavailable)
                for name in unavailable.names:
                    index.setdefault(_folded(name), owner)
        return index

    def unavailable_note(self) -> str:
        """For an unknown procedure: the content files that are unavailable (one may be meant to define it)."""
        paths = {u.path for u in self.unavailable_contents.values()} | {
            u.path
            for content_id, by_language in self.unavailable_translations.items()
            for u in by_language.values()
            if content_id not in self.contents
        }
        if not paths:
            return ""
        return f"; unavailable until fixed (run generate.py validate): {', '.join(sorted(paths))}"

    def warnings(self) -> list[str]:
        """One line per file with errors, at its first error, saying what it makes unavailable, for the
        commands that make packets to print on stderr once: `PATH:LINE: warning: …`."""
        every = [
            *self.unavailable_contents.values(),
            *(u for by_language in self.unavailable_translations.values() for u in by_language.values()),
            *self.unavailable_layouts.values(),
            *self.unavailable_departments.values(),
        ]
        lines = []
        for path, errors in sorted(self.broken_files.items()):
            what = [u.what for u in every if any(e.pos.path == path for e in u.errors)]
            count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
            lines.append(
                f"{errors[0].pos}: warning: {', '.join(dict.fromkeys(what)) or 'this file'} unavailable: "
                f"{count} in this file; run generate.py validate to see them"
            )
        return lines

    def layout(self, name: str | None) -> Layout:
        """The layout called `name` (default: letter); UsageError if unknown, InputErrors with its
        file's errors if it is unavailable."""
        chosen = name or DEFAULT_LAYOUT
        if chosen in self.unavailable_layouts:
            raise self.unavailable_layouts[chosen].refusal()
        if chosen not in self.layouts:
            known = ", ".join(sorted(self.layouts))
            raise UsageError(f"unknown layout '{chosen}'; available: {known}")
        return self.layouts[chosen]

    def department(self, key: str) -> Department:
        """The department `key`; InputErrors with its file's errors if it is unavailable, UsageError if
        there is none (callers naming a record's or a content's field say so first)."""
        if key in self.unavailable_departments:
            raise self.unavailable_departments[key].refusal()
        if key not in self.departments:
            raise UsageError(f"unknown department '{key}'; {self.department_names()}")
        return self.departments[key]

    def department_names(self) -> str:
        """`expected one of: …` for an unknown department (the unavailable ones too: they are known)."""
        known = sorted({*self.departments, *self.unavailable_departments})
        return f"expected one of: {', '.join(known)}" if known else "no departments/*.yaml defines one"

    def procedure_keys(self) -> frozenset[str]:
        """Every id, code, title and alias an appointment may name its procedure by (case-folded), with
        those of unavailable procedures (whose appointments fail with their file's errors)."""
        return frozenset(self._procedure_index) | frozenset(self._unavailable_index)

    def procedure_names(self, near: str = "") -> str:
        """Every accepted procedure id and code (with its system: `CPT 22510`), for error messages; for a
        library of more than NAMES_SHOWN, the names nearest to `near` (else the first ids) and where to
        find the rest, so the line stays readable at hundreds of procedures."""
        codes = sorted({k.label for c in self.contents.values() for k in c.codes})
        names = sorted(self.contents) + codes
        if len(names) <= NAMES_SHOWN:
            return ", ".join(names)
        shown = difflib.get_close_matches(near, names, n=5, cutoff=0.6) if near else []
        shown = shown or sorted(self.contents)[: NAMES_SHOWN // 2]
        return f"{', '.join(shown)}, … ({len(self.contents)} procedures; `generate.py list` shows every id and code)"


NAMES_SHOWN = 24
"""At most this many procedure names in an error line (`Library.procedure_names`)."""


def _uncoded(unavailable: Unavailable) -> list[str]:
    """The names readable from a broken file that are not one of its codes: id, titles, aliases."""
    codes = {code for _system, code in unavailable.codes}
    return [name for name in unavailable.names if name not in codes]


def load_library(
    root: Path | None = None, files: Sequence[Path] = (), *, strict: bool = True, defer_figures: bool = False
) -> Library:
    """Load every packet, layout and department under `root` (or just `files`).

    `strict` (for `validate`): InputErrors with every error of every file if any is bad. Otherwise each
    file stands on its own: one with errors makes only its own procedure (`<id>.yaml`), language
    (`<id>.<lang>.yaml`), layout or department unavailable, and whatever depends on it (the translations
    of broken content, the layouts extending a broken layout); see `Library.unavailable_contents` and its
    kin. InputErrors (every error) only when nothing could be made: the default layout unavailable, or no
    content usable at all.

    `defer_figures` (with `strict=False`, for a command that makes one packet): no figure's file is read
    while loading; `Generator.draw` reads and checks those of the content it draws (`figures.read_deferred`),
    whose errors refuse that packet, as they would have made its procedure or language unavailable. A broken
    figure of another procedure is then never read, and so never named. Strict loading reads them all."""
    root = root or project_root()
    defer_figures = defer_figures and not strict
    paths = list(files) or [path for folder in FOLDERS for path in sorted((root / folder).glob("*.yaml"))]
    errors: list[PacketError] = []
    contents: dict[str, Content] = {}
    translated: list[tuple[Content, Located]] = []
    layouts: dict[str, Layout] = {}
    sources: dict[str, Located] = {}
    layout_digests: dict[str, str] = {}
    read = _Read()
    raw_layouts, editions = read.layouts, read.editions
    claims: list[Claim] = []
    for path in paths:
        shown = _shown(path, root)
        by_folder, data, content = _kind_by_folder(path), None, None
        kind = by_folder or "content"  # a file that does not parse, outside the usual folders
        try:
            located = load_file(path, shown)
            data = located.data
            kind = by_folder or _kind_by_shape(data)
            content = read.add(kind, located, path.stem, errors)
        except PacketError as exc:
            errors.append(exc)
        except InputErrors as exc:
            errors.extend(exc.errors)
        claims.append(claim_of(path, shown, data, kind, content))
    departments, department_sources = _departments(read.departments, errors)
    department_ids = {claim.key for claim in claims if claim.kind == "department"}
    for key, found in editions.items():
        _add_edition(key, found, contents, translated, sources, errors)
    for name, located in raw_layouts.items():
        try:
            merged = resolve_extends(name, raw_layouts)
            layout = validate(merged, Layout)
            _add(layouts, layout.name, layout, located, errors)
            layout_digests[layout.name] = merged.digest
        except PacketError as exc:
            errors.append(exc)
        except InputErrors as exc:
            errors.extend(exc.errors)
    for found in editions.values():  # each figure's file, read once and checked against every layout
        for content, located in found:
            errors.extend(attach_figures(content, located, root, layouts.values(), defer=defer_figures))
    fragments = gather_fragments(read.fragments, claims, errors, root, layouts.values(), defer_figures)
    for content, located in (pair for found in editions.values() for pair in found):
        errors.extend(check_department(content, located, department_ids))
        errors.extend(check_content_rules(content, located, included_flags(content, fragments)))  # theirs count
    translations: dict[str, dict[str, Content]] = {}
    for translation, located in translated:
        errors.extend(check_translation(translation, contents.get(translation.id), located, sources))
        errors.extend(check_translated_includes(translation, contents.get(translation.id), located))
        if sources[edition_key(translation)] is located:  # not a second file for the same language
            translations.setdefault(translation.id, {})[translation.language] = translation
    # Each include replaced by its fragment's parts, before anything is resolved or drawn.
    every = [*contents.values(), *(t for by in translations.values() for t in by.values())]
    written = {edition_key(content): content for content in every}
    included = include_everywhere(written, sources, fragments, errors)
    contents = {content_id: included[content_id] for content_id in contents}
    translations = {i: {tag: included[edition_key(t)] for tag, t in by.items()} for i, by in translations.items()}
    claims = with_uses(claims, [pair for found in editions.values() for pair in found], fragments)
    if strict:
        InputErrors.raise_if_any(errors)
    library = Library(
        contents,
        layouts,
        sources,
        layout_digests,
        translations,
        departments=departments,
        department_digests={key: located.digest for key, located in department_sources.items()},
        department_sources=department_sources,
        fragments=fragments,
        figures_deferred=defer_figures,
    )
    return set_aside(library, claims, errors, DEFAULT_LAYOUT) if errors else library


@dataclass
class _Read:
    """The files read and validated so far, by kind, before they are checked against each other."""

    layouts: dict[str, Located] = field(default_factory=dict)
    """Each layout's parsed file, by its name (validated once those it extends are read)."""
    departments: dict[str, list[tuple[Department, Located]]] = field(default_factory=dict)
    fragments: dict[tuple[str, str], list[tuple[Fragment, Located]]] = field(default_factory=dict)
    editions: dict[str, list[tuple[Content, Located]]] = field(default_factory=dict)
    """Each content and translation, by `edition_key` (two files may claim one)."""

    def add(self, kind: str, located: Located, stem: str, errors: list[PacketError]) -> Content | None:
        """File one parsed file of `kind` (its name's stem `stem`); the content, for a content file."""
        if kind == "layout":
            name = located.data.get("name") if isinstance(located.data, dict) else None
            self.layouts[str(name) if isinstance(name, str) else stem] = located
        elif kind == "department":
            department = validate(_with_id(located, stem), Department)
            self.departments.setdefault(department.id, []).append((department, located))
        elif kind == "fragment":
            fragment = validate(located, Fragment)
            errors.extend(check_fragment(fragment, located))
            self.fragments.setdefault(fragment_key(fragment), []).append((fragment, located))
        else:
            content = validate(located, Content)
            self.editions.setdefault(edition_key(content), []).append((content, located))
            return content
        return None


FOLDERS = ("packets", "packets/fragments", "layouts", "departments")
"""The folders of a content root, in the order their files are loaded."""


def _kind_by_folder(path: Path) -> Literal["layout", "department", "fragment"] | None:
    if path.parent.name == "layouts":
        return "layout"
    if path.parent.name == "fragments" and path.parent.parent.name == "packets":
        return "fragment"
    return "department" if path.parent.name == "departments" else None


def _kind_by_shape(data: Any) -> Literal["content", "layout", "department", "fragment"]:
    """What a file outside the usual folders (`validate PATH`) is, by its fields."""
    if not isinstance(data, dict) or "handout" in data:
        return "content"
    if "page" in data or "extends" in data:
        return "layout"
    if "blocks" in data or ("risks" in data and "consent" not in data) or "attestations" in data:
        return "fragment"
    return "department" if "phone" in data or "address" in data else "content"


def _with_id(located: Located, stem: str) -> Located:
    """A department file without `id:` takes its file's name as its id."""
    if not isinstance(located.data, dict) or "id" in located.data:
        return located
    return dataclasses.replace(located, data={"id": stem, **located.data})


def _departments(
    files: dict[str, list[tuple[Department, Located]]], errors: list[PacketError]
) -> tuple[dict[str, Department], dict[str, Located]]:
    """Each department by id, with its file. A second file for an id is an error in every file but the
    one named for it (`departments/<id>.yaml`), which keeps it (a copy is the copy's trouble); without
    one, in every file after the first."""
    departments, sources = {}, {}
    for key, found in files.items():
        named = [pair for pair in found if Path(pair[1].path).name == f"{key}.yaml"]
        keeper = named[0] if named else found[0]
        for _department, located in (pair for pair in found if pair is not keeper):
            errors.append(PacketError(located.pos(("id",)), "id", f"'{key}' is defined by another file too"))
        departments[key], sources[key] = keeper
    return departments, sources


def resolve_extends(name: str, raw: dict[str, Located], chain: tuple[str, ...] = ()) -> Located:
    """A layout with `extends: PARENT` merged over its parent (recursively), so a site states only what differs."""
    located = raw[name]
    data = located.data
    parent_name = data.get("extends") if isinstance(data, dict) else None
    if parent_name is None:
        return located
    if not isinstance(parent_name, str) or parent_name not in raw:
        known = ", ".join(sorted(n for n in raw if n != name))
        raise PacketError(located.pos(("extends",)), "extends", f"expected the name of another layout: {known}")
    if parent_name in (*chain, name):
        raise PacketError(located.pos(("extends",)), "extends", "layouts extend each other in a loop")
    parent = resolve_extends(parent_name, raw, (*chain, name))
    own = {k: v for k, v in data.items() if k != "extends"}
    digest = hashlib.sha256((parent.digest + located.digest).encode()).hexdigest()
    return Located(_merge(parent.data, own), located.path, located.lines, digest)


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        return {**base, **{k: _merge(base.get(k), v) for k, v in over.items()}}
    return over


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _add(table: dict[str, Any], key: str, value: Any, located: Located, errors: list[PacketError]) -> None:
    if key in table:
        errors.append(PacketError(located.pos(("id",)), "id", f"'{key}' is defined by another file too"))
    table[key] = value


def _add_edition(
    key: str,
    found: list[tuple[Content, Located]],
    contents: dict[str, Content],
    translated: list[tuple[Content, Located]],
    sources: dict[str, Located],
    errors: list[PacketError],
) -> None:
    """File the content (or translation) of `edition_key` `key`. A second file for it is an error: in
    every file but the one named for it (`packets/<id>.yaml`, `<id>.<lang>.yaml`), which keeps it (a
    copy begun from a content is the copy's trouble); without one, in every file after the first."""
    named = [pair for pair in found if Path(pair[1].path).name == f"{key}.yaml"]
    keeper = named[0] if named else found[-1]
    blamed = [pair for pair in found if pair is not keeper] if named else found[1:]
    for content, located in blamed:
        names = [content.id, key] if content.translation is None else [key]
        for name in names:  # one line for each table the id is filed in, as before
            errors.append(PacketError(located.pos(("id",)), "id", f"'{name}' is defined by another file too"))
    content, located = keeper
    sources[key] = located
    if content.translation is None:
        contents[content.id] = content
    translated.extend(pair for pair in found if pair[0].translation is not None)
