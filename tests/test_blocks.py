"""Blocks and conditions (issue 25): a section is a list of typed blocks, each printed only for the
appointments its condition holds for, in the content's order. Read back from the PDF: its text, page by
page, and its structure tree as a screen reader gets it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pikepdf
import pytest
import yaml

from packetgen.build import Generated, make_packet
from packetgen.library import Library, load_library
from tests.helpers.blocks import eye_site, long_table
from tests.helpers.pdfimage import box_around, render, words
from tests.helpers.pdftext import consent_start, page_texts, section_text
from tests.helpers.site import BASE_APPOINTMENT, TODAY, normalize
from tests.helpers.structure import Node, marked_content_problems, pdfua, struct_tree, tree_problems

Make = Callable[..., Generated]

STEPS = ["Stop wearing your contact lenses.", "Wash your face with soap and water.", "Put in the first eye drops."]
HEADER = ["Eye drop", "When to start", "Drops each time"]


@pytest.fixture(scope="module")
def eye(tmp_path_factory: pytest.TempPathFactory) -> Library:
    return load_library(eye_site(tmp_path_factory.mktemp("eye")))


@pytest.fixture
def make(tmp_path: Path, eye: Library) -> Make:
    """An eye-test packet for BASE_APPOINTMENT with overrides (a left eye unless told otherwise)."""

    def run(library: Library = eye, **overrides: Any) -> Generated:
        record = {**BASE_APPOINTMENT, "procedure": "eye-test", "laterality": "left", **overrides}
        record = {key: value for key, value in record.items() if value is not None}
        path = tmp_path / "appt.yaml"
        path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
        return make_packet(path, tmp_path / "out", library=library, today=TODAY)

    return run


def _texts(node: Node) -> list[str]:
    return [normalize(kid.text) for kid in node.kids if isinstance(kid, Node)]


def _list_of(document: Node, first_body: str) -> Node:
    """The `L` whose first item's body is `first_body`."""
    (found,) = [node for node in document.find("L") if normalize(node.find("LBody")[0].text) == normalize(first_body)]
    return found


@pytest.mark.slow
def test_every_block_type_is_printed_and_tagged_as_what_it_is(make: Make) -> None:
    made = make(flags=["anticoagulant"])
    handout, consent = section_text(made.path)
    document = struct_tree(made.path)
    part, consent_part = (kid for kid in document.kids if isinstance(kid, Node))
    # paragraph: a P of its own
    assert "Read this page a week before the procedure." in [normalize(p.text) for p in part.find("P")]
    # steps: an ordered list, each item's label its number
    steps = _list_of(part, STEPS[0])
    assert "/ListNumbering /Decimal" in steps.attributes
    assert [[_texts(li)[0] for li in steps.find("LI")], [_texts(li)[1] for li in steps.find("LI")]] == [
        ["1.", "2.", "3."],
        STEPS,
    ]
    assert "Do these in order: 1. Stop wearing your contact lenses. 2. Wash your face" in handout
    # subheading and a callout's heading: a level below the section's H2
    assert [normalize(h.text) for h in part.find("H3")] == [
        "Your eye drops",
        "You take a medicine that thins your blood",
    ]
    # table: TH (scope Column) then a TR of TDs per row shown
    (table,) = part.find("Table")
    rows = table.find("TR")
    assert [[c.role for c in row.kids if isinstance(c, Node)] for row in rows] == [["TH"] * 3] + [["TD"] * 3] * 2
    assert _texts(rows[0]) == HEADER
    assert all("/Scope /Column" in th.attributes for th in rows[0].find("TH"))
    assert _texts(rows[1]) == ["Antibiotic drops", "Three days before", "1"]
    # bullets and a callout's items: unordered lists
    assert "/ListNumbering /Decimal" not in _list_of(part, "Ask us before you stop your blood thinner.").attributes
    # choice: the question, what to tick, a box per option and the Other line
    assert "The lens I choose is: Check one. ☐ A standard lens ☐ A toric lens for astigmatism ☐ Other: ____" in consent
    assert "I agree to: Check all that apply. ☐ Numbing eye drops ☐ Medicine to help me relax" in consent
    lens = _list_of(consent_part, "A standard lens")
    assert [_texts(li)[0] for li in lens.find("LI")] == ["☐"] * 3
    assert normalize(lens.find("LBody")[-1].text).startswith("Other: ____")
    # initialled: the statement beside its box, read as a paragraph and the box's caption
    assert "I understand that a toric lens may cost more. Initials" in consent
    assert "I understand that a toric lens may cost more." in [normalize(p.text) for p in consent_part.find("P")]
    # the content's own headings, where labels were
    assert "Your new lens" in [normalize(h.text) for h in consent_part.find("H2")]
    # the initialled statement's box: beside the statement, round its "Initials" caption, room to write
    page = consent_start(made.path) + 1
    on_page = words(made.path, page)
    statement = next(w for w in on_page if w.text == "understand")
    caption = next(w for w in on_page if w.text == "Initials" and abs(w.y0 - statement.y0) < 20)
    box = box_around(render(made.path, page), int(caption.x1) + 8, int(caption.y1) + 3, reach=100)
    assert box is not None
    left, top, right, bottom = box
    assert left < caption.x0 < caption.x1 < right
    assert right - left >= 60
    assert top < statement.y0 < statement.y1 < bottom


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["letter", "large-print"])
def test_pdfua_and_our_walk_find_nothing_in_a_packet_of_every_block(tmp_path: Path, make: Make, layout: str) -> None:
    library = load_library(eye_site(tmp_path / "site", long_table(30)))
    path = make(library, flags=["diabetes", "anticoagulant"], layout=layout).path
    assert pdfua(path) == []
    with pikepdf.open(path) as pdf:
        assert marked_content_problems(pdf) == []
        assert tree_problems(pdf) == []


