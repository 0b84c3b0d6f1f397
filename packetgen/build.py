"""The library API: appointments in, packets on disk out.

`Generator.generate` reads like the recipe it is: layout and department →
glyph checks → personalize → check → render → write. Nothing is written until every check
has passed. `make_packet` wraps it for one appointment file.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from .checks import check_appointment, check_content, check_department, check_packet
from .errors import InputErrors, PacketError, PacketgenError, SourcePos
from .intake import match_content
from .intake.record import from_located
from .library import Library, load_library
from .library.approval import Approval, approval_of
from .library.figures import label_problems, read_deferred
from .models import Appointment, Content, Department, Layout
from .models.packet import ResolvedPacket
from .pdf.archival import to_pdfa
from .pdf.output import target_path, write_atomic
from .personalize import personalize
from .render import load_fonts, render_pdf
from .settings import Settings
from .timing import Site
from .yamlsafe import Located, load_bytes, load_file


@dataclass(frozen=True)
class Generated:
    """What was written for one appointment."""

    appointment_id: str
    path: Path
    sha256: str
    pages: int
    content_id: str
    content_version: str
    language: str
    layout: str
    department: str
    """The department's id (whose name, address and phones it prints, and whose sender emails it)."""
    start: str
    """The local start, ISO `YYYY-MM-DDTHH:MM` (orders print runs)."""
    warnings: tuple[str, ...]
    approval: str = "approved"
    """The content's approval state the packet was marked with (`draft`, `overdue`, ...)."""
    fragments: tuple[tuple[str, str], ...] = ()
    """The shared fragments its text includes, as (id, version) pairs (the manifest's `fragments`)."""
    email: str | None = None
    """The patient's email address from the record (patient data: for delivery, never written)."""
    date_of_birth: date | None = None
    """For a site whose emailed packets open with the date of birth (patient data, never written)."""


