"""A procedure's packets for its content tests (`tests/library/test_<procedure>_content.py`): made once
for a test module, in every layout and language with every flag and in the cases the module names, and
read back once each; and the checks every procedure's packets pass (what it is and prints, identifiers
on every page, each risk once in its order, what only a flag prints, the shared fragments, a step
already past, the demo appointment). What a procedure must say stays in its own module."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from packetgen.build import Generated, make_packet
from packetgen.language.labels import LABELS
from packetgen.library import Library
from tests.helpers.pdftext import body, consent_end, consent_start, numbering, page_texts
from tests.helpers.site import ROOT, TODAY
from tests.helpers.sweeps import SLOW

LANGUAGES = ("en", "es")
"""The languages each procedure's content is written in."""
LAYOUTS = ("letter", "a4", "large-print")
_FAST = {("en", "letter"), ("es", "large-print")}
EVERY_LAYOUT = [
    pytest.param(language, layout, marks=() if (language, layout) in _FAST else SLOW)
    for language in LANGUAGES
    for layout in LAYOUTS
]
"""(language, layout) of each packet made with every flag: the cases of a test of every layout (the
edit-test loop runs English letter and Spanish large print, the longest; `make test` all of them)."""
HOSPITAL = "Riverside General Hospital"

Case = tuple[str, str]
"""(language, layout) of a packet with every flag, or (language, name) of one of a module's cases."""


@dataclass(frozen=True, kw_only=True)
class PacketWords:
    """What a procedure's packet must say in one language, for the checks every procedure's packets pass;
    a procedure's module says the rest in a subclass."""

    header: tuple[str, ...]
    """The identifiers every page carries."""
    address: str
    """The department's address, on the handout and on the consent."""
    handout: tuple[str, ...]
    """What the handout prints besides: its title, the department's phones."""
    consent: tuple[str, ...]
    """What the consent prints besides: its title."""
    risks: tuple[str, ...]
    """Every patient's risks as printed (with their frequency)."""


def sections(pdf: Path) -> tuple[str, str]:
    """(handout text, consent text), each page's body joined, without the hospital's name each draft page
    repeats under its mark (so a sentence running over a page reads whole)."""
    texts = [body(text).removeprefix(f"{HOSPITAL} ") for text in page_texts(pdf)]
    split = consent_start(pdf)
    return " ".join(texts[:split]), " ".join(texts[split : consent_end(pdf)])


