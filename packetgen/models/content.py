"""The schema of a procedure's content file (`packets/<id>.yaml`).

Written by clinical educators. Text fields may hold placeholders such as
`{{ night_before }}`; `validate` checks that each one names a known value.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    Field,
    PrivateAttr,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from .blocks import AnyHandoutBlock, ConsentSection, HandoutSection, Item, ListItem, Review
from .codes import canonical_system, code_problem
from .conditions import Condition
from .include import ConditionalInclude, Include, Included, included_or
from .types import Id, IsoDate, JsonSchemaHint, LanguageTag, Model, Side, Text, Version

FrequencyWords = Literal["very rare", "rare", "uncommon", "common"]
"""The scale a risk's frequency is given on, in words."""


class Frequency(Model):
    """How often a risk happens, where the source says: in words of a fixed scale, printed in the
    packet's language ("rare"), and or a number in the content's words (`about: "1 in 1,000"`):
    "rare, about 1 in 1,000"."""

    words: FrequencyWords | None = None
    """The scale's word, printed in the packet's language (`language/labels.py`)."""
    about: Text | None = Field(default=None, validate_default=True)
    """A number, as the content says it in its language ("1 in 1,000"), printed after "about"."""

    @field_validator("about")
    @classmethod
    def _something_said(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("words") is None:
            raise ValueError("expected words (very rare, rare, uncommon, common), about, or both")
        return value


def _frequency_words(value: Any) -> Any:
    """`frequency: rare` is `frequency: {words: rare}`."""
    return {"words": value} if isinstance(value, str) else value


class Risk(Model):
    """A material risk; printed on the handout and, with an initials box, on the consent."""

    id: Id
    text: Text
    """The risk as the patient reads it."""
    detail: Text | None = None
    """Printed in brackets after the text (before the frequency), e.g. `rarely, cement can travel to the
    lungs`; a detail that already says how often stands instead of a frequency."""
    frequency: (
        Annotated[Frequency, BeforeValidator(_frequency_words, json_schema_input_type=FrequencyWords | Frequency)]
        | None
    ) = None
    """How often it happens, where the source says: `rare`, or `{words: rare, about: "1 in 1,000"}`;
    printed in brackets after the text, in the packet's language."""
    review: Review = "approved"
    when: Condition | None = None
    """Printed (on the handout, and on the consent with its initials box) only for the appointments it
    holds for; always without one."""


class Flag(Model):
    """A condition of the patient an appointment may carry (`sedation`), declared once; the content's
    conditions (`when: {flag: sedation}`) say what it adds and where."""

    label: Text
    """What the flag means, in the content's language ("You will be given medicine to help you relax")."""


def _clock_or_arrival(value: str) -> str:
    if value != "arrival" and not _CLOCK.fullmatch(value):
        raise PydanticCustomError(
            "clock_time", 'expected a clock time on the 24-hour clock like "18:00" (in quotes), or arrival'
        )
    return value


_CLOCK = re.compile(r"([01]\d|2[0-3]):[0-5]\d")

At = Annotated[
    Text,
    AfterValidator(_clock_or_arrival),
    JsonSchemaHint((("pattern", r"^(?:([01]\d|2[0-3]):[0-5]\d|arrival)$"),)),
]
"""A clock time on the 24-hour clock (`"18:00"`), or `arrival`."""


class Timing(Model):
    """A moment relative to the appointment (`packetgen/timing.py` computes it): a day offset and a
    clock time on that day ("18:00 the day before"), an offset from the start ("5 hours before"),
    or the arrival."""

    days: int = Field(default=0, ge=-366, le=366)
    """Calendar days from the appointment's date (negative: before): at the start's clock time, or at
    `at` on that day."""
    hours: int = Field(default=0, ge=-720, le=720)
    """Elapsed hours from the start (after `days`), on the real clock across daylight-saving changes
    (negative: before)."""
    minutes: int = Field(default=0, ge=-43200, le=43200)
    """Elapsed minutes, as `hours` (negative: before)."""
    at: At | None = None
    """A clock time on the 24-hour clock (`"18:00"`) on the day `days` gives, the site's local time
    whatever the daylight-saving changes; or `arrival`, the moment the patient should arrive (alone:
    no `days`, `hours` or `minutes`)."""
    show: Literal["date", "time", "datetime"]
    """How the moment is printed: `Sunday, December 6`, `6:30 AM` (with its date too when that is
    not the appointment's: `6:30 AM on Sunday, December 6`), or `Sunday, December 6, at 6:30 AM`."""

    @model_validator(mode="after")
    def _one_anchor(self) -> Timing:
        given = [name for name in ("days", "hours", "minutes") if name in self.model_fields_set]
        if self.at == "arrival" and given:
            raise ValueError(f"expected no {given[0]} with `at: arrival`: the arrival is a moment of its own")
        if self.at is not None and self.at != "arrival":
            offset = [name for name in given if name != "days"]
            if offset:
                raise ValueError(
                    f"expected no {offset[0]} with a clock time (`at`): give `days` and `at` (18:00 the day "
                    f"before), or {offset[0]} from the start without `at`"
                )
        return self


class Code(Model):
    """A code that identifies this procedure in scheduling systems, in one coding system; checked by
    that system's syntax when the content loads (`models/codes.py`)."""

    system: Annotated[Text, AfterValidator(canonical_system)]
    """`CPT`, `HCPCS` (Level II), `SNOMED CT`, `LOINC`, `ICD-10-PCS`, or `local:NAME` for a site's own
    codes (`local:RGH-IR`)."""
    code: Text
    """The code as its system writes it: CPT `22510`, SNOMED CT `73761001`, LOINC `2345-7`."""

    @field_validator("code")
    @classmethod
    def _code_of_its_system(cls, value: str, info: ValidationInfo) -> str:
        system = info.data.get("system")
        problem = code_problem(system, value) if system else None
        if problem:
            raise PydanticCustomError("code_syntax", problem)
        return value

    @property
    def label(self) -> str:
        """The code with its system, as `list` and errors show it: `CPT 22510`, `local:RGH-IR VP-1`."""
        return f"{self.system} {self.code}"


class Sides(Model):
    """How a content's language names each side, as its sentences say it (`{{ side }}`) and its Side
    lines print it: `{left: left eye, right: right eye, bilateral: both eyes}`."""

    left: Text
    right: Text
    bilateral: Text
    """Both sides ("both eyes", "ambos ojos")."""

    def name(self, side: Side) -> str:
        """The name of `side` in this language."""
        return str(getattr(self, side))


Laterality = Literal["required", "optional", "none"]
"""Whether a procedure is done on a side: see `Content.laterality`."""


class Checklist(Model):
    """A short list of what to do before the appointment, with a check box each, at the top of the handout."""

    heading: Text
    items: tuple[ListItem, ...] = Field(min_length=1)
    """Each with its check box; an item may carry a condition. No item printed: no checklist."""


class WhenToCall(Model):
    """Warning signs after the procedure and whom to call, in a box styled apart from the appointment."""

    heading: Text
    lead: Text
    signs: tuple[ListItem, ...] = Field(min_length=1)
    """What should make the patient call the care team."""
    emergency: Item
    """When to call 911 instead."""
    after_hours: Item
    """Whom to call at night and at weekends (placeholder `{{ after_hours_phone }}`)."""


class Questions(Model):
    """Ruled space for the patient to write questions for the doctor."""

    heading: Text
    lead: Text
    lines: int = Field(default=5, ge=1, le=12)


class Handout(Model):
    """The patient handout: what the procedure is and how to prepare."""

    form_id: Id
    title: Text
    subtitle: Text
    checklist: Checklist | None = None
    sections: tuple[HandoutSection, ...] = Field(min_length=1)
    """The handout's parts in order (what the procedure is, before, during, after), each a heading
    and its blocks."""
    risks_heading: Text
    risks_lead: Text
    when_to_call: WhenToCall | None = None
    questions: Questions | None = None
    closing: tuple[AnyHandoutBlock, ...] = ()
    """Closing blocks without a heading, e.g. whom to call with questions."""


class Attestations(Model):
    """What each signer other than the patient attests to, printed above their signature."""

    provider: Item
    """The practitioner explained the procedure, its risks, benefits and alternatives, and answered questions."""
    witness: Item
    """The witness saw the signature (and attests to nothing else)."""
    interpreter: Item
    """Interpreted the form and the discussion into the language named (`{{ interpreted_language }}`)."""
    telephone: Item
    """Consent given by telephone, heard by the person obtaining consent and a second witness."""


class Consent(Model):
    """The consent form: what the patient agrees to, and its signature blocks.

    Printed in the order of CMS's interpretive guidance (42 CFR 482.51(b)(2)) and AHRQ's informed
    consent guide: who and what, the statement, the procedure and levels, benefits, risks (and no
    guarantee), anesthesia and sedation, conditions, alternatives, rights, signatures; the content
    says the parts other than the risks and signatures as sections before and after the risks."""

    form_id: Id
    title: Text
    site_label: Text | None = None
    """The identification box's line for the record's `site` ("Site and levels"): required with
    `levels: true`, refused without."""
    sections: tuple[ConsentSection, ...] = Field(min_length=1)
    """The parts before the risks: the statement, the procedure, the benefits."""
    risks_lead: Text
    after_risks: tuple[ConsentSection, ...] = ()
    """The parts after the risks and before the signatures: no guarantee, anesthesia, conditions,
    alternatives, rights. The last two printed are kept on one page."""
    acknowledgement: Text
    """The sentence printed just above the signature blocks."""
    attestations: Annotated[Attestations | Include | None, included_or(Attestations, Include)] = None
    """What each signer attests to, or a shared fragment's (`{fragment: consent-attestations, version: "1.0.0"}`)."""

    @property
    def attested(self) -> Attestations | None:
        """The attestations as printed: a loaded content holds the fragment's in place of an include."""
        return self.attestations if isinstance(self.attestations, Attestations) else None


class Translation(Model):
    """What a translated content file was made from, and whether a translator has checked it."""

    source_language: LanguageTag = "en"
    """The language of the content this translates."""
    source_version: Version
    """The version of that content it was made from: `validate` fails once the source moves on."""
    review: Review
    """`pending` until a qualified medical translator has reviewed the whole translation."""
    translator: Text | None = Field(default=None, validate_default=True)
    """Who translated or reviewed it; required once `review` is `approved`."""

    @field_validator("translator")
    @classmethod
    def _reviewer_named(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("review") == "approved":
            raise ValueError("expected the name of the translator who reviewed it (review is approved)")
        return value


class Content(Model):
    """A procedure's complete content in one language.

    A translation is a complete content file of the same id in another language,
    with a `translation:` block; every item keeps the id of the item it translates.
    """

    id: Id
    """The packet id appointments name, e.g. `vertebroplasty`."""
    title: Text
    language: LanguageTag = "en"
    translation: Translation | None = None
    """Set on a translation only: its source and review state."""
    version: Version
    effective: IsoDate
    """The date from which this version may be used."""
    approved_by: Text | None = None
    """Who approved this content for clinical use (name and role). Without it every packet is a draft."""
    approved_on: IsoDate | None = Field(default=None, validate_default=True)
    """When it was approved; given with `approved_by`."""
    review_due: IsoDate
    """The date by which the content must be reviewed again: at most 24 months after its approval (or,
    before approval, its effective date). Past it, packets refuse to print unless a run allows it."""
    owner: Text
    """Who maintains this content and answers questions about it."""
    department: Id
    """The department (`departments/<id>.yaml`) whose name, address and phones its packets print and
    whose sender emails them, unless a record names another; a translation names its source's."""
    codes: tuple[Code, ...] = Field(min_length=1)
    aliases: tuple[Text, ...] = ()
    """Other names a scheduling system may give the procedure ("VERTEBROPLASTY LUMBAR"); appointments
    match ids, codes, titles and aliases whatever their case."""
    reading_grade_target: int = Field(default=8, ge=1, le=16)
    arrive_minutes_before: int = Field(ge=0, le=600)
    """How long before the start the patient should arrive."""
    laterality: Laterality = "none"
    """Whether the procedure is done on a side, which the record's `laterality` gives: `required` (an
    eye, a knee: without a side the packet asks for it to be marked and verified before the
    procedure, with a warning), `optional` (printed when the record gives one), `none` (a side given
    is a warning and is not printed)."""
    sides: Sides | None = Field(default=None, validate_default=True)
    """The name of each side in this language: what `{{ side }}` and the packet's Side lines print.
    Required unless `laterality` is `none`."""
    levels: bool = True
    """Whether the procedure has levels or other site text, the record's `site` ("T12 and L1"): the
    consent's site line (a line to write them on when the record gives none) and `{{ site }}`. With
    `false` neither is printed and a record's `site` is a warning."""
    times: dict[Id, Timing] = Field(default_factory=dict)
    """Named moments authors can use as placeholders, e.g. `night_before`."""
    flags: dict[Id, Flag] = Field(default_factory=dict)
    """The flags an appointment may carry, each used by a condition (`when: {flag: …}`)."""
    handout: Handout
    risks: tuple[Annotated[Risk | ConditionalInclude, included_or(Risk, ConditionalInclude)], ...] = Field(min_length=1)
    """Every material risk; an entry `{fragment: sedation-risks, version: "1.0.0"}` brings a shared
    fragment's risks there."""
    consent: Consent

    @field_validator("approved_on")
    @classmethod
    def _approval_complete(cls, value: date | None, info: ValidationInfo) -> date | None:
        if ("approved_by" in info.data and info.data["approved_by"] is None) != (value is None):
            raise ValueError("approved_by and approved_on go together: who approved the content, and when")
        return value

    @field_validator("sides")
    @classmethod
    def _sides_named(cls, value: Sides | None, info: ValidationInfo) -> Sides | None:
        laterality = info.data.get("laterality")
        if laterality in ("required", "optional") and value is None:
            raise ValueError(
                f"expected the names of the sides in this language ({{left: …, right: …, bilateral: …}}): "
                f"laterality is {laterality}"
            )
        if laterality == "none" and value is not None:
            raise ValueError("expected no sides: laterality is none (declare `laterality: required` or `optional`)")
        return value

    @field_validator("review_due")
    @classmethod
    def _review_in_cycle(cls, value: date, info: ValidationInfo) -> date:
        return review_in_cycle(value, info)

    _pending_reviews: int = PrivateAttr(default=0)

    def model_post_init(self, context: Any, /) -> None:
        # Counted once, when the content is loaded: every packet made from it is marked by it.
        self._pending_reviews = sum(
            1
            for model in submodels(self)
            if not isinstance(model, Translation) and getattr(model, "review", None) == "pending"
        )

    @property
    def pending_reviews(self) -> int:
        """Blocks, items, risks and clauses marked `review: pending` (the translation's own review apart;
        a shared fragment's are its own: see `fragments`)."""
        return self._pending_reviews

    @property
    def every_risk(self) -> tuple[Risk, ...]:
        """The risks as printed: a loaded content holds each included fragment's risks in place of its include."""
        return tuple(risk for risk in self.risks if isinstance(risk, Risk))

    _fragments: tuple[Included, ...] = PrivateAttr(default=())

    @property
    def fragments(self) -> tuple[Included, ...]:
        """The shared fragments whose text a loaded content holds in place of its includes, in the order
        first included (set by the library: `library/fragments.py`)."""
        return self._fragments


def submodels(model: BaseModel) -> Iterator[BaseModel]:
    """Every model inside `model` (sections, items, risks, flags, ...), depth first, in field order."""
    for name in type(model).model_fields:
        value = getattr(model, name)
        values = value.values() if isinstance(value, dict) else value if isinstance(value, tuple) else (value,)
        for inner in values:
            if isinstance(inner, BaseModel):
                yield inner
                yield from submodels(inner)


REVIEW_CYCLE_MONTHS = 24
"""The longest a content may go between reviews (the usual cycle of patient-education libraries)."""


def review_in_cycle(review_due: date, info: ValidationInfo) -> date:
    """`review_due` after `effective`, and at most REVIEW_CYCLE_MONTHS after the approval (else after
    `effective`): the rule for content and fragment files alike."""
    effective = info.data.get("effective")
    if effective is not None and review_due <= effective:
        raise ValueError("review_due must come after effective")
    since, name = info.data.get("approved_on"), "approved_on"
    if since is None:
        since, name = effective, "effective"
    if since is not None and review_due > months_later(since, REVIEW_CYCLE_MONTHS):
        latest = months_later(since, REVIEW_CYCLE_MONTHS).isoformat()
        raise ValueError(f"expected at most {REVIEW_CYCLE_MONTHS} months after {name} ({latest} at the latest)")
    return review_due


def months_later(day: date, months: int) -> date:
    """The same day `months` later (the month's last day where it is shorter: Feb 29 → Feb 28)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    last = calendar.monthrange(year, month)[1]
    return day.replace(year=year, month=month, day=min(day.day, last))
