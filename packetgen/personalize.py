"""Content + appointment + layout + department + site → ResolvedPacket: final text, real dates, flags applied.

The only stage that knows about placeholders, relative times and conditions (flags, the side, the
department, the patient's language: `resolve.Resolver` decides them, in the content's order).
Patient values are inserted as data (see `markup.fill`), never compiled.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from typing import TypeVar

from babel import Locale, UnknownLocaleError, negotiate_locale
from babel.dates import format_date

from .language.clock import one_oclock
from .language.labels import TITLE_ARTICLES, Labels, labels_for
from .language.taglines import RIGHT_TO_LEFT, SHAPED, tagline_for
from .library.approval import Approval, approval_of
from .markup import fill
from .models import Appointment, Content, Department, Layout
from .models import content as c
from .models import packet as p
from .models.blocks import Item
from .models.conditions import Facts
from .resolve import Resolver
from .timelines import Moments, moments_of, passed_warnings, printed_placeholders
from .timing import Site, local_start, moment, show, unbroken

T = TypeVar("T")
Texts = Callable[[Iterable[Item]], tuple[str, ...]]


def personalize(
    content: Content,
    appointment: Appointment,
    layout: Layout,
    department: Department,
    site: Site,
    for_record: bool = False,
) -> p.ResolvedPacket:
    """Resolve one appointment's packet for `department` (whose name, address and phones it prints);
    PacketError if its start cannot exist at the site. `for_record`: the packet another's consent prints
    for the record (`ResolvedPacket.for_record`), with no line to write on where a value is unknown."""
    labels = labels_for(content.language)
    blank = labels.record_blank if for_record else labels.blank_line
    locale = content.language.replace("-", "_")
    start = local_start(appointment, site.timezone)
    interpreted = _interpreted(appointment.language, content)
    named = _with_article(_title_or_degrees(appointment.provider), content.language)
    side = _side(appointment, content)
    day = start.date()
    # Every computed moment is a real moment at the site; a time on another date than the
    # appointment's prints with its own date ("11:30 PM on Monday, December 14").
    arrival = moment(start, c.Timing(at="arrival", show="time"), site.timezone, content.arrive_minutes_before)
    values = {
        "procedure_date": unbroken(format_date(day, labels.date_long, locale=locale)),
        "procedure_time": show(start, "time", labels, locale),
        "arrival_time": show(arrival, "time", labels, locale, day),
        "arrival": show(arrival, "datetime", labels, locale),
        "arrival_date": unbroken(format_date(arrival.date(), labels.date_long, locale=locale)),
        "provider": named or labels.provider_unknown,
        "location": appointment.location or department.name,
        "facility": department.name,
        "facility_phone": department.phone,
        "after_hours_phone": department.night_phone,
        "site": appointment.site or blank,
        # Never a gap in a sentence: without a side, the words point to the Side line the packet prints.
        "side": side or labels.side_unknown,
        "interpreted_language": interpreted or blank,
    }
    # The `times:` entries: placeholders, a timeline's steps; a passed one says so (`timelines.py`).
    moments = moments_of(content, start, site, labels, locale, (department.name, department.phone))
    values.update(moments.shown())

    def texts(items: Iterable[Item]) -> tuple[str, ...]:
        return tuple(_sentence_case(fill(item.text, values), content.language) for item in items)

    # Without a named provider, the consent leaves a line to write the name in before signing.
    signed = {**values, "provider": named or blank}

    def consent_texts(items: Iterable[Item]) -> tuple[str, ...]:
        return tuple(_sentence_case(fill(item.text, signed), content.language) for item in items)

    # What the conditions (`when:`) are decided on: the record's flags, side, language; the department.
    facts = Facts(
        flags=frozenset(appointment.flags),
        laterality=appointment.laterality if content.laterality != "none" else None,
        department=department.id,
        language=appointment.language,
    )
    handout_parts = Resolver(facts, lambda text: _sentence_case(fill(text, values), content.language), moments)
    consent_parts = Resolver(facts, lambda text: _sentence_case(fill(text, signed), content.language), moments)
    risks = handout_parts.risks(content.every_risk, labels)
    visit = p.Visit(
        date=values["procedure_date"],
        time=values["procedure_time"],
        arrival=values["arrival_time"],
        provider=appointment.provider,
        location=values["location"],
        facility=department.name,
        facility_address=_in_language(department.address, content.language),
        facility_phone=department.phone,
        side=side,
    )
    patient = p.Patient(
        names=appointment.printed_names(),
        date_of_birth=unbroken(format_date(appointment.date_of_birth, labels.date_medium, locale=locale)),
        mrn=appointment.mrn,
    )
    handout = p.Handout(
        stamp=_stamp(content.handout.form_id, content),
        title=fill(content.handout.title, values),
        subtitle=fill(content.handout.subtitle, values),
        own_instructions=appointment.instructions,
        sections=handout_parts.sections(content.handout.sections),
        risks_heading=content.handout.risks_heading,
        risks_lead=fill(content.handout.risks_lead, values),
        risks=risks,
        closing=handout_parts.blocks(content.handout.closing),
        checklist=_checklist(content.handout.checklist, handout_parts, values),
        when_to_call=_when_to_call(content.handout.when_to_call, handout_parts, texts, values),
        questions=_questions(content.handout.questions, values),
    )
    consent = _consent(content, risks, consent_parts, consent_texts, signed, labels, interpreted, appointment)
    approval = approval_of(content, site.today)
    return p.ResolvedPacket(
        appointment_id=appointment.appointment_id,
        language=content.language,
        title=labels.title.format(procedure=content.title),
        content_id=content.id,
        content_version=content.version,
        local_start=start.isoformat(timespec="minutes"),
        patient=patient,
        visit=visit,
        handout=handout,
        consent=consent,
        labels=labels,
        warnings=tuple(
            _warnings(appointment, content, day, site)
            + _passed(appointment, content, moments, facts, (handout_parts, consent_parts), day < site.today)
        ),
        interpreter_notice=_interpreter_notice(appointment.language, content.language, labels),
        tagline=_tagline(appointment.language, content.language),
        footer_note=_footer_note(department, content.language),
        approval=approval.state,
        marks=_marks(approval, labels, locale),
        scan=_scan(appointment, content, layout),
        for_record=for_record,
        label_box=(layout.label_box.width, layout.label_box.height),
        side_line=_side_line(labels) if content.laterality == "required" and side is None else None,
    )


def _side(appointment: Appointment, content: Content) -> str | None:
    """The record's side as the content names it in its language; None when the record gives none or
    the procedure is done on no side (`laterality: none`: a side given is not printed)."""
    if appointment.laterality is None or content.laterality == "none" or content.sides is None:
        return None
    return content.sides.name(appointment.laterality)


def _side_line(labels: Labels) -> str:
    """The Side line: `Side: ☐ Left ☐ Right ☐ Both — to be completed and verified before the procedure`."""
    boxes = " ".join(f"\u2610\u00a0{choice}" for choice in labels.side_choices)
    return f"{labels.side}: {boxes} — {labels.side_to_verify}"


def _scan(appointment: Appointment, content: Content, layout: Layout) -> p.ScanBack:
    """The consent's scan-back fields: patient, encounter, document type, form and version, packet."""
    code = layout.scan_code
    fields = [("MRN", appointment.mrn)]
    if appointment.encounter:
        fields.append(("ENC", appointment.encounter))
    fields += [
        ("DOC", code.document_type),
        ("FORM", content.consent.form_id),
        ("VER", content.version),
        ("PKT", appointment.appointment_id),
    ]
    return p.ScanBack(code.symbology, code.module, tuple(fields))