@dataclass(frozen=True)
class Generator:
    """Everything shared by the packets of one run: content, the run's layout, the site's clock, the
    output folder, font folders. Picklable: worker processes receive it once."""

    library: Library
    out_dir: Path
    site: Site
    layout_name: str | None = None
    """The layout the person printing chose (`--layout`, the web reprint's): it wins over a record's."""
    font_dirs: tuple[Path, ...] = ()
    allow_overdue: bool = False
    """Print content past its `review_due` (marked overdue on every page) instead of refusing it."""
    run_marks: tuple[tuple[str, str], ...] = ()
    """A mark printed on every page of every packet of the run, with the DRAFT and overdue marks, as
    (language, text) pairs: the packet's primary language's, else English's (a preview's SAMPLE)."""

    @property
    def today(self) -> date:
        """Today at the site (appointments before it are in the past)."""
        return self.site.today

    def layout_for(self, appointment: Appointment) -> Layout:
        """The layout the run chose (the person printing chooses the format), else the record's own, else
        the default; PacketError naming the record's field, or InputErrors with the layout file's errors
        when that layout is unavailable. `layout_warnings` says when the run's overrides the record's."""
        if appointment.layout is None or self.layout_name is not None:
            return self.library.layout(self.layout_name)
        if appointment.layout in self.library.unavailable_layouts:
            raise self.library.unavailable_layouts[appointment.layout].refusal()
        if appointment.layout not in self.library.layouts:
            known = ", ".join(sorted(self.library.layouts))
            raise PacketError(
                appointment.pos("layout"), appointment.label("layout"), f"unknown layout; expected one of: {known}"
            )
        return self.library.layouts[appointment.layout]

    def layout_warnings(self, appointment: Appointment) -> tuple[str, ...]:
        """When the run's layout overrides another that the record asks for: a warning naming its field."""
        if self.layout_name is None or appointment.layout in (None, self.layout_name):
            return ()
        where = f"{appointment.pos('layout')}: warning: {appointment.label('layout')}"
        return (
            f"{where}: the record asks for layout {appointment.layout}; made in {self.layout_name}, "
            "the layout chosen for this run",
        )

    def department_for(self, appointment: Appointment, content: Content) -> Department:
        """The record's department, else the procedure's (`content.department`); PacketError naming the
        record's field when the library has no such department (a department is where the patient goes
        and whom they call: never dropped), InputErrors with the department file's errors when it is
        unavailable."""
        wanted = appointment.department
        if wanted is None:
            return self.library.department(content.department)
        if wanted not in self.library.unavailable_departments and wanted not in self.library.departments:
            message = f"unknown department; {self.library.department_names()}"
            raise PacketError(appointment.pos("department"), appointment.label("department"), message)
        return self.library.department(wanted)

    def approval(self, content: Content) -> Approval:
        """The content's approval state today (with the shared fragments it includes); PacketError (naming
        the file, its own or a fragment's, and the due date) when it is overdue for review and this run does
        not allow that."""
        approval = approval_of(content, self.today)
        if approval.overdue and not self.allow_overdue:
            message = (
                f"overdue for review since {approval.overdue_since.isoformat()}: packets are not printed from it "
                "until it is reviewed (--allow-overdue prints them marked overdue)"
            )
            raise PacketError(self._review_due_at(content, approval), "review_due", message)
        return approval

    def _review_due_at(self, content: Content, approval: Approval) -> SourcePos:
        """The `review_due` that has passed: the content's own, else the first overdue fragment's."""
        late = [included for included in approval.fragments if included.approval.overdue]
        if approval.own_overdue or not late:
            return self.library.source_of(content).pos(("review_due",))
        return late[0].review_due_at

    def _overdue_warning(self, approval: Approval, content: Content) -> tuple[str, ...]:
        if not approval.overdue:
            return ()
        due = approval.overdue_since.isoformat()
        where = self._review_due_at(content, approval)
        return (f"{where}: warning: review_due: overdue for review since {due}; printed marked overdue",)

    def generate(self, appointment: Appointment, content: Content) -> Generated:
        """Check, personalize, render and write one packet."""
        data, made = self.draw(appointment, content)
        write_atomic(data, made.path)
        return made

    def draw(self, appointment: Appointment, content: Content) -> tuple[bytes, Generated]:
        """Check, personalize and render one packet in memory: its bytes, and what they are (with the
        path `generate` writes them to)."""
        if self.library.figures_deferred:  # its figures, read now
            InputErrors.raise_if_any(read_deferred(content))
        approval = self.approval(content)
        layout = self.layout_for(appointment)
        department = self.department_for(appointment, content)
        fonts = load_fonts(layout.fonts, self.font_dirs)
        InputErrors.raise_if_any(check_appointment(appointment, fonts))
        packet = self._marked(personalize(content, appointment, layout, department, self.site))
        packet = dataclasses.replace(packet, record=self._record(appointment, content, layout, department))
        InputErrors.raise_if_any(check_packet(packet, fonts, self.library.source_of(content).pos()))
        rendered = render_pdf(packet, layout, fonts)
        fragments = tuple((included.id, included.version) for included in content.fragments)
        data = to_pdfa(rendered.data, packet.language, content.effective, rendered.structure, fragments)
        return data, Generated(
            appointment_id=appointment.appointment_id,
            path=target_path(self.out_dir, appointment.appointment_id),
            sha256=hashlib.sha256(data).hexdigest(),
            pages=rendered.pages,
            content_id=content.id,
            content_version=content.version,
            language=packet.language,
            layout=layout.name,
            department=department.id,
            start=packet.local_start,
            warnings=self.layout_warnings(appointment) + packet.warnings + self._overdue_warning(approval, content),
            approval=packet.approval,
            fragments=fragments,
            email=appointment.email,
            date_of_birth=appointment.date_of_birth,
        )

    def _record(
        self, appointment: Appointment, content: Content, layout: Layout, department: Department
    ) -> ResolvedPacket | None:
        """For a translation: the appointment's packet in the content's source language, whose consent prints
        after the translated one for the record (not for signature); None for content in its source language."""
        if content.translation is None:
            return None
        if content.id in self.library.unavailable_contents:
            raise self.library.unavailable_contents[content.id].refusal()
        source = self.library.contents[content.id]
        if self.library.figures_deferred:
            InputErrors.raise_if_any(read_deferred(source))
        return personalize(source, appointment, layout, department, self.site, for_record=True)

    def _marked(self, packet: ResolvedPacket) -> ResolvedPacket:
        """The packet with the run's mark first, where the run has one."""
        marks = dict(self.run_marks)
        mark = marks.get(packet.language.split("-")[0].lower(), marks.get("en"))
        return dataclasses.replace(packet, marks=(mark, *packet.marks)) if mark else packet


