"""Shared fragments (`packets/fragments/*.yaml`): checked on their own, then included in each content.

A fragment is checked once, as its own file (schema, unique ids, placeholders, a translation lining
up with its source). A content names it by id and version (`models/include.py`); `include_fragments`
replaces each include with what the fragment holds, in the content's language, before anything is
resolved or drawn, and checks what only the including content can tell: the version, the flags the
fragment's conditions name, the side and site its text needs, the times its timeline steps name,
and that ids stay unique. Every problem is an error at the include (`PATH:LINE: field`), naming the
fragment's file; the content (or that language of it) is unavailable until it is fixed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import negotiate_locale
from pydantic import BaseModel

from ..errors import PacketError
from ..markup import STANDARD_VARIABLES, template_problem
from ..models import Content, Layout
from ..models import blocks as b
from ..models.conditions import AllOf, Condition
from ..models.content import submodels
from ..models.fragment import Fragment
from ..models.include import ConditionalInclude, FragmentBlock, Include, Included
from ..yamlsafe import Key, Located, dotted, walk_strings
from .figures import attach_figures
from .rules import _differences, _duplicate_ids, _item_ids, _out_of_order, _undeclared, conditions
from .unavailable import Claim

FOLDER = "packets/fragments"
"""Where fragment files live, under the content root."""


def fragment_key(fragment: Fragment) -> tuple[str, str]:
    """How a fragment edition is filed: its id and language."""
    return fragment.id, fragment.language


@dataclass(frozen=True)
class Fragments:
    """Every fragment edition loaded, by (id, language), and the files with errors."""

    editions: dict[tuple[str, str], tuple[Fragment, Located]] = field(default_factory=dict)
    """Each usable fragment in each language, with its file."""
    broken: dict[tuple[str, str], str] = field(default_factory=dict)
    """The file of each fragment edition whose file has errors, by (id, language)."""

    def ids(self) -> list[str]:
        return sorted({key[0] for key in (*self.editions, *self.broken)})

    def languages(self, fragment_id: str) -> list[str]:
        return sorted({tag for key, tag in (*self.editions, *self.broken) if key == fragment_id})

    def sources(self) -> list[Located]:
        """The file of every usable fragment edition, in path order (for `validate`'s glyph check)."""
        return sorted((located for _f, located in self.editions.values()), key=lambda located: located.path)


def check_fragment(fragment: Fragment, located: Located) -> list[PacketError]:
    """What the schema cannot see in a fragment: unique ids, placeholders (those every content has),
    and no fragment included in a fragment."""
    errors = _duplicate_ids(located)
    for key, text in walk_strings(located.data):
        problem = template_problem(text, STANDARD_VARIABLES)
        if problem:
            errors.append(PacketError(located.pos(key), dotted(key), problem))
    for index, block in enumerate(fragment.blocks):
        if isinstance(block, FragmentBlock):
            at: Key = ("blocks", index, "type")
            message = "a fragment cannot include another fragment: include both in the content"
            errors.append(PacketError(located.pos(at), dotted(at), message))
    return errors


def file_fragments(
    found: dict[tuple[str, str], list[tuple[Fragment, Located]]], errors: list[PacketError]
) -> dict[tuple[str, str], tuple[Fragment, Located]]:
    """Each fragment edition by (id, language), with its file, and every translation checked against
    its source. A second file for an edition is an error in every file but the one named for it
    (`<id>.yaml`, `<id>.<language>.yaml`), which keeps it; without one, in every file after the first."""
    filed: dict[tuple[str, str], tuple[Fragment, Located]] = {}
    for key, pairs in found.items():
        stem = key[0] if pairs[0][0].translation is None else f"{key[0]}.{key[1]}"
        named = [pair for pair in pairs if Path(pair[1].path).name == f"{stem}.yaml"]
        keeper = named[0] if named else pairs[0]
        for _fragment, located in (pair for pair in pairs if pair is not keeper):
            message = f"fragment '{stem}' is defined by another file too"
            errors.append(PacketError(located.pos(("id",)), "id", message))
        filed[key] = keeper
    for fragment, located in filed.values():
        if fragment.translation is not None:
            source = filed.get((fragment.id, fragment.translation.source_language))
            errors += check_fragment_translation(fragment, located, source)
    return filed


def check_fragment_translation(
    translation: Fragment, located: Located, source: tuple[Fragment, Located] | None
) -> list[PacketError]:
    """A fragment's translation must line up with its source: its version, every id in the same order,
    the same conditions and shapes."""
    made_from = translation.translation
    assert made_from is not None
    if source is None:
        at: Key = ("translation", "source_language")
        message = f"no fragment '{translation.id}' in {made_from.source_language} for this to translate"
        return [PacketError(located.pos(at), dotted(at), message)]
    original, original_file = source
    errors = []
    if made_from.source_version != original.version:
        at = ("translation", "source_version")
        message = (
            f"translates version {made_from.source_version}, but the {original.language} fragment is now version "
            f"{original.version}: update the translation, then its source_version"
        )
        errors.append(PacketError(located.pos(at), dotted(at), message))
    if translation.version != original.version:
        message = (
            f"expected version {original.version}, as the {original.language} fragment (contents include both by it)"
        )
        errors.append(PacketError(located.pos(("version",)), "version", message))
    theirs, ours = _item_ids(original_file.data), _item_ids(located.data)
    for item_id, key in theirs.items():
        if item_id not in ours:
            message = f"missing the part with id '{item_id}' that the {original.language} fragment has"
            errors.append(PacketError(located.pos(key[:-1]), dotted(key[:-2]) or "id", message))
    for item_id, key in ours.items():
        if item_id not in theirs:
            message = f"id '{item_id}' is not in the {original.language} fragment: translated parts keep their ids"
            errors.append(PacketError(located.pos(key), dotted(key), message))
    errors += _out_of_order(theirs, ours, located, original.language)
    mine = _parts_by_id(translation)
    for item_id, part in _parts_by_id(original).items():
        if item_id in mine and item_id in ours:
            where = ours[item_id][:-1]
            for name, message in _differences(part, mine[item_id], original.language):
                errors.append(PacketError(located.pos((*where, name)), dotted((*where, name)), message))
    return errors


def _parts_by_id(fragment: Fragment) -> dict[str, BaseModel]:
    return {key: model for model in submodels(fragment) if isinstance(key := getattr(model, "id", None), str)}


# ---- including fragments in a content -------------------------------------------------------------


def includes(content: Content) -> Iterator[tuple[Key, Include, str]]:
    """Every include in a content as written: (where, the include, what it brings: `handout` or
    `consent` blocks, `risks`, `attestations`)."""
    handout, consent = content.handout, content.consent
    for index, section in enumerate(handout.sections):
        yield from _block_includes(section.blocks, ("handout", "sections", index, "blocks"), "handout")
    yield from _block_includes(handout.closing, ("handout", "closing"), "handout")
    for part in ("sections", "after_risks"):
        for index, section in enumerate(getattr(consent, part)):
            yield from _block_includes(section.blocks, ("consent", part, index, "blocks"), "consent")
    for index, risk in enumerate(content.risks):
        if isinstance(risk, ConditionalInclude):
            yield ("risks", index), risk, "risks"
    if isinstance(consent.attestations, Include):
        yield ("consent", "attestations"), consent.attestations, "attestations"


def _block_includes(blocks: Iterable[Any], key: Key, where: str) -> Iterator[tuple[Key, Include, str]]:
    for index, block in enumerate(blocks):
        if isinstance(block, FragmentBlock):
            yield (*key, index), block, where


def included_flags(content: Content, fragments: Fragments) -> frozenset[str]:
    """The flags named by conditions in the fragments a content includes (in its language where it
    has one): they count as used by the content (its `flags:` declares them)."""
    named: set[str] = set()
    for _key, include, _where in includes(content):
        found = _edition(fragments, include.fragment, content.language)
        if found is not None:
            named |= _flags(found[1])
    return frozenset(named)


def _flags(located: Located) -> set[str]:
    return {
        name
        for _key, condition in conditions(located.data)
        for test in ("flag", "not_flag")
        if isinstance(name := condition.get(test), str)
    }


def _edition(fragments: Fragments, fragment_id: str, language: str) -> tuple[Fragment, Located] | None:
    """The usable edition of a fragment for a content in `language` (`es-MX` takes `es`)."""
    chosen = _language(fragments, fragment_id, language)
    return fragments.editions.get((fragment_id, chosen)) if chosen else None


def _language(fragments: Fragments, fragment_id: str, language: str) -> str | None:
    return negotiate_locale([language], fragments.languages(fragment_id), sep="-")


PARTS = {"handout": "blocks", "consent": "blocks", "risks": "risks", "attestations": "attestations"}
"""What each kind of include takes from a fragment."""


def include_fragments(content: Content, located: Located, fragments: Fragments) -> tuple[Content, list[PacketError]]:
    """The content with each include replaced by what its fragment holds in the content's language, and
    the fragments it used noted (`Content.fragments`); or, with every problem found at its include,
    the content unchanged."""
    found = list(includes(content))
    if not found:
        return content, []
    errors: list[PacketError] = []
    brought: dict[Key, tuple[Fragment, Located]] = {}
    taken = {text: (key, "") for key, text in walk_strings(located.data) if key and key[-1] == "id" and len(key) > 1}
    for key, include, where in found:
        problems = _problems(key, include, where, content, located, fragments)
        if not problems:
            edition = _edition(fragments, include.fragment, content.language)
            assert edition is not None  # `_problems` found it
            problems = _clashes(key, *edition, PARTS[where], taken, located)
            brought[key] = edition
        errors += problems
    if errors:
        return content, errors
    return _expanded(content, brought), []


def _problems(
    key: Key, include: Include, where: str, content: Content, located: Located, fragments: Fragments
) -> list[PacketError]:
    """Why an include cannot be made: no such fragment, none in the content's language, a file with
    errors, another version, nothing of the kind wanted here, or what the fragment needs that the
    content does not declare."""
    at: Key = (*key, "fragment")

    def error(message: str, place: Key = at) -> list[PacketError]:
        return [PacketError(located.pos(place), dotted(place), message)]

    name, language = include.fragment, content.language
    chosen = _language(fragments, name, language)
    if not fragments.languages(name):
        known = ", ".join(fragments.ids())
        return error(f"unknown fragment; expected one of: {known}" if known else f"no {FOLDER}/*.yaml defines one")
    if chosen is None:
        return error(
            f"no {language} translation of fragment {name} (expected {FOLDER}/{name}.{language}.yaml); it is in: "
            f"{', '.join(fragments.languages(name))}"
        )
    if (name, chosen) in fragments.broken:
        path = fragments.broken[(name, chosen)]
        return error(f"fragment {name} ({chosen}) is unavailable: {path} has errors; run generate.py validate")
    fragment, source = fragments.editions[(name, chosen)]
    if include.version != fragment.version:
        return error(
            f"this includes version {include.version} of fragment {name}, but {source.path} is version "
            f"{fragment.version}: read what changed, then change the version here",
            (*key, "version"),
        )
    return _fit(where, fragment, source, error) + _needs(fragment, source, content, error)


Refusal = Callable[[str], list[PacketError]]
"""An error at the include, with its message."""


def _fit(where: str, fragment: Fragment, source: Located, error: Refusal) -> list[PacketError]:
    """The fragment holds what this include takes (blocks, risks, attestations), and a handout takes
    no statement to initial or choice."""
    part = PARTS[where]
    if not getattr(fragment, part):
        return error(f"fragment {fragment.id} ({source.path}) has no {part} to include here")
    if where == "handout":
        for index, block in enumerate(fragment.blocks):
            if isinstance(block, b.Initialled | b.Choice):
                line = source.pos(("blocks", index)).line
                return error(
                    f"fragment {fragment.id} has a {block.type} block ({source.path}:{line}), which only a consent "
                    "section may hold"
                )
    return []


def _needs(fragment: Fragment, source: Located, content: Content, error: Refusal) -> list[PacketError]:
    """What the fragment's text needs from the content including it: its flags declared, a side for a
    condition on the side, `{{ site }}` and `{{ side }}` only where the content allows them, and the
    times its timeline steps name."""
    problems: list[PacketError] = []
    declared = ", ".join(sorted(content.flags)) or "none"
    for key, condition in conditions(source.data):
        line = source.pos(key).line
        for test in ("flag", "not_flag"):
            flag = condition.get(test)
            if isinstance(flag, str) and flag not in content.flags:
                problems += error(
                    f"fragment {fragment.id} names the flag '{flag}' ({source.path}:{line}); this content declares: "
                    f"{declared} (declare it under flags:)"
                )
        if condition.get("field") == "laterality" and content.laterality == "none":
            problems += error(
                f"fragment {fragment.id} has a condition on the side ({source.path}:{line}), but this procedure is "
                "done on no side (laterality: none)"
            )
    for key, text in walk_strings(source.data):
        undeclared = _undeclared(text, content)
        if undeclared:
            problems += error(f"fragment {fragment.id} ({source.path}:{source.pos(key).line}): {undeclared}")
        if len(key) >= 3 and key[-1] == "time" and key[-3] == "steps" and text not in content.times:
            problems += error(
                f"fragment {fragment.id} has a step at the time '{text}' ({source.path}:{source.pos(key).line}), "
                "which this content does not declare under times:"
            )
    return problems


def _clashes(
    key: Key, fragment: Fragment, source: Located, part: str, taken: dict[str, tuple[Key, str]], located: Located
) -> list[PacketError]:
    """Ids the fragment brings that the content, or a fragment it included before, already has: each
    id names one part of the packet (translations line up on it)."""
    errors = []
    for inner, text in walk_strings(source.data.get(part), (part,)):
        if not (inner[-1] == "id" and len(inner) > 1):
            continue
        if text in taken:
            earlier, other = taken[text]
            here = f"fragment {other}" if other else f"line {located.pos(earlier).line} of this file"
            message = (
                f"fragment {fragment.id} brings the id '{text}' ({source.path}:{source.pos(inner).line}), which "
                f"{here} has already: rename one of them"
            )
            errors.append(PacketError(located.pos((*key, "fragment")), dotted((*key, "fragment")), message))
        else:
            taken[text] = (inner, fragment.id)
    return errors


def _expanded(content: Content, brought: dict[Key, tuple[Fragment, Located]]) -> Content:
    """The content with each include replaced by the fragment's parts (a block include's condition
    joined to each block's own)."""
    handout, consent = content.handout, content.consent

    def sections(part: Iterable[b.HandoutSection | b.ConsentSection], key: Key) -> tuple[Any, ...]:
        return tuple(
            section.model_copy(update={"blocks": _blocks(section.blocks, (*key, index, "blocks"), brought)})
            for index, section in enumerate(part)
        )

    risks: list[Any] = []
    for index, risk in enumerate(content.risks):
        if isinstance(risk, ConditionalInclude):
            shared = brought[("risks", index)][0].risks
            risks += [inner.model_copy(update={"when": both(risk.when, inner.when)}) for inner in shared]
        else:
            risks.append(risk)
    attestations = consent.attestations
    if isinstance(attestations, Include):
        attestations = brought[("consent", "attestations")][0].attestations
    expanded = content.model_copy(
        update={
            "handout": handout.model_copy(
                update={
                    "sections": sections(handout.sections, ("handout", "sections")),
                    "closing": _blocks(handout.closing, ("handout", "closing"), brought),
                }
            ),
            "risks": tuple(risks),
            "consent": consent.model_copy(
                update={
                    "sections": sections(consent.sections, ("consent", "sections")),
                    "after_risks": sections(consent.after_risks, ("consent", "after_risks")),
                    "attestations": attestations,
                }
            ),
        }
    )
    used: dict[str, Included] = {}
    for fragment, source in brought.values():
        used.setdefault(fragment.id, _included(fragment, source))
    expanded._fragments = tuple(used.values())
    return expanded


def _blocks(blocks: Iterable[Any], key: Key, brought: dict[Key, tuple[Fragment, Located]]) -> tuple[Any, ...]:
    out: list[Any] = []
    for index, block in enumerate(blocks):
        if isinstance(block, FragmentBlock):
            fragment = brought[(*key, index)][0]
            out += [inner.model_copy(update={"when": both(block.when, inner.when)}) for inner in fragment.blocks]
        else:
            out.append(block)
    return tuple(out)


def both(outer: Condition | None, inner: Condition | None) -> Condition | None:
    """The condition for a part that prints only where `outer` (its include's) and `inner` (its own) hold."""
    if outer is None or inner is None:
        return outer or inner
    return AllOf.model_construct(all_=(outer, inner))


def _included(fragment: Fragment, source: Located) -> Included:
    return Included(
        id=fragment.id,
        version=fragment.version,
        language=fragment.language,
        path=source.path,
        digest=source.digest,
        review_due_line=source.pos(("review_due",)).line or 1,
        pending_items=fragment.pending_reviews,
        translation_pending=fragment.translation is not None and fragment.translation.review != "approved",
        approved_by=fragment.approved_by,
        approved_on=fragment.approved_on,
        review_due=fragment.review_due,
    )


def check_translated_includes(translation: Content, source: Content | None, located: Located) -> list[PacketError]:
    """A translation includes the same fragments, at the same versions, in the same places as its source
    (none without a source: `check_translation` says so)."""
    if source is None:
        return []
    theirs = [(key, include) for key, include, _where in includes(source)]
    ours = [(key, include) for key, include, _where in includes(translation)]
    for index, (key, include) in enumerate(ours):
        if index >= len(theirs) or (theirs[index][1].fragment, theirs[index][1].version) != (
            include.fragment,
            include.version,
        ):
            expected = (
                f"fragment {theirs[index][1].fragment} version {theirs[index][1].version}"
                if index < len(theirs)
                else "no further fragment"
            )
            message = f"expected {expected} here, as the {source.language} content includes"
            return [PacketError(located.pos((*key, "fragment")), dotted((*key, "fragment")), message)]
    if len(theirs) > len(ours):
        key, include = theirs[len(ours)]
        message = (
            f"missing the include of fragment {include.fragment} version {include.version} that the "
            f"{source.language} content has at {dotted(key)}"
        )
        return [PacketError(located.pos(("id",)), "id", message)]
    return []


# ---- the library's passes --------------------------------------------------------------------------


def gather_fragments(
    found: dict[tuple[str, str], list[tuple[Fragment, Located]]],
    claims: Iterable[Claim],
    errors: list[PacketError],
    root: Path,
    layouts: Iterable[Layout],
    defer_figures: bool = False,
) -> Fragments:
    """Every fragment file filed and checked (translations against their sources, figure files: with
    `defer_figures`, only noted, see `library.figures`), with the editions whose file has errors set
    apart: a content including one of those is unavailable."""
    filed = file_fragments(found, errors)
    for fragment, located in filed.values():
        errors.extend(attach_figures(fragment, located, root, layouts, defer=defer_figures))
    bad = {error.pos.path for error in errors}
    broken = {}
    for claim in claims:
        key = (claim.key, claim.language)
        kept = filed.get(key)
        if claim.kind == "fragment" and claim.path in bad and (kept is None or kept[1].path == claim.path):
            broken[key] = claim.path
    return Fragments({key: pair for key, pair in filed.items() if pair[1].path not in bad}, broken)


def include_everywhere(
    editions: dict[str, Content], sources: dict[str, Located], fragments: Fragments, errors: list[PacketError]
) -> dict[str, Content]:
    """Each content edition (by `edition_key`) with its includes replaced; one whose includes have
    problems stays as written, and its errors make it unavailable."""
    expanded = {}
    for key, content in editions.items():
        expanded[key], problems = include_fragments(content, sources[key], fragments)
        errors.extend(problems)
    return expanded


def with_uses(claims: list[Claim], editions: Iterable[tuple[Content, Located]], fragments: Fragments) -> list[Claim]:
    """The claims of content files, each with the fragment files it includes (whose errors it shares)."""
    uses: dict[str, tuple[str, ...]] = {}
    for content, located in editions:
        paths = []
        for _key, include, _where in includes(content):
            chosen = _language(fragments, include.fragment, content.language)
            if chosen is not None:
                pair = fragments.editions.get((include.fragment, chosen))
                paths.append(pair[1].path if pair else fragments.broken.get((include.fragment, chosen), ""))
        uses[located.path] = tuple(dict.fromkeys(p for p in paths if p))
    return [dataclasses.replace(claim, uses=uses[claim.path]) if uses.get(claim.path) else claim for claim in claims]