def _marks(approval: Approval, labels: Labels, locale: str) -> tuple[str, ...]:
    """The warnings printed on every page of a packet made from content not (or no longer) approved."""
    marks = [labels.draft_mark] if approval.draft else []
    if approval.overdue:
        since = approval.overdue_since  # its own review date, or a shared fragment's it includes
        marks.append(labels.overdue_mark.format(date=format_date(since, labels.date_long, locale=locale)))
    return tuple(marks)


def _footer_note(department: Department, language: str) -> str | None:
    note = department.footer_note
    if note is None or isinstance(note, str):
        return note
    return _in_language(note, language)


def _in_language(pairs: Iterable[tuple[str, T]], language: str) -> T:
    """The value for `language` among (language, value) pairs, matched as content is
    (Library.in_language), else the English one."""
    by_language = dict(pairs)
    return by_language[negotiate_locale([language], list(by_language), sep="-") or "en"]


def _stamp(form_id: str, content: Content) -> p.FormStamp:
    return p.FormStamp(form_id=form_id, version=content.version, effective=content.effective.isoformat())


def _checklist(checklist: c.Checklist | None, parts: Resolver, values: dict[str, str]) -> p.Checklist | None:
    """The checklist's items that print; no checklist when none does."""
    items = parts.items(checklist.items) if checklist is not None else ()
    if checklist is None or not items:
        return None
    return p.Checklist(fill(checklist.heading, values), items)