def make_generator(
    settings: Settings,
    out_dir: Path,
    layout_name: str | None = None,
    library: Library | None = None,
    today: date | None = None,
    allow_overdue: bool = False,
) -> Generator:
    """The generator for a run: the site's content (or `library`), its time zone and today's date there.
    The site's content is loaded file by file: a broken one makes only what it defines unavailable."""
    library = library or load_library(settings.content_root, strict=False)
    site = Site(settings.timezone, today) if today else Site.now(settings.timezone)
    library.layout(layout_name)  # an unknown name is a usage error before anything is read
    return Generator(library, out_dir, site, layout_name, settings.font_dirs, allow_overdue)


def site_today(settings: Settings) -> date:
    """Today's date at the site (whether content is overdue for review, for `validate` and `list`)."""
    return Site.now(settings.timezone).today


def make_packet(
    appointment_file: Path,
    out_dir: Path,
    layout_name: str | None = None,
    language: str | None = None,
    library: Library | None = None,
    today: date | None = None,
    settings: Settings | None = None,
    allow_overdue: bool = False,
) -> Generated:
    """Generate the packet for one YAML/JSON appointment file into `out_dir`."""
    generator = make_generator(settings or Settings(), out_dir, layout_name, library, today, allow_overdue)
    return packet_from(generator, load_file(appointment_file, str(appointment_file)), language)


def packet_from(
    generator: Generator, located: Located, language: str | None = None, provider_optional: bool = False
) -> Generated:
    """The one way from a parsed appointment record to its packet on disk: validate, match the
    content, switch language when asked, generate. The CLI's files and the web schedule's stored
    fields come through here, and the API's JSON bodies through `draw_record`, its in-memory twin."""
    return generator.generate(*_matched(generator, located, language, provider_optional))


def _matched(
    generator: Generator, located: Located, language: str | None, provider_optional: bool
) -> tuple[Appointment, Content]:
    appointment = from_located(located, generator.today, provider_optional=provider_optional)
    content = match_content(appointment, generator.library)
    if language:
        appointment = appointment.with_language(language)
        content = generator.library.in_language(content, language)
    return appointment, content


@dataclass(frozen=True)
class RecordTask:
    """One appointment record as JSON bytes (an API request's body), to be made on a given day."""

    data: bytes
    today: date
    label: str = "record"


@dataclass(frozen=True)
class RecordOutcome:
    """A record made into a packet in memory, or why not (each error picklable: it crosses processes)."""

    pdf: bytes = b""
    errors: tuple[PacketError, ...] = ()
    lines: tuple[str, ...] = ()
    """Errors that are not about one field (an unusable input), as the CLI prints them."""
    appointment_id: str | None = None
    """The packet's appointment (for the web's access audit)."""


def draw_record(task: RecordTask, generator: Generator) -> RecordOutcome:
    """A JSON record's packet, byte for byte what `generate.py packet` writes for it, without writing
    anything (a pool job: `generator` is the worker's, `task.today` the caller's date)."""
    today = dataclasses.replace(generator, site=Site(generator.site.timezone, task.today))
    try:
        located = load_bytes(task.data, task.label, strict_json=True)
        pdf, made = today.draw(*_matched(today, located, None, False))
    except InputErrors as exc:
        return RecordOutcome(errors=tuple(exc.errors))
    except PacketError as exc:
        return RecordOutcome(errors=(exc,))
    except PacketgenError as exc:
        return RecordOutcome(lines=tuple(exc.lines()))
    return RecordOutcome(pdf=pdf, appointment_id=made.appointment_id)


def check_library(library: Library, font_dirs: tuple[Path, ...] = ()) -> list[PacketError]:
    """Every content, shared fragment and department file's printed text must be drawable in every layout
    (for `validate`)."""
    errors = []
    for layout in library.layouts.values():
        fonts = load_fonts(layout.fonts, font_dirs)
        for located in [*library.sources.values(), *library.fragments.sources()]:
            errors += check_content(located, fonts, layout.name)
        for content, located in library.editions():  # the words inside each figure's drawing
            errors += label_problems(content, located, fonts, layout.name)
        for located in library.department_sources.values():
            errors += check_department(located, fonts, layout.name)
    return errors
