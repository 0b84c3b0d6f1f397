"""The content library: every packet and layout on disk, loaded and checked.

`load_library` reads `packets/*.yaml` and `layouts/*.yaml`, validates each,
checks what one schema cannot (unique item ids, placeholders, flag sections),
and collects every error before raising, so an editor sees them all at once.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import negotiate_locale

from .errors import InputErrors, PacketError, UsageError
from .markup import STANDARD_VARIABLES, template_problem
from .models import Content, Layout
from .settings import project_root
from .validate import validate
from .yamlsafe import Key, Located, dotted, load_file, walk_strings

DEFAULT_LAYOUT = "letter"


def edition_key(content: Content) -> str:
    """How `Library.sources` names a content file: its id, and the language for a translation."""
    return content.id if content.translation is None else f"{content.id}.{content.language}"


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

    def in_language(self, content: Content, wanted: str) -> Content:
        """The edition of `content` for a patient who reads `wanted` (BCP 47): its translation whose
        language matches best (`es-MX` and `es-US` pick `es`), else the content as it is."""
        source = self.contents.get(content.id, content)
        editions = {source.language: source, **self.translations.get(content.id, {})}
        chosen = negotiate_locale([wanted], list(editions), sep="-")
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

    def find_procedure(self, wanted: str) -> Content | None:
        """The content whose id, code, title (in any of its languages) or alias is `wanted`, in any case."""
        return self._procedure_index.get(" ".join(wanted.split()).casefold())

    def is_procedure(self, name: str) -> bool:
        """Whether `name` names a procedure (for readers choosing among a record's codes)."""
        return self.find_procedure(name) is not None

    @functools.cached_property
    def _procedure_index(self) -> dict[str, Content]:
        index: dict[str, Content] = {}
        for content in self.contents.values():
            titles = [t.title for t in self.translations.get(content.id, {}).values()]
            for name in (content.id, *(k.code for k in content.codes), content.title, *titles, *content.aliases):
                index.setdefault(" ".join(name.split()).casefold(), content)
        return index

    def layout(self, name: str | None) -> Layout:
        """The layout called `name` (default: letter); UsageError if unknown."""
        chosen = name or DEFAULT_LAYOUT
        if chosen not in self.layouts:
            known = ", ".join(sorted(self.layouts))
            raise UsageError(f"unknown layout '{chosen}'; available: {known}")
        return self.layouts[chosen]

    def procedure_keys(self) -> frozenset[str]:
        """Every id, code, title and alias an appointment may name its procedure by (case-folded)."""
        return frozenset(self._procedure_index)

    def procedure_names(self) -> str:
        """Every accepted procedure id and code, for error messages."""
        return ", ".join(sorted(self.contents) + sorted(k.code for c in self.contents.values() for k in c.codes))


def load_library(root: Path | None = None, files: Sequence[Path] = ()) -> Library:
    """Load every packet and layout under `root` (or just `files`); InputErrors if any is bad."""
    root = root or project_root()
    paths = list(files) or sorted((root / "packets").glob("*.yaml")) + sorted((root / "layouts").glob("*.yaml"))
    errors: list[PacketError] = []
    contents: dict[str, Content] = {}
    translated: list[Content] = []
    layouts: dict[str, Layout] = {}
    sources: dict[str, Located] = {}
    layout_digests: dict[str, str] = {}
    raw_layouts: dict[str, Located] = {}
    for path in paths:
        shown = _shown(path, root)
        try:
            located = load_file(path, shown)
            if path.parent.name == "layouts" or _looks_like_layout(located.data):
                name = located.data.get("name") if isinstance(located.data, dict) else None
                raw_layouts[str(name) if isinstance(name, str) else path.stem] = located
            else:
                content = validate(located, Content)
                errors.extend(check_content_rules(content, located))
                if content.translation is None:
                    _add(contents, content.id, content, located, errors)
                else:
                    translated.append(content)
                _add(sources, edition_key(content), located, located, errors)
        except PacketError as exc:
            errors.append(exc)
        except InputErrors as exc:
            errors.extend(exc.errors)
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
    translations: dict[str, dict[str, Content]] = {}
    for translation in translated:
        located = sources[edition_key(translation)]
        errors.extend(check_translation(translation, contents.get(translation.id), located, sources))
        translations.setdefault(translation.id, {})[translation.language] = translation
    InputErrors.raise_if_any(errors)
    return Library(contents, layouts, sources, layout_digests, translations)


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


def _looks_like_layout(data: Any) -> bool:
    return isinstance(data, dict) and ("page" in data or "extends" in data) and "handout" not in data


def _add(table: dict[str, Any], key: str, value: Any, located: Located, errors: list[PacketError]) -> None:
    if key in table:
        errors.append(PacketError(located.pos(("id",)), "id", f"'{key}' is defined by another file too"))
    table[key] = value


def check_translation(
    translation: Content, source: Content | None, located: Located, sources: dict[str, Located]
) -> list[PacketError]:
    """A translation must line up with its source: same version, every item id, the same facts."""
    if source is None:
        return [PacketError(located.pos(("id",)), "id", f"no content '{translation.id}' for this to translate")]
    made_from = translation.translation
    assert made_from is not None
    errors = []
    if made_from.source_language != source.language:
        at: Key = ("translation", "source_language")
        errors.append(PacketError(located.pos(at), dotted(at), f"expected '{source.language}', the source's language"))
    if made_from.source_version != source.version:
        at = ("translation", "source_version")
        message = (
            f"translates version {made_from.source_version}, but the {source.language} content is now version "
            f"{source.version}: update the translation, then its source_version"
        )
        errors.append(PacketError(located.pos(at), dotted(at), message))
    theirs, ours = _item_ids(sources[edition_key(source)].data), _item_ids(located.data)
    for item_id, key in theirs.items():
        if item_id not in ours:
            where = dotted(key[:-2]) or "id"
            message = f"missing the item with id '{item_id}' that the {source.language} content has"
            errors.append(PacketError(located.pos(key[:-1]), where, message))
    for item_id, key in ours.items():
        if item_id not in theirs:
            message = f"id '{item_id}' is not in the {source.language} content: translated items keep their ids"
            errors.append(PacketError(located.pos(key), dotted(key), message))
    for name in ("times", "codes", "arrive_minutes_before", "flags"):
        same = getattr(translation, name) == getattr(source, name)
        if name == "flags":  # the text differs by language; which flags, and where they go, may not
            same = {k: f.section for k, f in translation.flags.items()} == {
                k: f.section for k, f in source.flags.items()
            }
        if not same:
            message = f"expected the same {name} as the {source.language} content"
            errors.append(PacketError(located.pos((name,)), name, message))
    return errors


def _item_ids(data: Any) -> dict[str, Key]:
    """Every `id` inside the content (items, sections, risks, figure), with where it is."""
    return {text: key for key, text in walk_strings(data) if key and key[-1] == "id" and len(key) > 1}


def check_content_rules(content: Content, located: Located) -> list[PacketError]:
    """What the schema cannot see: duplicate ids, placeholders, flag sections."""
    errors = _duplicate_ids(located)
    allowed = STANDARD_VARIABLES | frozenset(content.times)
    for key, text in walk_strings(located.data):
        problem = template_problem(text, allowed)
        if problem:
            errors.append(PacketError(located.pos(key), dotted(key), problem))
    sections = {s.id for s in content.handout.sections}
    for name, flag in content.flags.items():
        if flag.section not in sections:
            at: Key = ("flags", name, "section")
            errors.append(PacketError(located.pos(at), dotted(at), f"expected one of: {', '.join(sorted(sections))}"))
    return errors


def _duplicate_ids(located: Located) -> list[PacketError]:
    seen: dict[str, Key] = {}
    errors = []
    for key, text in walk_strings(located.data):
        if key and key[-1] == "id" and len(key) > 1:
            if text in seen:
                first = located.pos(seen[text]).line
                errors.append(
                    PacketError(located.pos(key), dotted(key), f"id '{text}' is already used on line {first}")
                )
            seen[text] = key
    return errors


def pending_review(located_data: Any) -> list[Key]:
    """Paths of items marked `review: pending` (for `validate`'s report; a translation's own
    review is reported apart)."""
    return [
        key[:-1]
        for key, text in walk_strings(located_data)
        if key and key[-1] == "review" and text == "pending" and key[:-1] != ("translation",)
    ]