def _when_to_call(
    when: c.WhenToCall | None, parts: Resolver, texts: Texts, values: dict[str, str]
) -> p.WhenToCall | None:
    if when is None:
        return None
    (emergency, after_hours) = texts((when.emergency, when.after_hours))
    heading, lead = fill(when.heading, values), fill(when.lead, values)
    return p.WhenToCall(heading, lead, parts.items(when.signs), emergency, after_hours)


def _questions(questions: c.Questions | None, values: dict[str, str]) -> p.Questions | None:
    if questions is None:
        return None
    return p.Questions(fill(questions.heading, values), fill(questions.lead, values), questions.lines)


def _consent(
    content: Content,
    risks: tuple[str, ...],
    parts: Resolver,
    texts: Texts,
    values: dict[str, str],
    labels: Labels,
    interpreted: str,
    appointment: Appointment,
) -> p.Consent:
    form = content.consent
    said = form.attested

    def attested(item: Item | None) -> str | None:
        return texts((item,))[0] if item is not None else None

    # The interpreter must sign when the patient's language is not the care team's (named in `interpreted`).
    required = bool(interpreted)
    interpreter_says = attested(said.interpreter if said else None)
    # The language once: the interpreter's statement names it when it is known; else a line to write it on.
    language_line = () if interpreted and interpreter_says else (p.Line(labels.interpreted_language, interpreted),)
    signers: tuple[p.Signer, ...] = (
        p.Signer(
            labels.signer_patient,
            labels.patient_choices,
            (p.Line(labels.relationship), p.Line(labels.representative_reason)),
        ),
        p.Signer(labels.signer_provider, attestation=attested(said.provider if said else None)),
        p.Signer(labels.signer_witness, attestation=attested(said.witness if said else None)),
        p.Signer(  # always present: whoever interprets signs here, for the language named
            labels.signer_interpreter_required if required else labels.signer_interpreter,
            labels.interpreter_choices,
            (*language_line, p.Line(labels.interpreter_id)),
            attestation=interpreter_says,
        ),
    )
    if said is not None:  # consent by telephone, heard by a second witness who signs here
        signers += (
            p.Signer(
                labels.signer_telephone,
                extra=(
                    p.Line(labels.telephone_person),
                    p.Line(labels.relationship_to_patient),
                    p.Line(labels.telephone_number),
                ),
                attestation=attested(said.telephone),
            ),
        )
    return p.Consent(
        stamp=_stamp(form.form_id, content),
        title=fill(form.title, values),
        procedure=content.title,
        sections=parts.sections(form.sections),
        risks_lead=fill(form.risks_lead, values),
        risks=risks,
        after_risks=parts.sections(form.after_risks),
        acknowledgement=fill(form.acknowledgement, values),
        signers=signers,
        site=appointment.site if content.levels else None,
        site_label=fill(form.site_label, values) if content.levels and form.site_label else None,
        encounter=appointment.encounter,
    )


_DOCTOR_TITLES = ("Dr.", "Dr", "Dra.", "Dra", "Doctor", "Doctora")
_DEGREES = re.compile(r"(?:,\s*(?!(?:I{1,3}|IV|VI{0,3})\b)(?=(?:[^,]*[A-Z]){2})[A-Z][A-Za-z.\-]{1,7})+$")
"""Degrees after a name (`, MD`, `, M.D., FACC`, `, PhD`): two capitals or more each, never a
generation's numeral (`, III`) or `Jr.`, which are the name's own."""


def _title_or_degrees(provider: str | None) -> str | None:
    """The provider as running text names them: a doctor's title or their degrees, not both
    ("Dr. Maria Alvarez, MD" is said "Dr. Maria Alvarez"); the appointment panel keeps the record's
    words."""
    if not provider or provider.split(" ", 1)[0] not in _DOCTOR_TITLES:
        return provider
    return _DEGREES.sub("", provider).rstrip() or provider


