"""What one schema cannot see in a content file: unique item ids, placeholders, the flags its
conditions name (declared, and each declared one used), its department, and a translation lining up
with its source (version, item ids in order, the same conditions, table shapes and choices, the same
facts). Each check returns every error it finds (`PATH:LINE: field: message`), for `load_library`."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from ..errors import PacketError
from ..markup import STANDARD_VARIABLES, placeholder_names, template_problem
from ..models import Content
from ..models.blocks import Choice, Figure, Table, Timeline, TimelineStep
from ..models.content import Risk, submodels
from ..yamlsafe import Key, Located, dotted, walk_strings


def edition_key(content: Content) -> str:
    """How `Library.sources` names a content file: its id, and the language for a translation."""
    return content.id if content.translation is None else f"{content.id}.{content.language}"


def check_department(content: Content, located: Located, departments: set[str]) -> list[PacketError]:
    """A content's `department` must be one a department file defines (one whose file has errors
    counts: the content is fine, and its packets are refused with that file's errors)."""
    known = ", ".join(sorted(departments))
    expected = f"expected one of: {known}" if known else "expected the id of a file in departments/"
    errors = []
    if content.department not in departments:
        errors.append(PacketError(located.pos(("department",)), "department", f"unknown department; {expected}"))
    for key, condition in conditions(located.data):  # `{field: department, is: …}` names a department too
        if condition.get("field") != "department":
            continue
        for test in ("is", "is_not"):
            values = condition.get(test)
            for index, value in enumerate(values if isinstance(values, list) else [values]):
                if isinstance(value, str) and value not in departments:
                    at: Key = (*key, test, index) if isinstance(values, list) else (*key, test)
                    errors.append(PacketError(located.pos(at), dotted(at), f"unknown department; {expected}"))
    return errors


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
    errors += _out_of_order(theirs, ours, located, source.language)
    mine = _parts_by_id(translation)
    for item_id, part in _parts_by_id(source).items():
        if item_id in mine and item_id in ours:
            errors += [
                PacketError(located.pos((*ours[item_id][:-1], name)), dotted((*ours[item_id][:-1], name)), message)
                for name, message in _differences(part, mine[item_id], source.language)
            ]
    for name in ("times", "codes", "arrive_minutes_before", "flags", "laterality", "levels", "department"):
        same = getattr(translation, name) == getattr(source, name)
        if name == "flags":  # their labels are in each language's words; which flags there are, is not
            same = set(translation.flags) == set(source.flags)
        if not same:
            message = f"expected the same {name} as the {source.language} content"
            errors.append(PacketError(located.pos((name,)), name, message))
    for document in ("handout", "consent"):  # the chart tells a translated form from its source by its id
        theirs_id, ours_id = getattr(source, document).form_id, getattr(translation, document).form_id
        if ours_id == theirs_id:
            at = (document, "form_id")
            wanted = f"{theirs_id}-{translation.language.lower()}"
            message = f"expected a form id of its own, such as {wanted}: the {source.language} form is {theirs_id}"
            errors.append(PacketError(located.pos(at), dotted(at), message))
    return errors


def _out_of_order(theirs: dict[str, Key], ours: dict[str, Key], located: Located, language: str) -> list[PacketError]:
    """An error at the first id (of those both have) that is not where the source has it."""
    shared = [item_id for item_id in ours if item_id in theirs]
    expected = [item_id for item_id in theirs if item_id in ours]
    for found, wanted in zip(shared, expected, strict=True):
        if found != wanted:
            key = ours[found]
            message = f"id '{found}' is out of order: the {language} content has '{wanted}' here"
            return [PacketError(located.pos(key), dotted(key), message)]
    return []


def _parts_by_id(content: Content) -> dict[str, BaseModel]:
    """Every part of a content that has an id (sections, blocks, items, rows, options, risks), by id."""
    return {key: model for model in submodels(content) if isinstance(key := getattr(model, "id", None), str)}


def _differences(theirs: BaseModel, ours: BaseModel, language: str) -> Iterator[tuple[str, str]]:
    """(field, message) for each way a translated part does not line up with its source: another kind of
    block, another condition, another table shape, other options, another frequency."""
    kind = getattr(theirs, "type", None)
    if type(theirs) is not type(ours):
        yield "type", f"expected {kind or type(theirs).__name__.lower()}, as in the {language} content"
        return
    if getattr(theirs, "when", None) != getattr(ours, "when", None):
        yield "when", f"expected the same condition (when) as the {language} content"
    if isinstance(theirs, Table) and isinstance(ours, Table) and len(theirs.header) != len(ours.header):
        yield "header", f"expected {len(theirs.header)} columns, as the {language} content's table has"
    if isinstance(theirs, Table) and isinstance(ours, Table) and theirs.widths != ours.widths:
        yield "widths", f"expected the same widths as the {language} content's table"
    if isinstance(theirs, Figure) and isinstance(ours, Figure) and theirs.width != ours.width:
        yield "width", f"expected the same width as the {language} content's figure (its file may differ)"
    cells = getattr(theirs, "cells", None)
    if cells is not None and len(cells) != len(getattr(ours, "cells", ())):
        yield "cells", f"expected {len(cells)} cells, as this row has in the {language} content"
    if isinstance(theirs, Choice) and isinstance(ours, Choice):
        if len(theirs.options) != len(ours.options):
            yield "options", f"expected {len(theirs.options)} options, as the {language} content's choice has"
        if (theirs.select, theirs.other) != (ours.select, ours.other):
            yield "select", f"expected the same select and other as the {language} content's choice"
    if isinstance(theirs, Timeline) and isinstance(ours, Timeline) and theirs.style != ours.style:
        yield "style", f"expected the same style as the {language} content's timeline"
    if isinstance(theirs, TimelineStep) and isinstance(ours, TimelineStep) and theirs.time != ours.time:
        yield "time", f"expected the same time as this step has in the {language} content"
    if isinstance(theirs, Risk) and isinstance(ours, Risk):
        said = [(r.frequency.words, r.frequency.about is not None) if r.frequency else None for r in (theirs, ours)]
        if said[0] != said[1]:
            yield (
                "frequency",
                f"expected the same frequency as the {language} content (its words; a number if it has one)",
            )


