"""Timelines (issue 25): steps printed at the patient's real dates and times, as a list or a table, in
the packet's language; a step already past when the packet is made says so at that step, with the
department's phone, and is a warning (stderr and the manifest). Read back from the PDF: its text and
its structure tree."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from packetgen.batch.run import BatchOptions, run_batch
from packetgen.build import Generated, make_packet
from packetgen.cli import main
from packetgen.library import Library
from packetgen.settings import Settings
from packetgen.timing import Site
from tests.helpers.batchdata import HEADER, manifest, row
from tests.helpers.blocks import eye_site
from tests.helpers.pdftext import page_texts, section_text
from tests.helpers.site import BASE_APPOINTMENT, TODAY, ZONE, normalize
from tests.helpers.structure import Node, struct_tree
from tests.helpers.timelines import STEPS, spanish_timeline, timeline_library, with_timeline

Make = Callable[..., Generated]

PASSED = "This date has passed. Call Riverside General Hospital at (217) 555-0142 before you go on."
# The appointment (BASE_APPOINTMENT): Monday, December 7, 2026 at 7:30 AM, arrival 30 minutes before.
MOMENTS = [
    "Monday, November 30",  # week_before: 7 days before, shown as a date
    "Sunday, December 6, at 6:00 PM",  # prep_evening: 18:00 the day before
    "Monday, December 7, at 2:30 AM",  # second_half: 5 hours before the start
    "5:30 AM",  # nothing_by_mouth: 120 minutes before, on the day: its time alone
    "7:00 AM",  # check_in: the arrival
]


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Library]:
    """The eye-test procedure with a list timeline, and with a table timeline (and their Spanish)."""
    return {
        style: timeline_library(tmp_path_factory.mktemp(style), with_timeline(style), spanish_timeline(style))
        for style in ("list", "table")
    }


@pytest.fixture
def make(tmp_path: Path, sites: dict[str, Library]) -> Make:
    """A packet of the timeline procedure for BASE_APPOINTMENT with overrides, made on `today`."""

    def run(style: str = "list", today: date = TODAY, **overrides: Any) -> Generated:
        record = {**BASE_APPOINTMENT, "procedure": "eye-test", "laterality": "left", **overrides}
        path = tmp_path / "appt.yaml"
        path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
        return make_packet(path, tmp_path / "out", library=sites[style], today=today)

    return run


def _texts(node: Node) -> list[str]:
    return [normalize(kid.text) for kid in node.kids if isinstance(kid, Node)]


def test_a_list_timeline_prints_each_step_at_its_real_moment(make: Make) -> None:
    made = make(flags=["diabetes"])
    handout, _ = section_text(made.path)
    expected = " ".join(f"{when} {text}" for when, (_, _, text) in zip(MOMENTS, STEPS, strict=True))
    assert f"Follow these steps: {expected}" in handout
    assert "has passed" not in handout
    assert made.warnings == ()
    # A list: an `L`, each step an `LI` whose body is its moment, then what to do.
    (timeline,) = [node for node in struct_tree(made.path).find("L") if "November 30" in node.text]
    bodies = [normalize(body.text) for body in timeline.find("LBody")]
    assert bodies == [f"{when} {text}" for when, (_, _, text) in zip(MOMENTS, STEPS, strict=True)]


def test_a_step_prints_only_where_its_condition_holds(make: Make) -> None:
    handout, _ = section_text(make(flags=[]).path)
    assert "Drink the second half of the prep." not in handout
    assert "Drink the first half of the prep. Stop drinking." not in handout  # the moment stays with its step
    assert "Drink the first half of the prep. 5:30 AM Stop drinking." in handout


def test_a_table_timeline_has_when_and_what_to_do_columns_tagged_as_a_table(make: Make) -> None:
    made = make("table", flags=["diabetes"])
    handout, _ = section_text(made.path)
    assert "Follow these steps: When What to do Monday, November 30 Stop taking iron pills" in handout
    (table,) = [t for t in struct_tree(made.path).find("Table") if _texts(t.find("TR")[0]) == ["When", "What to do"]]
    rows = table.find("TR")
    assert [[kid.role for kid in r.kids if isinstance(kid, Node)] for r in rows] == [["TH"] * 2] + [["TD"] * 2] * 5
    assert all("/Scope /Column" in th.attributes for th in rows[0].find("TH"))
    assert [_texts(r) for r in rows[1:]] == [[when, text] for when, (_, _, text) in zip(MOMENTS, STEPS, strict=True)]


@pytest.mark.parametrize("style", ["list", "table"])
def test_a_step_already_past_says_so_there_and_warns(make: Make, style: str) -> None:
    made = make(style, today=date(2026, 12, 5), flags=["diabetes"])  # the week before was November 30
    handout, _ = section_text(made.path)
    assert f"Monday, November 30 Stop taking iron pills and fiber supplements. {PASSED} Sunday, December 6" in handout
    assert handout.count("has passed") == 1  # the steps still ahead say nothing
    (warning,) = made.warnings
    assert warning.endswith(
        "warning: start: eye-test timeline step step-iron (week_before) has passed when the packet is made; "
        "the packet says so there and asks the patient to call the department"
    )
    assert "November" not in warning  # no date of the patient's in a warning


def test_a_moment_shown_as_a_date_has_passed_only_when_its_day_is_over(make: Make) -> None:
    made = make(today=date(2026, 11, 30))  # the day of `week_before`: still time to do it
    assert made.warnings == ()
    # On the day of the procedure, the evening before (a datetime) has passed; the start's own day has not.
    made = make(today=date(2026, 12, 7), start="2026-12-07T23:30")
    passed = [w.split("timeline step ")[1].split(" has passed")[0] for w in made.warnings if "timeline step" in w]
    assert passed == ["step-iron (week_before)", "step-first (prep_evening)"]


def test_a_past_time_printed_in_a_sentence_is_only_a_warning(tmp_path: Path) -> None:
    content = with_timeline().replace(
        "Read this page a week before the procedure.", "Read this page by {{ week_before }}.", 1
    )
    library = timeline_library(tmp_path / "site", content)
    record = tmp_path / "appt.yaml"
    record.write_text(yaml.safe_dump({**BASE_APPOINTMENT, "procedure": "eye-test", "laterality": "left"}))
    made = make_packet(record, tmp_path / "out", library=library, today=date(2026, 12, 5))
    assert [w.split(": eye-test ")[1] for w in made.warnings] == [
        "timeline step step-iron (week_before) has passed when the packet is made; the packet says so there "
        "and asks the patient to call the department",
        "prints the time 'week_before', which has passed when the packet is made",
    ]
    handout, _ = section_text(made.path)
    assert "Read this page by Monday, November 30." in handout  # printed as it is: the step says the rest


def test_the_manifest_line_carries_the_past_steps_warning(tmp_path: Path, sites: dict[str, Library]) -> None:
    source = tmp_path / "day.csv"
    later = row("T-2", procedure="eye-test", start="2026-12-21T07:30")
    source.write_text(f"{HEADER}\n{row('T-1', procedure='eye-test')}\n{later}\n")
    options = BatchOptions(source, tmp_path / "out", workers=1, today=date(2026, 12, 5))
    run_batch(options, [].append, library=sites["list"], settings=Settings())
    entries = {entry["appointment_id"]: entry for entry in manifest(tmp_path / "out")}
    assert entries["T-1"]["status"] == "ok"
    assert [w for w in entries["T-1"]["warnings"] if "timeline step" in w] == [
        f"{source}:2: warning: start: eye-test timeline step step-iron (week_before) has passed when the packet "
        "is made; the packet says so there and asks the patient to call the department"
    ]
    assert not [w for w in entries["T-2"]["warnings"] if "timeline step" in w]  # two weeks ahead
    assert PASSED in normalize(" ".join(page_texts(tmp_path / "out" / "T-1.pdf")))


def test_the_cli_tells_of_a_past_step_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The real clock: an appointment three days from now, whose week-before step has passed."""
    root = eye_site(tmp_path / "site", with_timeline())
    start = Site.now(ZONE).today + timedelta(days=3)
    record = tmp_path / "appt.yaml"
    values = {**BASE_APPOINTMENT, "procedure": "eye-test", "laterality": "left", "start": f"{start}T07:30"}
    record.write_text(yaml.safe_dump(values, allow_unicode=True), encoding="utf-8")
    assert main(["packet", str(record), "--out", str(tmp_path / "out")], {"PACKETGEN_CONTENT_ROOT": str(root)}) == 0
    err = capsys.readouterr().err
    assert "eye-test timeline step step-iron (week_before) has passed when the packet is made" in err
    assert "step-first" not in err
    handout = normalize(" ".join(page_texts(tmp_path / "out" / "T-0001.pdf")))
    assert f"Stop taking iron pills and fiber supplements. {PASSED}" in handout