@pytest.mark.slow
def test_a_long_table_repeats_its_header_on_the_next_page_and_is_read_once(tmp_path: Path, make: Make) -> None:
    library = load_library(eye_site(tmp_path / "site", long_table(45)))
    made = make(library)
    texts = page_texts(made.path)
    header = " ".join(HEADER)
    with_header = [n for n, text in enumerate(texts) if header in text]
    assert len(with_header) >= 2, with_header  # drawn again at the top of each next page
    (table,) = [t for t in struct_tree(made.path).find("Table") if _texts(t.find("TR")[0]) == HEADER]
    rows = table.find("TR")
    assert len(rows) == 1 + 45  # the header row once: its repetition is an artifact
    assert len(table.find("TH")) == 3
    # At least two rows under the header on each page.
    for number in with_header:
        after = texts[number].split(header, 1)[1]
        assert after.count("Drop number") >= 2, number


@pytest.mark.parametrize(
    ("flags", "shown", "hidden"),
    [
        (  # flag: the callout only with its flag; not_flag: breakfast only without diabetes
            [],
            ["Eat a light breakfast."],
            [
                "You take a medicine that thins your blood",
                "We will call you two days before",
                "A nurse will call you",
                "Check your blood sugar",
                "Sugar-free tears",
            ],
        ),
        (
            ["anticoagulant"],
            ["You take a medicine that thins your blood", "Eat a light breakfast.", "We will call you two days before"],
            ["A nurse will call you", "Check your blood sugar"],
        ),
        (  # any: one of the two flags is enough; all: not without both
            ["diabetes"],
            ["We will call you two days before", "Check your blood sugar", "Sugar-free tears"],
            ["Eat a light breakfast.", "A nurse will call you", "You take a medicine that thins your blood"],
        ),
        (
            ["diabetes", "anticoagulant"],
            ["A nurse will call you about your insulin and your blood thinner.", "We will call you two days before"],
            ["Eat a light breakfast."],
        ),
    ],
)
def test_each_condition_shows_its_block_only_where_it_holds(
    make: Make, flags: list[str], shown: list[str], hidden: list[str]
) -> None:
    handout, _ = section_text(make(flags=flags).path)
    for text in shown:
        assert text in handout, text
    for text in hidden:
        assert text not in handout, text


@pytest.mark.parametrize(("side", "printed"), [("left", True), ("right", False), ("bilateral", False)])
def test_a_field_condition_on_the_side(make: Make, side: str, printed: bool) -> None:
    handout, _ = section_text(make(laterality=side).path)
    assert ("A shield will cover your left eye." in handout) is printed


def test_a_section_whose_condition_fails_is_left_out_heading_and_all(make: Make) -> None:
    english, _ = section_text(make().path)
    assert "Interpreters" not in english
    vietnamese, _ = section_text(make(language="vi").path)  # `{field: language, is_not: en}`
    assert "Interpreters An interpreter will meet you at the front desk." in vietnamese
    # A consent section none of whose items print: no heading either.
    _, consent = section_text(make().path)
    assert "Because you take a blood thinner" not in consent
    _, flagged = section_text(make(flags=["anticoagulant"]).path)
    assert "Because you take a blood thinner • I know my blood thinner can make bleeding more likely." in flagged


