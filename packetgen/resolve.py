"""A content's sections, blocks, items and risks as one appointment gets them: each shown only where its
condition (`when:`) holds, in the content's order (never the record's), its text filled in.

Used by `personalize`, once for the handout's text and once for the consent's (whose placeholders
leave lines to write on where a value is unknown).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from .language.labels import Labels
from .models import blocks as b
from .models import packet as p
from .models.conditions import Condition, Facts
from .models.content import Frequency, Risk
from .models.include import FragmentBlock
from .timelines import Moments

Fill = Callable[[str], str]
"""A content text → the text printed (placeholders filled)."""


class Resolver:
    """Decides conditions on one appointment's `Facts` and fills text with `fill`; a timeline's steps
    print the `moments` their times name."""

    def __init__(self, facts: Facts, fill: Fill, moments: Moments | None = None) -> None:
        self.facts, self.fill = facts, fill
        self.moments = moments or Moments()
        self.passed_steps: list[str] = []
        """The timeline steps printed whose moment has passed, as `step-id (time-name)`, in order."""

    def shows(self, when: Condition | None) -> bool:
        """Whether a part with condition `when` prints (a part without one always does)."""
        return when is None or when.holds(self.facts)

    def items(self, items: Iterable[b.ListItem]) -> tuple[str, ...]:
        """The texts of the items that print."""
        return tuple(self.fill(item.text) for item in items if self.shows(item.when))

    def optional(self, text: str | None) -> str | None:
        return None if text is None else self.fill(text)

    def sections(self, sections: Iterable[b.HandoutSection | b.ConsentSection]) -> tuple[p.Section, ...]:
        """The sections that print: a section whose condition fails, or none of whose blocks print, is left
        out, heading and all."""
        shown = []
        for section in sections:
            blocks = self.blocks(section.blocks) if self.shows(section.when) else ()
            if blocks:
                shown.append(p.Section(section.id, self.optional(section.heading), blocks))
        return tuple(shown)

    def blocks(self, blocks: Sequence[b.HandoutBlock | b.ConsentBlock]) -> tuple[p.Block, ...]:
        """The blocks that print, in order; a subheading with nothing printed under it is left out."""
        shown = [resolved for block in blocks if self.shows(block.when) for resolved in [self.block(block)] if resolved]
        return tuple(
            block
            for index, block in enumerate(shown)
            if not isinstance(block, p.Subheading)
            or (index + 1 < len(shown) and not isinstance(shown[index + 1], p.Subheading))
        )

    def block(self, block: b.HandoutBlock | b.ConsentBlock) -> p.Block | None:
        """One block as printed, or None when nothing of it prints (every item's condition fails)."""
        fill = self.fill
        match block:
            case b.Paragraph():
                return p.Paragraph(block.id, fill(block.text))
            case b.Bullets() | b.Steps():
                items = self.items(block.items)
                numbered = isinstance(block, b.Steps)
                return p.ListBlock(block.id, self.optional(block.lead), items, numbered) if items else None
            case b.Subheading():
                return p.Subheading(block.id, fill(block.text))
            case b.Table():
                rows = tuple(tuple(fill(cell) for cell in row.cells) for row in block.rows if self.shows(row.when))
                header = tuple(fill(cell) for cell in block.header)
                return p.Table(block.id, self.optional(block.lead), header, rows, block.widths) if rows else None
            case b.Callout():
                items, lead = self.items(block.items), self.optional(block.lead)
                return p.Callout(block.id, fill(block.heading), lead, items) if items or lead else None
            case b.Figure():
                return _figure(block, fill)
            case b.Initialled():
                return p.Initialled(block.id, fill(block.text))
            case b.Choice():
                options = tuple(fill(option.text) for option in block.options)
                return p.Choice(block.id, fill(block.lead), block.select == "many", options, block.other)
            case b.Timeline():
                steps = tuple(self.step(step) for step in block.steps if self.shows(step.when))
                return p.Timeline(block.id, self.optional(block.lead), steps, block.style == "table") if steps else None
            case FragmentBlock():  # a loaded content holds the fragment's blocks here (library/fragments.py)
                raise ValueError(f"fragment block {block.id!r} was not included: load content through the library")

    def step(self, step: b.TimelineStep) -> p.TimelineStep:
        """A timeline step as printed: its moment, its text, and the line saying its moment has passed."""
        moment = self.moments.by_name.get(step.time)
        if moment is None:  # `library.rules` refuses a content whose step names no `times:` entry
            raise ValueError(f"timeline step {step.id!r} names no entry of times:")
        if not moment.passed:
            return p.TimelineStep(step.id, moment.shown, self.fill(step.text))
        self.passed_steps.append(f"{step.id} ({step.time})")
        return p.TimelineStep(step.id, moment.shown, self.fill(step.text), self.moments.passed_line)

    def risks(self, risks: Iterable[Risk], labels: Labels) -> tuple[str, ...]:
        """Each risk that prints, as printed on the handout and the consent: its text, then in brackets
        its detail and its frequency in the packet's language ("Death (very rare)")."""
        lines = []
        for risk in risks:
            if not self.shows(risk.when):
                continue
            extra = [self.fill(risk.detail)] if risk.detail else []
            if risk.frequency is not None:
                extra.append(frequency(risk.frequency, labels, self.fill))
            text = self.fill(risk.text)
            lines.append(f"{text} ({'; '.join(extra)})" if extra else text)
        return tuple(lines)


def _figure(block: b.Figure, fill: Fill) -> p.Figure:
    """A figure as printed: its file as the library read and checked it."""
    if block.read is None:
        raise ValueError(f"figure '{block.id}': its file was not read; load content through library.load_library")
    return p.Figure(block.id, block.read, fill(block.caption), fill(block.description), block.width)


def frequency(said: Frequency, labels: Labels, fill: Fill) -> str:
    """How often a risk happens, in the packet's language: "rare", "about 1 in 1,000", "rare, about 1 in 1,000"."""
    words = {
        "very rare": labels.frequency_very_rare,
        "rare": labels.frequency_rare,
        "uncommon": labels.frequency_uncommon,
        "common": labels.frequency_common,
    }
    parts = [words[said.words]] if said.words else []
    if said.about:
        parts.append(labels.frequency_about.format(about=fill(said.about)))
    return ", ".join(parts)