@pytest.mark.parametrize("style", ["list", "table"])
def test_a_spanish_timeline_says_its_moments_in_spanish(make: Make, style: str) -> None:
    # 6:00 AM: the second half at 1:00 AM ("a la 1:00"), the evening before at 6:00 PM ("a las 6:00").
    made = make(style, today=date(2026, 12, 5), language="es", start="2026-12-07T06:00", flags=["diabetes"])
    handout, _ = section_text(made.path)
    header = "Cuándo Qué hacer " if style == "table" else ""
    steps = [  # the steps may run over a page: each is looked for on its own
        f"{header}lunes, 30 de noviembre Deje de tomar pastillas de hierro y suplementos de fibra. Esta fecha ya pasó. "
        "Llame a Riverside General Hospital al (217) 555-0142 antes de seguir.",
        "domingo, 6 de diciembre, a las 6:00 p. m. Tome la primera mitad de la preparación.",
        "lunes, 7 de diciembre, a la 1:00 a. m. Tome la segunda mitad de la preparación.",
        "4:00 a. m. Deje de beber. 5:30 a. m. Regístrese en la recepción.",
    ]
    assert [step for step in steps if step not in handout] == []


def test_the_spanish_visit_line_says_a_la_1(make: Make) -> None:
    """ "a las 1:00" was printed wherever a time of the hour one followed "a las"."""
    handout, _ = section_text(make(language="es", start="2026-12-07T13:30").path)
    assert "Hora: 1:30 p. m.; llegue a más tardar a la 1:00 p. m." in handout
    handout, _ = section_text(make(language="es", start="2026-12-07T11:30").path)
    assert "llegue a más tardar a las 11:00 a. m." in handout


@pytest.mark.slow
def test_a_long_table_timeline_repeats_its_header_on_the_next_page(tmp_path: Path) -> None:
    times = ("week_before", "prep_evening")
    steps = [(f"step-{n}", times[n % 2], f"Step number {n} of the long list.") for n in range(60)]
    library = timeline_library(tmp_path / "site", with_timeline("table", steps))
    record = tmp_path / "appt.yaml"
    record.write_text(yaml.safe_dump({**BASE_APPOINTMENT, "procedure": "eye-test", "laterality": "left"}))
    made = make_packet(record, tmp_path / "out", library=library, today=TODAY)
    texts = page_texts(made.path)
    with_header = [n for n, text in enumerate(texts) if "When What to do" in text]
    assert len(with_header) >= 2, with_header
    (table,) = [t for t in struct_tree(made.path).find("Table") if _texts(t.find("TR")[0]) == ["When", "What to do"]]
    assert len(table.find("TR")) == 1 + 60  # the header once: its repetition is an artifact
    for number in with_header:  # at least two steps under the header on each page
        assert texts[number].split("When What to do", 1)[1].count("Step number") >= 2, number
