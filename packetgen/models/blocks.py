"""A content's sections and their typed blocks: what a handout or consent section holds.

A section is a heading and a list of blocks, each with an `id`, a `review` state and an optional
condition (`when:`, see `conditions.py`): `paragraph`, `bullets`, `steps` (numbered), `subheading`,
`table`, `callout` (a boxed heading and items), `figure` (a drawing from a file), `timeline` (steps at
real dates and times); on the consent also
`initialled` (a statement with a box for the patient's initials) and `choice` (check boxes). Items
inside a block (a bullet, a step, a table row) carry their own id, review state and condition. A
`fragment` block (`include.py`) stands for a shared fragment's blocks until the library includes them.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, PrivateAttr, model_validator

from .conditions import Condition
from .dispatch import refuse
from .figure import FigureFile, FigurePath, PendingFigure
from .include import FragmentBlock
from .types import Id, Model, Text

Review = Literal["pending", "approved"]
"""`pending`: text not taken from approved source material; a clinician must review it."""


class Item(Model):
    """One paragraph, clause or attestation: the unit that translations line up on."""

    id: Id
    """Stable id shared by every language of this content."""
    text: Text
    """The text; may contain placeholders like `{{ provider }}`."""
    review: Review = "approved"
    """`pending` marks text a clinician has not yet reviewed."""


class ListItem(Item):
    """A bullet, a numbered step, a checklist item or a warning sign: an item that may carry a condition."""

    when: Condition | None = None
    """Printed only for the appointments it holds for (`{flag: sedation}`); always without one."""


class _Block(Model):
    id: Id
    """Stable id shared by every language of this content."""
    review: Review = "approved"
    """`pending` marks the block's own text (a paragraph, a list's lead line, a table's header, a
    callout's heading) as awaiting a clinician's review; its items have their own."""
    when: Condition | None = None
    """Printed only for the appointments it holds for; always without one."""


class Paragraph(_Block):
    """A paragraph of text."""

    type: Literal["paragraph"]
    text: Text


class Bullets(_Block):
    """A bulleted list, after an optional lead line ("Here is what to expect:")."""

    type: Literal["bullets"]
    lead: Text | None = None
    items: tuple[ListItem, ...] = Field(min_length=1)


class Steps(_Block):
    """A numbered list of steps, in the order they are done, after an optional lead line."""

    type: Literal["steps"]
    lead: Text | None = None
    items: tuple[ListItem, ...] = Field(min_length=1)


class Subheading(_Block):
    """A heading inside a section (a level below the section's)."""

    type: Literal["subheading"]
    text: Text


class Row(Model):
    """A table's row: one text per column."""

    id: Id
    cells: tuple[Text, ...] = Field(min_length=1)
    review: Review = "approved"
    when: Condition | None = None
    """Printed only for the appointments it holds for; always without one."""


class Table(_Block):
    """A table of text: a header row (repeated at the top of the next page when the table runs over)
    and rows with as many cells as the header."""

    type: Literal["table"]
    lead: Text | None = None
    """A line before the table saying what it shows."""
    header: tuple[Text, ...] = Field(min_length=1)
    """The columns' headings."""
    rows: tuple[Row, ...] = Field(min_length=1)
    widths: tuple[Annotated[float, Field(gt=0)], ...] | None = None
    """Each column's share of the width (`[2, 1, 1]`); equal shares without it."""

    @model_validator(mode="after")
    def _same_shape(self) -> Table:
        columns = len(self.header)
        for index, row in enumerate(self.rows):
            if len(row.cells) != columns:
                message = f"expected {columns} cells, one per column of the header (this row has {len(row.cells)})"
                refuse(("rows", index, "cells"), "table_shape", message, row.cells)
        if self.widths is not None and len(self.widths) != columns:
            refuse(("widths",), "table_shape", f"expected {columns} widths, one per column", self.widths)
        return self


class Callout(_Block):
    """A boxed, headed note: what a flag adds, a warning to keep apart from the text around it."""

    type: Literal["callout"]
    heading: Text
    lead: Text | None = None
    items: tuple[ListItem, ...] = ()

    @model_validator(mode="after")
    def _something_inside(self) -> Callout:
        if self.lead is None and not self.items:
            raise ValueError("expected a lead line or items (or both) under the heading")
        return self


class Figure(_Block):
    """An illustration from a file in `packets/figures/` (an SVG drawn as vectors, or a PNG), with its
    caption and its description for readers who cannot see it."""

    type: Literal["figure"]
    file: FigurePath
    """The figure's file, relative to `packets/` (`figures/colon.svg`): an SVG (labels as SVG text, a first
    comment `<!-- For clinical review: ... -->`), or a PNG of at least 200 dpi at its printed size. A
    translation names its own file where the drawing has words (`figures/colon.es.svg`)."""
    width: float = Field(default=1.0, ge=0.2, le=1.0)
    """Its printed width, as a share of the text column's (0.2 to 1.0; the whole column without it)."""
    caption: Text
    description: Text
    """What the picture shows, for readers who cannot see it (PDF alt text)."""
    _read: FigureFile | None = PrivateAttr(default=None)
    _pending: PendingFigure | None = PrivateAttr(default=None)

    def attach(self, read: FigureFile) -> None:
        """Keep the file as the library read and checked it (`library.figures`): what packets draw."""
        self._read = read

    def defer(self, pending: PendingFigure) -> None:
        """Note where the file is, to be read when a packet draws the figure (`library.figures.read_deferred`)."""
        self._pending = pending

    @property
    def read(self) -> FigureFile | None:
        """The file as the library read it; None before (a content not loaded through the library, or
        loaded with its figures deferred and not drawn yet)."""
        return self._read

    @property
    def pending(self) -> PendingFigure | None:
        """Where the file is, when the library deferred reading it (a copy made by including a shared
        fragment shares it)."""
        return self._pending


class Initialled(_Block):
    """A consent statement with a box beside it for the patient's initials."""

    type: Literal["initialled"]
    text: Text


class Option(Model):
    """One option of a choice, printed with its check box."""

    id: Id
    text: Text
    review: Review = "approved"


class Choice(_Block):
    """A question answered by ticking check boxes: one option (`select: one`) or several (`many`),
    with an "Other: ____" line to write in where `other` is true."""

    type: Literal["choice"]
    lead: Text
    """The question or statement the options complete."""
    select: Literal["one", "many"]
    """`one`: the patient ticks one box ("Check one."); `many`: as many as apply."""
    options: tuple[Option, ...] = Field(min_length=2)
    other: bool = False
    """An "Other:" line to write another answer on, with its own box."""


class TimelineStep(Model):
    """One step of a timeline: what to do, at a moment named under the content's `times:`."""

    id: Id
    time: Id
    """The name of an entry under `times:` (`week_before`): the step prints its real date or time, as
    that entry's `show` says."""
    text: Text
    """What to do then."""
    review: Review = "approved"
    when: Condition | None = None
    """Printed only for the appointments it holds for; always without one."""


class Timeline(_Block):
    """Steps to do before (or after) the procedure, each at its own moment, printed with the patient's
    real dates and times in the content's order: as a list (the moment in bold, then what to do) or a
    table ("When" / "What to do"). A step whose moment has passed when the packet is made says so,
    with the department's phone (and the run warns)."""

    type: Literal["timeline"]
    style: Literal["list", "table"] = "list"
    """`list`: each step its moment in bold, then its text; `table`: two columns, When and What to do
    (headed in the packet's language)."""
    lead: Text | None = None
    """A line before the steps ("Follow these steps:")."""
    steps: tuple[TimelineStep, ...] = Field(min_length=1)


HandoutBlock = Paragraph | Bullets | Steps | Subheading | Table | Callout | Figure | Timeline | FragmentBlock
ConsentBlock = HandoutBlock | Initialled | Choice

AnyHandoutBlock = Annotated[HandoutBlock, Field(discriminator="type")]
"""A handout block, told apart by its `type`."""
AnyConsentBlock = Annotated[ConsentBlock, Field(discriminator="type")]
"""A consent block (a handout block, or `initialled`, `choice`), told apart by its `type`."""


class _Section(Model):
    id: Id
    heading: Text | None = None
    """The section's heading, in the content's words; none for text that follows on from what is above."""
    review: Review = "approved"
    """`pending` marks the heading as awaiting review (its blocks have their own)."""
    when: Condition | None = None
    """Printed only for the appointments it holds for. A section none of whose blocks print is left
    out, heading and all."""


class HandoutSection(_Section):
    """A headed part of the handout: its blocks, in order."""

    blocks: tuple[AnyHandoutBlock, ...] = Field(min_length=1)


class ConsentSection(_Section):
    """A part of the consent form: its blocks, in order (with initialled statements and choices)."""

    blocks: tuple[AnyConsentBlock, ...] = Field(min_length=1)
