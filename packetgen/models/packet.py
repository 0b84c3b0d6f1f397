"""The resolved packet: every string final, every date real, ready to draw.

Produced by `personalize`, consumed by `checks` and `render`. Nothing here is
a template or a YAML structure; rendering decides only how things look.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..language.labels import Labels
from .figure import FigureFile


@dataclass(frozen=True)
class Patient:
    """The identifiers printed on every page."""

    names: tuple[str, ...]
    """As printed, joined by a comma: (last name, first name), or the whole name as a source gave it."""
    date_of_birth: str
    mrn: str

    @property
    def name(self) -> str:
        """The name as one line (`Last, First`): the one text every place that prints the name draws,
        so a right-to-left name is ordered the same way (by the Unicode bidirectional algorithm over
        the whole name) in the running header and the consent's identification box."""
        return ", ".join(self.names)


@dataclass(frozen=True)
class Visit:
    """When and where, already formatted for the patient's language."""

    date: str
    time: str
    arrival: str
    provider: str | None
    """None when the source named no performing person: the consent leaves a line to write it in."""
    location: str
    facility: str
    facility_address: tuple[str, ...]
    facility_phone: str
    side: str | None = None
    """The side the procedure is done on, as the content names it in the packet's language ("left
    eye"); None when the record gives none or the procedure has no side."""


@dataclass(frozen=True)
class Paragraph:
    """A paragraph."""

    id: str
    text: str


@dataclass(frozen=True)
class ListBlock:
    """A bulleted list, or numbered steps, after an optional lead line."""

    id: str
    lead: str | None
    items: tuple[str, ...]
    numbered: bool = False
    """Steps: numbered 1., 2., … (an ordered list)."""


@dataclass(frozen=True)
class Subheading:
    """A heading inside a section."""

    id: str
    text: str


@dataclass(frozen=True)
class Table:
    """A table: its header row and the rows shown, each as many cells as the header."""

    id: str
    lead: str | None
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] | None = None
    """Each column's share of the width; equal without."""


@dataclass(frozen=True)
class Callout:
    """A boxed, headed note (what a flag adds)."""

    id: str
    heading: str
    lead: str | None
    items: tuple[str, ...]


@dataclass(frozen=True)
class Figure:
    """A figure (its file as the library read it) with its caption and alternative text."""

    id: str
    file: FigureFile
    """The SVG's drawing and labels (their texts are checked against the fonts like any text), or the PNG."""
    caption: str
    description: str
    width: float = 1.0
    """Its printed width, as a share of the text column's."""


@dataclass(frozen=True)
class Initialled:
    """A consent statement with a box for the patient's initials."""

    id: str
    text: str


@dataclass(frozen=True)
class Choice:
    """A consent question with a check box per option (and an "Other:" line)."""

    id: str
    lead: str
    many: bool
    """Tick as many as apply (else one)."""
    options: tuple[str, ...]
    other: bool = False


@dataclass(frozen=True)
class TimelineStep:
    """A step of a timeline: its moment as printed, what to do, and whether that moment has passed."""

    id: str
    when: str
    """The moment in the packet's language ("Wednesday, January 13, at 6:00 PM")."""
    text: str
    passed: str | None = None
    """When the moment has passed as the packet is made: the line saying so and whom to call."""


@dataclass(frozen=True)
class Timeline:
    """Steps at real dates and times, as a list or a table (`table`)."""

    id: str
    lead: str | None
    steps: tuple[TimelineStep, ...]
    table: bool = False


Block = Paragraph | ListBlock | Subheading | Table | Callout | Figure | Initialled | Choice | Timeline
"""One block of a section, resolved: conditions decided, text final."""


@dataclass(frozen=True)
class Section:
    """A handout or consent section with the blocks it prints for this appointment."""

    id: str
    heading: str | None
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class FormStamp:
    """Form id, version and effective date, printed in every footer."""

    form_id: str
    version: str
    effective: str


@dataclass(frozen=True)
class Checklist:
    """What to do before the appointment, each with a check box."""

    heading: str
    items: tuple[str, ...]


@dataclass(frozen=True)
class WhenToCall:
    """Warning signs and whom to call, in a box of its own."""

    heading: str
    lead: str
    signs: tuple[str, ...]
    emergency: str
    after_hours: str


@dataclass(frozen=True)
class Questions:
    """Ruled lines for the patient's questions."""

    heading: str
    lead: str
    lines: int


