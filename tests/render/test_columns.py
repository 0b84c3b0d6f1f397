"""Tables and timelines never break a word across lines (issue: "Decembe / r 9" in a narrow column):
each column is at least as wide as its widest word or date, a date breaks between its words where a
column cannot hold it whole ("Wednesday, / December 9"), and a table that cannot fit becomes a list.
Read back from the PDF's structure tree: the text of every table cell is one of the packet's own texts
(a word cut between letters reads as two words, "Decembe r")."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
import yaml

from packetgen.build import make_packet
from packetgen.intake.record import from_located
from packetgen.library import Library, load_library
from packetgen.personalize import personalize
from packetgen.timing import Site
from packetgen.yamlsafe import Located
from tests.helpers.blocks import EYE_TEST, as_spanish, eye_site
from tests.helpers.site import BASE_APPOINTMENT, ROOT, TODAY, ZONE, normalize
from tests.helpers.structure import Node, struct_tree
from tests.helpers.sweeps import SLOW, sweep
from tests.helpers.timelines import spanish_timeline, timeline_library, with_timeline

LAYOUTS = ("letter", "a4", "large-print")
SHIPPED = [
    (path.name.split(".")[0], path.name.split(".")[1] if path.name.count(".") == 2 else None)
    for path in sorted((ROOT / "packets").glob("*.yaml"))
]
"""(procedure, language) of every content file the project ships: None for a procedure's own language."""

FAST = ("large-print", None)
"""The case of each shipped procedure the edit-test loop keeps: its own language, the narrowest layout."""

VERY_LARGE = """\
name: very-large-print
extends: large-print
description: US Letter, 24 pt body text
sizes:
  body: 24
  heading: 28
  title: 32
  small: 16
  leading: 1.35
"""
"""A layout in larger print than the project's: 24 pt, where a moment no longer fits its column whole."""


def _texts(value: Any, found: set[str]) -> set[str]:
    """Every text in a resolved packet, normalized as the PDF's text is."""
    if isinstance(value, str):
        found.add(normalize(value))
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            _texts(getattr(value, item.name), found)
    elif isinstance(value, tuple | list):
        for item in value:
            _texts(item, found)
    elif isinstance(value, dict):
        for item in value.values():
            _texts(item, found)
    return found


def _make(library: Library, procedure: str, language: str | None, layout: str, folder: Path) -> tuple[Path, set[str]]:
    """The packet of a made-up patient with every flag of `procedure` (on the left side, for a procedure
    done on a side) in `language` and `layout`, and the texts its packet was resolved to."""
    content = library.contents[procedure]
    record: dict[str, Any] = {**BASE_APPOINTMENT, "procedure": procedure, "flags": list(content.flags)}
    if content.laterality != "none":
        record["laterality"] = "left"
    if language is not None:
        record["language"] = language
    path = folder / "appt.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    made = make_packet(path, folder / "out", layout_name=layout, library=library, today=TODAY)
    appointment = from_located(Located(record, "test"), TODAY)
    edition = library.in_language(content, language) if language else content
    department = library.department(edition.department)
    packet = personalize(edition, appointment, library.layout(layout), department, Site(ZONE, TODAY))
    texts = _texts(packet, set())
    if edition is not content:  # a translation's packet prints the source's consent too, for the record
        _texts(personalize(content, appointment, library.layout(layout), department, Site(ZONE, TODAY)), texts)
    return made.path, texts


def broken_cells(tree: Node, texts: set[str]) -> list[str]:
    """Each paragraph of a table cell (`TH`, `TD`) whose text is none of the packet's texts."""
    return [
        normalize(part.text)
        for cell in [*tree.find("TH"), *tree.find("TD")]
        for part in cell.kids
        if isinstance(part, Node) and normalize(part.text) and normalize(part.text) not in texts
    ]


def cells(tree: Node) -> list[str]:
    return [normalize(cell.text) for cell in tree.find("TD")]


def _layouts(*layouts: str, fast: str = "large-print") -> list[Any]:
    """`layouts` as a sweep that keeps the narrowest for the edit-test loop: poppler reads a packet's
    structure in 2 to 5 s."""
    return sweep(layouts, fast=fast)


@pytest.mark.parametrize(
    ("procedure", "language", "layout"),
    [
        pytest.param(procedure, language, layout, marks=() if (layout, language) == FAST else SLOW)
        for procedure, language in SHIPPED
        for layout in LAYOUTS
    ],
)
def test_no_table_in_a_shipped_procedure_breaks_a_word(
    library: Library, tmp_path: Path, procedure: str, language: str | None, layout: str
) -> None:
    pdf, texts = _make(library, procedure, language, layout, tmp_path)
    tree = struct_tree(pdf)
    assert cells(tree)  # every procedure has a table (the consent's risks, at least)
    assert broken_cells(tree, texts) == []