def _with_article(provider: str | None, language: str) -> str | None:
    """The provider as a sentence names them: in Spanish a title takes its article ("la Dra. Ana
    Beltrán", "el Dr. James Okafor"); as given in a language without (`labels.TITLE_ARTICLES`)."""
    articles = TITLE_ARTICLES.get(language.split("-")[0], {})
    if not provider or " " not in provider:
        return provider
    title = provider.split(" ", 1)[0]
    return f"{articles[title]} {provider}" if title in articles else provider


_ARTICLE_AT_START = re.compile(r"(^|[.!?]\s+)(el|la) (?=\w+\.? )")


def _sentence_case(text: str, language: str) -> str:
    """An article `_with_article` put at the start of a sentence is capitalised ("La Dra. ..."); the
    article before a time agrees with it ("a la 1:30", `language.clock.one_oclock`)."""
    text = one_oclock(text, language)
    if language.split("-")[0] not in TITLE_ARTICLES:
        return text
    return _ARTICLE_AT_START.sub(lambda m: m.group(1) + m.group(2).capitalize() + " ", text)


def _interpreted(patient_language: str, content: Content) -> str:
    """The language an interpreter would interpret, named in the packet's language: the patient's,
    when it is not the care team's (the content's source language); blank to write in otherwise."""
    team = content.translation.source_language if content.translation else content.language
    if _same_language(patient_language, team):
        return ""
    return _language_name(patient_language, content.language)


def _language_name(tag: str, in_language: str) -> str:
    """`vi` → "Vietnamese" (in English), "vietnamita" (in Spanish); the tag itself if CLDR has no name."""
    try:
        return Locale.parse(tag.replace("-", "_")).get_display_name(in_language.replace("-", "_")) or tag
    except (ValueError, UnknownLocaleError):
        return tag


def _same_language(wanted: str, have: str) -> bool:
    return wanted.split("-")[0].lower() == have.split("-")[0].lower()


def _tagline(wanted: str, have: str) -> p.Tagline | None:
    """For a patient whose language has no packet: the interpreter notice in their language."""
    found = None if _same_language(wanted, have) else tagline_for(wanted)
    if found is None:
        return None
    tag, text = found
    return p.Tagline(tag, text, tag in RIGHT_TO_LEFT, tag in SHAPED)


def _interpreter_notice(wanted: str, have: str, labels: Labels) -> str | None:
    """For a patient whose language has no packet: a notice, in the packet's language, to ask for an interpreter."""
    if _same_language(wanted, have):
        return None
    return labels.interpreter_notice.format(language=_language_name(wanted, have))


def _passed(
    appointment: Appointment,
    content: Content,
    moments: Moments,
    facts: Facts,
    parts: Iterable[Resolver],
    past: bool,
) -> list[str]:
    """A warning for each timeline step printed whose moment has passed, and for each `times:`
    placeholder printed whose moment has passed (`timelines.passed_warnings`); none for an appointment
    in the `past`, whose own warning says it all."""
    if past:
        return []
    steps = dict.fromkeys(step for resolver in parts for step in resolver.passed_steps)
    placeholders = sorted(moments.passed() & printed_placeholders(content, facts))
    where = f"{appointment.pos('start')}: warning: {appointment.label('start')}"
    return passed_warnings(where, content.id, steps, placeholders)


def _warnings(appointment: Appointment, content: Content, day: date, site: Site) -> list[str]:
    warnings = list(appointment.warnings)  # values reading the record left out
    if day < site.today:
        where = f"{appointment.pos('start')}: warning: {appointment.label('start')}"
        warnings.append(f"{where}: the appointment is in the past (printed anyway)")
    if not _same_language(appointment.language, content.language):
        where = f"{appointment.pos('language')}: warning: {appointment.label('language')}"
        warnings.append(
            f"{where}: no {content.id} packet in '{appointment.language}'; "
            f"the {content.language} packet was produced: arrange an interpreter"
        )
    where = f"{appointment.pos('laterality')}: warning: {appointment.label('laterality')}"
    if content.laterality == "required" and appointment.laterality is None:
        warnings.append(
            f"{where}: {content.id} requires a side and the record gives none; the packet has a Side line "
            "to be completed and verified before the procedure"
        )
    elif content.laterality == "none" and appointment.laterality is not None:
        warnings.append(f"{where}: {content.id} is not done on a side; the side given is not printed")
    if not content.levels and appointment.site is not None:
        where = f"{appointment.pos('site')}: warning: {appointment.label('site')}"
        warnings.append(f"{where}: {content.id} has no levels or site text; the site given is not printed")
    return warnings
