"""What one schema cannot see in a content file: unique item ids, placeholders, flag sections,
its department, and a translation lining up with its source (version, item ids, the same facts).
Each check returns every error it finds (`PATH:LINE: field: message`), for `load_library`."""

from __future__ import annotations

from typing import Any

from ..errors import PacketError
from ..markup import STANDARD_VARIABLES, placeholder_names, template_problem
from ..models import Content
from ..yamlsafe import Key, Located, dotted, walk_strings


def edition_key(content: Content) -> str:
    """How `Library.sources` names a content file: its id, and the language for a translation."""
    return content.id if content.translation is None else f"{content.id}.{content.language}"


def check_department(content: Content, located: Located, departments: set[str]) -> list[PacketError]:
    """A content's `department` must be one a department file defines (one whose file has errors
    counts: the content is fine, and its packets are refused with that file's errors)."""
    if content.department in departments:
        return []
    known = ", ".join(sorted(departments))
    expected = f"expected one of: {known}" if known else "expected the id of a file in departments/"
    return [PacketError(located.pos(("department",)), "department", f"unknown department; {expected}")]


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
    for name in ("times", "codes", "arrive_minutes_before", "flags", "laterality", "levels", "department"):
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
    clock_times = frozenset(name for name, timing in content.times.items() if timing.show == "time")
    for key, text in walk_strings(located.data):
        problem = template_problem(text, allowed, clock_times) or _undeclared(text, content)
        if problem:
            errors.append(PacketError(located.pos(key), dotted(key), problem))
    sections = {s.id for s in content.handout.sections}
    for name, flag in content.flags.items():
        if flag.section not in sections:
            at: Key = ("flags", name, "section")
            errors.append(PacketError(located.pos(at), dotted(at), f"expected one of: {', '.join(sorted(sections))}"))
    return errors


def _undeclared(text: str, content: Content) -> str | None:
    """Why a placeholder the content's declarations rule out is in `text`, or None: `{{ side }}` in a
    content that does not require a side (a record may give none, and a sentence is never printed with
    a gap), `{{ site }}` in one without levels."""
    names = placeholder_names(text)
    if "side" in names and content.laterality != "required":
        return (
            f"{{{{ side }}}} needs `laterality: required` (this content's is {content.laterality}): "
            "a record may give no side, and a sentence is never printed with a gap"
        )
    if "site" in names and not content.levels:
        return "{{ site }} needs `levels: true`: this content declares no levels or site text"
    return None


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