def _item_ids(data: Any) -> dict[str, Key]:
    """Every `id` inside the content (items, sections, risks, figure), with where it is."""
    return {text: key for key, text in walk_strings(data) if key and key[-1] == "id" and len(key) > 1}


def check_content_rules(
    content: Content, located: Located, fragment_flags: frozenset[str] = frozenset()
) -> list[PacketError]:
    """What the schema cannot see: duplicate ids, placeholders, the flags conditions name (those named
    in the shared fragments it includes, `fragment_flags`, are used too)."""
    errors = _duplicate_ids(located)
    allowed = STANDARD_VARIABLES | frozenset(content.times)
    clock_times = frozenset(name for name, timing in content.times.items() if timing.show == "time")
    for key, text in walk_strings(located.data):
        problem = template_problem(text, allowed, clock_times) or _undeclared(text, content)
        if problem:
            errors.append(PacketError(located.pos(key), dotted(key), problem))
    errors += _flag_problems(content, located, fragment_flags)
    errors += _site_label_problems(content, located)
    errors += timeline_problems(located.data, frozenset(content.times), located)
    return errors


def timeline_problems(data: Any, times: frozenset[str], located: Located, key: Key = ()) -> list[PacketError]:
    """Each timeline step (`type: timeline`, anywhere in `data`) must name an entry of `times:`."""
    errors = []
    if isinstance(data, dict):
        steps = data.get("steps") if data.get("type") == "timeline" else None
        for index, step in enumerate(steps if isinstance(steps, list) else []):
            name = step.get("time") if isinstance(step, dict) else None
            if isinstance(name, str) and name not in times:
                at: Key = (*key, "steps", index, "time")
                known = ", ".join(sorted(times)) or "none"
                message = f"expected the name of an entry under times: (this content has: {known})"
                errors.append(PacketError(located.pos(at), dotted(at), message))
        for name, value in data.items():
            errors += timeline_problems(value, times, located, (*key, name))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            errors += timeline_problems(value, times, located, (*key, index))
    return errors


def _site_label_problems(content: Content, located: Located) -> list[PacketError]:
    """The consent's site line has the content's label where the procedure has levels, and none without."""
    label = content.consent.site_label
    if content.levels and label is None:
        message = "expected site_label, the label of the consent's site line (levels is true)"
        return [PacketError(located.pos(("consent",)), "consent.site_label", message)]
    if not content.levels and label is not None:
        message = "expected no site_label: levels is false (the consent prints no site line)"
        return [PacketError(located.pos(("consent", "site_label")), "consent.site_label", message)]
    return []


def conditions(data: Any, key: Key = ()) -> Iterator[tuple[Key, dict[str, Any]]]:
    """Every condition in parsed content (each `when:`, and each condition inside an `all:` or `any:`),
    with where it is."""
    if isinstance(data, dict):
        for name, value in data.items():
            if name == "when" and isinstance(value, dict):
                yield from _inside((*key, name), value)
            else:
                yield from conditions(value, (*key, name))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from conditions(value, (*key, index))


def _inside(key: Key, condition: dict[str, Any]) -> Iterator[tuple[Key, dict[str, Any]]]:
    yield key, condition
    for combined in ("all", "any"):
        inner = condition.get(combined)
        for index, value in enumerate(inner if isinstance(inner, list) else []):
            if isinstance(value, dict):
                yield from _inside((*key, combined, index), value)


def _flag_problems(content: Content, located: Located, fragment_flags: frozenset[str]) -> list[PacketError]:
    """Every flag a condition names is declared, and every declared flag is named by a condition here or
    in a fragment it includes (else its text could never print); a condition on the side needs a
    procedure done on one."""
    errors, used = [], set(fragment_flags)
    declared = ", ".join(sorted(content.flags)) or "none"
    for key, condition in conditions(located.data):
        for test in ("flag", "not_flag"):
            name = condition.get(test)
            if isinstance(name, str):
                used.add(name)
                if name not in content.flags:
                    at: Key = (*key, test)
                    message = f"unknown flag; this content declares: {declared} (declare it under flags:)"
                    errors.append(PacketError(located.pos(at), dotted(at), message))
        if condition.get("field") == "laterality" and content.laterality == "none":
            at = (*key, "field")
            message = "this procedure is done on no side (laterality: none): the record's side is never known"
            errors.append(PacketError(located.pos(at), dotted(at), message))
    for name in content.flags:
        if name not in used:
            at = ("flags", name)
            message = f"no condition uses this flag (when: {{flag: {name}}}): nothing would print for it"
            errors.append(PacketError(located.pos(at), dotted(at), message))
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