def _make(library: Library, out: Path, record: Mapping[str, Any], name: str, layout: str, **changes: Any) -> Generated:
    """The packet of `record` with `changes` (a change to None leaves the field out) as appointment `name`,
    in `layout`, at the fixed clock: its record written to `out`, its PDF to `out/pdf`."""
    fields = {**record, "appointment_id": name, **changes}
    path = out / f"{name}.yaml"
    appointment = {key: value for key, value in fields.items() if value is not None}
    path.write_text(yaml.safe_dump(appointment, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return make_packet(path, out / "pdf", layout, library=library, today=TODAY)


@dataclass
class Packets:
    """A procedure's packets by `Case`, each made when a test first asks for it (the edit-test loop runs
    only some of the cases) and read back once, when a test first asks for its text."""

    record: Mapping[str, Any]
    """The appointment they were made for (before each case's changes)."""
    recipes: dict[Case, tuple[str, dict[str, Any]]]
    """Each case's layout and changes to the record."""
    library: Library
    out: Path
    _made: dict[Case, Generated] = field(default_factory=dict, repr=False)
    _texts: dict[Case, tuple[str, str]] = field(default_factory=dict, repr=False)

    def __getitem__(self, case: Case) -> Generated:
        if case not in self._made:
            layout, changes = self.recipes[case]
            self._made[case] = _make(self.library, self.out, self.record, "-".join(case), layout, **changes)
        return self._made[case]

    def texts(self, language: str, case: str) -> tuple[str, str]:
        """(handout text, consent text) of the packet of (`language`, `case`) (see `sections`)."""
        if (language, case) not in self._texts:
            self._texts[language, case] = sections(self[language, case].path)
        return self._texts[language, case]

    def text(self, language: str, case: str) -> str:
        """The handout and the consent of (`language`, `case`) as one text."""
        return " ".join(self.texts(language, case))


def make_packets(
    library: Library, out: Path, record: Mapping[str, Any], flags: Sequence[str], cases: Mapping[str, Mapping[str, Any]]
) -> Packets:
    """`record` in each language: in every layout with every flag of `flags`, by (language, layout); and in
    letter, for each of `cases` (name: changes to the record, without the flags), by (language, name)."""
    recipes: dict[Case, tuple[str, dict[str, Any]]] = {}
    for language in LANGUAGES:
        for layout in LAYOUTS:
            recipes[language, layout] = (layout, {"language": language, "flags": list(flags)})
        for name, changes in cases.items():
            recipes[language, name] = ("letter", {"language": language, **changes})
    return Packets(record, recipes, library, out)


def assert_packet_of(packets: Packets, case: Case, content_id: str, department: str, words: PacketWords) -> None:
    """The case's packet ((language, layout)) is the content's in that language and layout, from `department`,
    without a warning; its handout prints the department's address and `words.handout`, its consent the
    address and `words.consent`."""
    made = packets[case]
    language, layout = case
    assert (made.content_id, made.language, made.layout, made.department, made.warnings) == (
        content_id,
        language,
        layout,
        department,
        (),
    )
    handout, consent = packets.texts(language, layout)
    assert_prints(handout, (words.address, *words.handout))
    assert_prints(consent, (words.address, *words.consent))


def assert_prints(text: str, lines: Iterable[str]) -> None:
    """Each of `lines` stands in `text`."""
    for line in lines:
        assert line in text, line


def assert_prints_none(text: str, lines: Iterable[str]) -> None:
    """None of `lines` stands in `text`."""
    for line in lines:
        assert line not in text, line


def assert_in_order(text: str, lines: Sequence[str]) -> None:
    """Each of `lines` stands in `text`, the first of each after the first of the one before."""
    assert_prints(text, lines)
    at = [text.index(line) for line in lines]
    assert at == sorted(at), lines


def assert_each_once_in_order(text: str, lines: Sequence[str]) -> None:
    """Each of `lines` stands in `text` once, in their order."""
    for line in lines:
        assert text.count(line) == 1, line
    assert_in_order(text, lines)


def assert_only_with_flags(flagged: str, plain: str, texts: Iterable[str], *, times: int | None = None) -> None:
    """Each of `texts` stands in the flagged packet's text (`times` times, when given) and nowhere in the
    plain one's."""
    for text in texts:
        if times is None:
            assert text in flagged, text
        else:
            assert flagged.count(text) == times, text
        assert text not in plain, text


def assert_every_page_identifies(pdf: Path, language: str, header: Iterable[str]) -> None:
    """Every page carries each identifier of `header`, and its `Page N of M` in the language, counted in its
    part (handout or consent)."""
    header = tuple(header)
    page = LABELS[language].page
    for text, (number, count) in zip(page_texts(pdf), numbering(pdf), strict=True):
        for identifier in header:
            assert identifier in text, (identifier, text[:200])
        assert page.format(page=number, total=count) in text, text[-200:]


def assert_shares_fragments(library: Library, made: Generated, names: Sequence[str]) -> None:
    """The packet's content (its translation, in another language than English) includes the shared
    fragments `names`, each at version 1.0.0 in the packet's language; the manifest's `fragments` names
    them in that order, and the PDF's metadata each with its version."""
    content = library.contents[made.content_id]
    if made.language != "en":
        content = library.translations[made.content_id][made.language]
    included = {(fragment.id, fragment.version, fragment.language) for fragment in content.fragments}
    assert included == {(name, "1.0.0", made.language) for name in names}
    assert made.fragments == tuple((name, "1.0.0") for name in names)
    xmp = PdfReader(made.path).xmp_metadata
    assert xmp is not None
    metadata = xmp.stream.get_data().decode()
    for name in names:
        assert f"<rdf:li>{name} 1.0.0</rdf:li>" in metadata, name


def passed_mark(language: str) -> str:
    """The first sentence of what a timeline step whose date has passed prints ("This date has passed.")."""
    return LABELS[language].timeline_passed.split(". ")[0] + "."


def assert_one_step_passed(packets: Packets, language: str, passed: str, step: str) -> None:
    """The packet made late (case `late`) prints `passed` (the step, the line saying its date has passed,
    the next step) and says a date has passed there only; its one warning names `step` ("<content>
    timeline step <id> (<time>)"), but not the patient."""
    made = packets[language, "late"]
    handout, _ = packets.texts(language, "late")
    assert passed in handout
    assert handout.count(passed_mark(language)) == 1
    (warning,) = made.warnings
    assert f"{step} has passed when the packet is made" in warning
    assert packets.record["last_name"] not in warning  # no patient data in a warning


def demo_handout(library: Library, out: Path, name: str, made_as: tuple[str, str, str]) -> str:
    """The handout text of the demo appointment `examples/appointments/<name>`, made into `out`, after
    checking its (appointment id, content id, department) and that it made no warning."""
    made = make_packet(ROOT / "examples" / "appointments" / name, out, library=library, today=TODAY)
    assert (made.appointment_id, made.content_id, made.department, made.warnings) == (*made_as, ())
    return sections(made.path)[0]