NARROW = """\
          header: [Start, Eye drop, Drops each time]
          widths: [1, 8, 1]
          rows:
            - {id: drop-antibiotic, cells: ["{{ procedure_date }}", "Antibiotic drops (moxifloxacin)", "1"]}
            - {id: drop-steroid, cells: ["The day after", "Steroid drops (prednisolone acetate)", "2"]}
"""
"""A drops table whose first and last columns are far too narrow for their words and dates."""

CROWDED = """\
          header: [Start, Second date, Third date, Eye drop]
          rows:
            - id: drop-antibiotic
              cells: ["{{ procedure_date }}", "{{ procedure_date }}", "{{ procedure_date }}", "Antibiotic"]
"""
"""Four columns of dates: whole, they cannot fit beside each other in large print; between their words, they can."""

TOO_WIDE = """\
          header: [Eye drop, Second name, Third name, Fourth name, Fifth name]
          rows:
            - id: drop-antibiotic
              cells: [Moxifloxacin, Gatifloxacin, Prednisolone, Difluprednate, Hydroxypropyl]
"""
"""Five columns of long words: no widths let them fit in large print, so the table is a list."""


def _drops_table(table: str) -> str:
    """`EYE_TEST` with the drops table's columns and rows replaced by `table`."""
    start = EYE_TEST.index("          header: [Eye drop, When to start, Drops each time]")
    end = EYE_TEST.index("        - id: left-eye")
    return EYE_TEST[:start] + table + EYE_TEST[end:]


@pytest.fixture(scope="module")
def tables(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Library]:
    made = {}
    for name, table in (("narrow", NARROW), ("crowded", CROWDED), ("too-wide", TOO_WIDE)):
        content = _drops_table(table)
        root = eye_site(tmp_path_factory.mktemp(name), content, as_spanish(content))
        made[name] = load_library(root, strict=False)
        assert "eye-test" in made[name].contents, made[name].unavailable_contents
    return made


@pytest.mark.parametrize("layout", _layouts(*LAYOUTS))
@pytest.mark.parametrize("language", [None, "es"])
def test_a_column_is_as_wide_as_its_widest_word_or_date(
    tables: dict[str, Library], tmp_path: Path, layout: str, language: str | None
) -> None:
    pdf, texts = _make(tables["narrow"], "eye-test", language, layout, tmp_path)
    tree = struct_tree(pdf)
    assert broken_cells(tree, texts) == []
    date = "lunes, 7 de diciembre de 2026" if language else "Monday, December 7, 2026"
    assert date in cells(tree)  # still a table, the date in its cell


@pytest.mark.parametrize("layout", _layouts(*LAYOUTS))
def test_dates_too_wide_for_their_columns_break_between_their_words(
    tables: dict[str, Library], tmp_path: Path, layout: str
) -> None:
    pdf, texts = _make(tables["crowded"], "eye-test", None, layout, tmp_path)
    tree = struct_tree(pdf)
    assert broken_cells(tree, texts) == []
    assert cells(tree).count("Monday, December 7, 2026") >= 3


@pytest.mark.parametrize("layout", _layouts(*LAYOUTS))
def test_a_table_that_cannot_fit_is_a_list(tables: dict[str, Library], tmp_path: Path, layout: str) -> None:
    pdf, texts = _make(tables["too-wide"], "eye-test", None, layout, tmp_path)
    tree = struct_tree(pdf)
    assert broken_cells(tree, texts) == []
    items = [normalize(item.text) for item in tree.find("LBody")]
    row = "Eye drop: Moxifloxacin Second name: Gatifloxacin Third name: Prednisolone Fourth name: Difluprednate"
    if layout == "large-print":
        assert "Moxifloxacin" not in cells(tree)
        assert any(item.startswith(row) for item in items), items
    else:  # where it fits, it stays a table
        assert "Moxifloxacin" in cells(tree)


@pytest.fixture(scope="module")
def timelines(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """The timeline procedure (`tests/helpers/timelines.py`), its steps a table, with a 24 pt layout."""
    root = tmp_path_factory.mktemp("timeline")
    timeline_library(root, with_timeline("table"), spanish_timeline("table"))
    (root / "layouts" / "very-large-print.yaml").write_text(VERY_LARGE, encoding="utf-8")
    return load_library(root, strict=False)


@pytest.mark.parametrize("layout", _layouts(*LAYOUTS, "very-large-print", fast="very-large-print"))
@pytest.mark.parametrize("language", [None, "es"])
def test_a_timeline_table_never_breaks_a_word(
    timelines: Library, tmp_path: Path, layout: str, language: str | None
) -> None:
    pdf, texts = _make(timelines, "eye-test", language, layout, tmp_path)
    tree = struct_tree(pdf)
    assert broken_cells(tree, texts) == []
    moment = "domingo, 6 de diciembre, a las 6:00 p. m." if language else "Sunday, December 6, at 6:00 PM"
    assert moment in cells(tree)