@dataclass(frozen=True)
class Handout:
    """The patient handout."""

    stamp: FormStamp
    title: str
    subtitle: str
    own_instructions: tuple[str, ...]
    sections: tuple[Section, ...]
    risks_heading: str
    risks_lead: str
    risks: tuple[str, ...]
    """Each risk shown, as printed: its text, then its detail and frequency in brackets."""
    closing: tuple[Block, ...] = ()
    checklist: Checklist | None = None
    when_to_call: WhenToCall | None = None
    questions: Questions | None = None


@dataclass(frozen=True)
class Line:
    """A line to write on, with its label printed under it."""

    label: str
    value: str = ""
    """Printed on the line when known in advance (the language to be interpreted)."""


@dataclass(frozen=True)
class Signer:
    """One signature block on the consent form."""

    role: str
    choices: tuple[str, ...] = ()
    """Options to tick, each printed with a check box (e.g. in person / by phone)."""
    extra: tuple[Line, ...] = ()
    """Further lines to fill in, e.g. relationship or language."""
    attestation: str | None = None
    """What the signer attests to, printed above the signature line."""


@dataclass(frozen=True)
class Consent:
    """The consent form."""

    stamp: FormStamp
    title: str
    procedure: str
    sections: tuple[Section, ...]
    """Before the risks."""
    risks_lead: str
    risks: tuple[str, ...]
    """The handout's risks, each with its initials box."""
    after_risks: tuple[Section, ...]
    """After the risks, before the signatures."""
    acknowledgement: str
    signers: tuple[Signer, ...]
    site: str | None = None
    """The body site and levels, or None: a line to write them on."""
    site_label: str | None = None
    """The site line's label ("Site and levels"); None: the procedure has no levels, no site line."""
    encounter: str | None = None
    own_risks_lines: int = 3
    """Ruled lines where the physician writes risks specific to this patient."""


@dataclass(frozen=True)
class ScanBack:
    """What each consent page's scan-back code holds (the page and page count are added per page)."""

    symbology: str
    module: float
    """Module width in points."""
    fields: tuple[tuple[str, str], ...]
    """(key, value): MRN, ENC (when known), DOC, FORM, VER, PKT; see `render.scan.payload`."""


@dataclass(frozen=True)
class Tagline:
    """The interpreter notice in the patient's language."""

    language: str
    """BCP 47 tag (the PDF marks the text with it)."""
    text: str
    right_to_left: bool
    shaped: bool = False
    """Letters that combine (Devanagari): drawn through HarfBuzz shaping."""


@dataclass(frozen=True)
class ResolvedPacket:
    """Everything the renderer draws for one appointment, in final form."""

    appointment_id: str
    language: str
    title: str
    """The PDF title: the procedure, never the patient."""
    content_id: str
    content_version: str
    local_start: str
    """The start on the site's clock, ISO `YYYY-MM-DDTHH:MM`."""
    patient: Patient
    visit: Visit
    handout: Handout
    consent: Consent
    labels: Labels
    """The fixed wording in the packet's language (`language/labels.py`)."""
    warnings: tuple[str, ...] = field(default=())
    interpreter_notice: str | None = None
    """Printed first when the patient's language has no packet: ask for an interpreter."""
    tagline: Tagline | None = None
    """The same notice in the patient's own language, where we have one (`language/taglines.py`)."""
    footer_note: str | None = None
    """The layout's footer line in the packet's language."""
    approval: str = "approved"
    """The content's approval state (`approval.Approval.state`): `approved`, `draft`, `overdue`, `draft, overdue`."""
    marks: tuple[str, ...] = ()
    """Printed on every page when the content is not approved or overdue for review (DRAFT)."""
    scan: ScanBack | None = None
    """The consent pages' scan-back code; None draws none."""
    label_box: tuple[float, float] | None = None
    """(width, height) of the chart-label box on the consent's first page, in points."""
    side_line: str | None = None
    """For a procedure that requires a side when the record gives none: the Side line, with a check box
    for each side, to be completed and verified before the procedure, printed conspicuously on the
    handout and the consent."""
    record: ResolvedPacket | None = None
    """For a packet in a translation: the same appointment's packet in the content's source language
    (English: the same conditions, dates and identifiers), whose consent prints after this one's for the
    record, not for signature; None for a packet in the source language."""
    for_record: bool = False
    """This packet is another's `record`: its consent is drawn with no initials boxes, check boxes, ruled
    lines or signature blocks, and no chart-label box, interpreter notice or Side line."""