def test_the_contents_order_whatever_the_records(make: Make) -> None:
    one = make(flags=["diabetes", "anticoagulant"])
    first = page_texts(one.path)
    other = make(flags=["anticoagulant", "diabetes"])
    assert page_texts(other.path) == first
    handout = " ".join(first)
    order = ["Sugar-free tears", "We will call you two days before", "A nurse will call you", "You take a medicine"]
    assert [handout.index(text) for text in order] == sorted(handout.index(text) for text in order)


def test_each_risk_prints_its_frequency_in_the_packets_language(make: Make) -> None:
    handout, consent = section_text(make().path)
    for line in (
        "Infection (rare)",
        "Raised eye pressure (uncommon, about 1 in 50)",
        "Loss of vision (about 1 in 1,000)",
    ):
        assert f"• {line}" in handout
        assert line in consent
    assert "Bleeding behind the eye" not in handout + consent


@pytest.mark.slow
def test_a_conditional_risk_is_on_both_documents_with_its_initials_box(make: Make) -> None:
    (plain_risks,) = [t for t in struct_tree(make().path).find("Table") if len(t.find("TH")) == 2]
    assert len(plain_risks.find("TR")) == 1 + 3
    made = make(flags=["anticoagulant"])
    handout, consent = section_text(made.path)
    assert "• Bleeding behind the eye (very rare)" in handout
    assert "Loss of vision (about 1 in 1,000) Bleeding behind the eye (very rare)" in consent
    tables = [
        t
        for t in struct_tree(made.path).find("Table")
        if _texts(t.find("TR")[0]) == ["Risks and complications", "Initials"]
    ]
    (risks,) = tables
    rows = risks.find("TR")
    assert len(rows) == 1 + 4  # one more than without the flag
    assert _texts(rows[-1])[0] == "Bleeding behind the eye (very rare)"
    assert [c.role for c in rows[-1].kids if isinstance(c, Node)] == ["TD", "TD"]  # the text, and its box
    # Its box is drawn on its row, in the initials column, empty: a dark line on each side of its middle.
    first = consent_start(made.path) + 1
    found = [
        (page, word)
        for page in range(first, len(page_texts(made.path)) + 1)
        for word in words(made.path, page)
        if word.text == "Bleeding" and word.x0 < 100
    ]
    (page, word), initials_x = found[0], max(w.x0 for w in words(made.path, first) if w.text == "Initials")
    box = box_around(render(made.path, page), int(initials_x) + 10, int((word.y0 + word.y1) / 2), reach=120)
    assert box is not None
    left, top, right, bottom = box
    assert left < initials_x < right
    assert top < word.y0 < word.y1 < bottom


def test_spanish_frequency_words_come_from_the_packets_language(generate: Make) -> None:
    handout, consent = section_text(generate(language="es").path)
    assert "Muerte (ocurre muy rara vez)" in handout
    assert "Muerte (ocurre muy rara vez)" in consent
    assert "Fuga de cemento, que requiere cirugía para quitarlo (ocurre muy rara vez)" in handout


@pytest.mark.parametrize(
    ("condition", "holds"),
    [
        ({"flag": "sedation"}, True),
        ({"not_flag": "sedation"}, False),
        ({"field": "department", "is": "cardiology"}, True),
        ({"field": "department", "is_not": ["cardiology", "radiology"]}, False),
        ({"field": "language", "is": "es"}, True),  # the patient's es-MX: a more specific tag matches
        ({"field": "language", "is": "ES-mx"}, True),
        ({"field": "language", "is": "en"}, False),
        ({"field": "laterality", "is": "left"}, False),  # no side given
        ({"field": "laterality", "is_not": "left"}, True),
        ({"any": [{"flag": "diabetes"}, {"field": "language", "is": "es"}]}, True),
        ({"all": [{"flag": "sedation"}, {"any": [{"flag": "diabetes"}, {"not_flag": "diabetes"}]}]}, True),
        ({"all": [{"flag": "sedation"}, {"flag": "diabetes"}]}, False),
    ],
)
def test_what_each_condition_is_decided_on(condition: dict[str, Any], holds: bool) -> None:
    from pydantic import TypeAdapter

    from packetgen.models.conditions import Condition, Facts

    facts = Facts(flags=frozenset({"sedation"}), laterality=None, department="cardiology", language="es-MX")
    parsed = TypeAdapter(Condition).validate_python(condition)
    assert parsed.holds(facts) is holds
