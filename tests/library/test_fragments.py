"""Shared fragments (issue 25): a fragment file written, versioned, translated and reviewed once, and
included by id and version among a section's blocks, in the risks and as the consent's attestations.
Read back from the loaded content, from the PDF's text, and from `validate`'s report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from packetgen.build import Generated, make_packet
from packetgen.cli import main
from packetgen.errors import InputErrors, PacketError
from packetgen.library import load_library
from packetgen.library.approval import approval_of
from packetgen.models.conditions import AllOf, Facts, FlagIs
from tests.helpers.fragments import CONTENT, FRAGMENTS, PLAIN, SPANISH, fragment_site, spanish_fragment
from tests.helpers.pdftext import consent_start, page_texts
from tests.helpers.site import BASE_APPOINTMENT, ROOT, TODAY

FILE = "packets/knee-test.yaml"


def _line(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def _errors(root: Path) -> list[str]:
    with pytest.raises(InputErrors) as info:
        load_library(root)
    return info.value.lines()


def _make(root: Path, tmp_path: Path, **overrides: Any) -> Generated:
    record = {**BASE_APPOINTMENT, "procedure": "knee-test", **overrides}
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "appt.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    return make_packet(path, tmp_path / "out", library=load_library(root, strict=False), today=TODAY)


def test_a_loaded_content_holds_each_fragments_parts_where_it_is_included(tmp_path: Path) -> None:
    library = load_library(fragment_site(tmp_path, spanish=True))
    content = library.contents["knee-test"]
    (about,) = content.handout.sections
    assert [block.id for block in about.blocks] == ["about-text", "tips-heading", "tips-list"]
    # The include's condition holds for everything it brings.
    assert [block.when for block in about.blocks[1:]] == [FlagIs(flag="sedation")] * 2
    assert [risk.id for risk in content.risks] == ["risk-bleeding", "risk-breathing", "risk-pain"]
    (sleep,) = content.consent.after_risks
    (listed,) = sleep.blocks
    assert [item.id for item in listed.items] == ["sleep-agree", "sleep-flag"]  # type: ignore[union-attr]
    assert content.consent.attested is not None
    assert content.consent.attested.provider.text == "I explained the Wombat procedure."
    assert [(f.id, f.version, f.language, f.path) for f in content.fragments] == [
        ("sleepy-tips", "1.0.0", "en", "packets/fragments/sleepy-tips.yaml"),
        ("sleepy-consent", "1.0.0", "en", "packets/fragments/sleepy-consent.yaml"),
        ("sleepy-risks", "2.1.0", "en", "packets/fragments/sleepy-risks.yaml"),
        ("test-attestations", "1.0.0", "en", "packets/fragments/test-attestations.yaml"),
    ]
    # The content's own items awaiting review only: each fragment's are its own.
    assert content.pending_reviews == 0
    spanish = library.translations["knee-test"]["es"]
    assert spanish.fragments[0].path == "packets/fragments/sleepy-tips.es.yaml"
    assert spanish.every_risk[1].text == "ES-Trouble breathing called Quokka"


def test_a_condition_on_an_include_joins_each_parts_own(tmp_path: Path) -> None:
    text = _replace(
        CONTENT,
        '{fragment: sleepy-risks, version: "2.1.0"}',
        '{fragment: sleepy-risks, version: "2.1.0", when: {flag: sedation}}',
    )
    risky = load_library(fragment_site(tmp_path / "one", content=text)).contents["knee-test"]
    assert risky.every_risk[1].when == FlagIs(flag="sedation")  # the include's, on a risk with none of its own
    own = _replace(FRAGMENTS["sleepy-risks"], "review: pending}", "review: pending, when: {not_flag: sedation}}")
    site = fragment_site(tmp_path / "two", content=text, fragments={"sleepy-risks": own})
    condition = load_library(site).contents["knee-test"].every_risk[1].when
    assert isinstance(condition, AllOf)  # both: the include's and its own
    assert [c.model_dump() for c in condition.all_] == [{"flag": "sedation"}, {"not_flag": "sedation"}]
    assert not condition.holds(_facts({"sedation"}))
    assert not condition.holds(_facts(set()))


def _facts(flags: set[str]) -> Facts:
    return Facts(frozenset(flags), None, "interventional-radiology", "en")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_packet_prints_each_fragment_where_it_is_included(tmp_path: Path, language: str) -> None:
    root = fragment_site(tmp_path / "site", spanish=True)
    mark = "ES-" if language == "es" else ""
    made = _make(root, tmp_path, flags=["sedation"], language=language)
    texts = page_texts(made.path)
    start = consent_start(made.path)
    handout, consent = " ".join(texts[:start]), " ".join(texts[start:])
    assert f"{mark}Bring a driver called Zanzibar." in handout
    # Every risk on the handout and, with its initials box, on the consent, in the content's order.
    for part in (handout, consent):
        assert part.index("Bleeding") < part.index(f"{mark}Trouble breathing called Quokka") < part.index("Pain")
    assert f"{mark}I agree to the sleepy Marmalade medicine." in consent
    assert f"{mark}I was told about Pomegranate sedation." in consent
    assert f"{mark}I explained the Wombat procedure." in consent
    assert f"{mark}I heard the Wombat call." in consent
    assert made.fragments == (
        ("sleepy-tips", "1.0.0"),
        ("sleepy-consent", "1.0.0"),
        ("sleepy-risks", "2.1.0"),
        ("test-attestations", "1.0.0"),
    )
    # Without the flag, the include's condition leaves out all it brings; the fragment's own condition its item.
    without = " ".join(page_texts(_make(root, tmp_path / "none", language=language).path))
    assert "Zanzibar" not in without
    assert "Sleepy tips" not in without
    assert "Pomegranate" not in without
    assert "Marmalade" in without


def test_the_project_procedures_include_the_shared_fragments_word_for_word() -> None:
    library = load_library(ROOT, strict=False)
    for content in library.editions_of("vertebroplasty"):
        used = {f.id: f.version for f in content.fragments}
        assert used == {
            "sedation-consent": "1.0.0",
            "patient-rights": "1.0.0",
            "sedation-risks": "1.0.0",
            "consent-attestations": "1.0.0",
        }
        assert all(f.language == content.language for f in content.fragments)
        ids = [item.id for block in content.consent.after_risks[1].blocks for item in block.items]  # type: ignore[union-attr]
        assert ids == ["consent-local", "consent-iv-sedation", "consent-ride-home", "consent-sedation"]
        assert "risk-sedation-reaction" in [risk.id for risk in content.every_risk]
    english = library.contents["vertebroplasty"]
    assert english.consent.attested is not None
    assert english.consent.attested.witness.text == (
        "I saw the patient or the patient's representative sign this form. I am a witness to the signature only."
    )
    for fragment_id in ("sedation-consent", "consent-attestations", "patient-rights"):
        for language in ("en", "es"):
            fragment, _located = library.fragments.editions[(fragment_id, language)]
            assert fragment.pending_reviews > 0  # new shared text: awaiting review, once, there


def _replace(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def test_a_version_the_fragment_file_does_not_have_makes_the_procedure_unavailable(tmp_path: Path) -> None:
    text = _replace(CONTENT, 'fragment: sleepy-tips, version: "1.0.0"', 'fragment: sleepy-tips, version: "1.1.0"')
    root = fragment_site(tmp_path, content=text)
    (root / "packets" / "plain-test.yaml").write_text(PLAIN, encoding="utf-8")
    line = _line(text, 'version: "1.1.0"')
    expected = (
        f"{FILE}:{line}: handout.sections[0].blocks[1].version: this includes version "
        "1.1.0 of fragment sleepy-tips, but packets/fragments/sleepy-tips.yaml is version 1.0.0: read what changed, "
        "then change the version here"
    )
    assert _errors(root) == [expected]
    library = load_library(root, strict=False)
    assert "knee-test" in library.unavailable_contents
    with pytest.raises(InputErrors) as info:
        library.find_procedure("knee-test")
    assert info.value.lines() == [expected]


def test_a_missing_translation_names_the_file_and_line_of_the_include(tmp_path: Path) -> None:
    root = fragment_site(tmp_path, spanish=True)
    (root / "packets" / "fragments" / "sleepy-risks.es.yaml").unlink()
    line = _line(SPANISH, "{fragment: sleepy-risks")
    assert _errors(root) == [
        f"packets/knee-test.es.yaml:{line}: risks[1].fragment: no es translation of fragment sleepy-risks (expected "
        "packets/fragments/sleepy-risks.es.yaml); it is in: en"
    ]
    library = load_library(root, strict=False)
    english = library.contents["knee-test"]  # English is whole
    assert set(library.unavailable_translations["knee-test"]) == {"es"}
    with pytest.raises(InputErrors):
        library.in_language(english, "es-MX")


def test_a_broken_fragment_takes_down_only_what_includes_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = _replace(FRAGMENTS["sleepy-consent"], "owner: Packet tests\n", "owner: Packet tests\ncolour: blue\n")
    root = fragment_site(tmp_path, fragments={"sleepy-consent": broken})
    (root / "packets" / "plain-test.yaml").write_text(PLAIN, encoding="utf-8")
    library = load_library(root, strict=False)
    assert list(library.contents) == ["plain-test"]  # it includes other fragments, not the broken one
    unavailable = library.unavailable_contents["knee-test"]
    lines = unavailable.refusal().lines()
    at = _line(CONTENT, "fragment: sleepy-consent")
    assert lines == [
        "packets/fragments/sleepy-consent.yaml:8: colour: unknown field; expected one of: approved_by, approved_on, "
        "attestations, blocks, effective, id, language, owner, review_due, risks, title, translation, version",
        f"{FILE}:{at}: consent.after_risks[0].blocks[0].fragment: fragment sleepy-consent (en) is unavailable: "
        "packets/fragments/sleepy-consent.yaml has errors; run generate.py validate",
    ]
    warnings = library.warnings()
    assert (
        "packets/fragments/sleepy-consent.yaml:8: warning: procedure knee-test unavailable: 1 error in this file; run "
        "generate.py validate to see them"
    ) in warnings
    assert main(["list"], {"PACKETGEN_CONTENT_ROOT": str(root)}) == 0
    out = capsys.readouterr().out
    assert (
        "knee-test          UNAVAILABLE (packets/knee-test.yaml: 1 error; packets/fragments/sleepy-consent.yaml: "
        in out
    )
    assert (
        "  sleepy-consent             languages: none\n    en: UNAVAILABLE (packets/fragments/sleepy-consent.yaml"
        in out
    )
    assert "  sleepy-risks               Test fragment sleepy-risks | version 2.1.0 | languages: en\n" in out


def test_a_broken_translation_of_a_fragment_takes_down_only_that_language(tmp_path: Path) -> None:
    root = fragment_site(tmp_path, spanish=True)
    path = root / "packets" / "fragments" / "test-attestations.es.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace('source_version: "1.0.0"', 'source_version: "0.9.0"'))
    library = load_library(root, strict=False)
    assert "knee-test" in library.contents
    lines = library.unavailable_translations["knee-test"]["es"].refusal().lines()
    assert lines[0] == (
        "packets/fragments/test-attestations.es.yaml:7: translation.source_version: translates version 0.9.0, but "
        "the en fragment is now version 1.0.0: update the translation, then its source_version"
    )
    assert lines[1].startswith(f"packets/knee-test.es.yaml:{_line(SPANISH, 'attestations: {')}: consent.attestations.")


MISTAKES: list[tuple[str, str, dict[str, str | None], str, str]] = [
    (  # an id no fragment file has: the known ones listed
        "fragment: sleepy-tips,",
        "fragment: sleepy-tipz,",
        {},
        "fragment: sleepy-tipz",
        "handout.sections[0].blocks[1].fragment: unknown fragment; expected one of: sleepy-consent, sleepy-risks, "
        "sleepy-tips, test-attestations",
    ),
    (  # a fragment holding no risks, where risks are included
        '{fragment: sleepy-risks, version: "2.1.0"}',
        '{fragment: sleepy-tips, version: "1.0.0"}',
        {},
        "  - {fragment: sleepy-tips",
        "risks[1].fragment: fragment sleepy-tips (packets/fragments/sleepy-tips.yaml) has no risks to include here",
    ),
    (  # a flag the fragment's condition names, which the content does not declare
        "flags:\n  sedation:\n    label: You will be given medicine to help you relax\n",
        "",
        {},
        "fragment: sleepy-consent",
        "consent.after_risks[0].blocks[0].fragment: fragment sleepy-consent names the flag 'sedation' "
        "(packets/fragments/sleepy-consent.yaml:13); this content declares: none (declare it under flags:)",
    ),
    (  # an id the fragment brings, which the content has too
        "{id: about-text, type: paragraph,",
        "{id: tip-ride, type: paragraph,",
        {},
        "fragment: sleepy-tips",
        "handout.sections[0].blocks[1].fragment: fragment sleepy-tips brings the id 'tip-ride' "
        "(packets/fragments/sleepy-tips.yaml:13), which line 26 of this file has already: rename one of them",
    ),
    (  # a statement to initial, in a handout
        "",
        "",
        {"sleepy-tips": FRAGMENTS["sleepy-tips"].replace("type: subheading,", "type: initialled,")},
        "fragment: sleepy-tips",
        "handout.sections[0].blocks[1].fragment: fragment sleepy-tips has a initialled block "
        "(packets/fragments/sleepy-tips.yaml:9), which only a consent section may hold",
    ),
    (  # {{ site }} in a fragment, included by a content without levels
        "",
        "",
        {
            "sleepy-tips": FRAGMENTS["sleepy-tips"].replace(
                "text: Bring a driver called Zanzibar.", 'text: "{{ site }}"'
            )
        },
        "fragment: sleepy-tips",
        "handout.sections[0].blocks[1].fragment: fragment sleepy-tips (packets/fragments/sleepy-tips.yaml:13): "
        "{{ site }} needs `levels: true`: this content declares no levels or site text",
    ),
    (  # a condition on the side in a fragment, included by a procedure done on no side
        "",
        "",
        {"sleepy-consent": FRAGMENTS["sleepy-consent"].replace("{flag: sedation}", "{field: laterality, is: left}")},
        "fragment: sleepy-consent",
        "consent.after_risks[0].blocks[0].fragment: fragment sleepy-consent has a condition on the side "
        "(packets/fragments/sleepy-consent.yaml:13), but this procedure is done on no side (laterality: none)",
    ),
]


@pytest.mark.parametrize(("old", "new", "fragments", "at", "expected"), MISTAKES)
def test_what_an_include_cannot_use_is_an_error_at_the_include(
    tmp_path: Path, old: str, new: str, fragments: dict[str, str | None], at: str, expected: str
) -> None:
    text = _replace(CONTENT, old, new) if old else CONTENT
    errors = _errors(fragment_site(tmp_path, content=text, fragments=fragments))
    assert f"{FILE}:{_line(text, at)}: {expected}" in errors, errors


def test_a_fragment_is_checked_on_its_own(tmp_path: Path) -> None:
    nested = FRAGMENTS["sleepy-tips"] + '  - {id: more, type: fragment, fragment: sleepy-consent, version: "1.0.0"}\n'
    unknown = FRAGMENTS["sleepy-consent"].replace(
        "text: I agree to the sleepy Marmalade medicine.", 'text: "{{ night_before }}"'
    )
    errors = _errors(fragment_site(tmp_path, fragments={"sleepy-tips": nested, "sleepy-consent": unknown}))
    assert (
        "packets/fragments/sleepy-tips.yaml:14: blocks[2].type: a fragment cannot include another fragment: "
        "include both in the content" in errors
    )
    assert any(
        e.startswith(
            "packets/fragments/sleepy-consent.yaml:12: blocks[0].items[0].text: unknown placeholder 'night_before'"
        )
        for e in errors
    ), errors


def test_a_translation_includes_what_its_source_includes(tmp_path: Path) -> None:
    root = fragment_site(tmp_path, spanish=True)
    path = root / "packets" / "knee-test.es.yaml"
    text = SPANISH.replace("attestations: {fragment: test-attestations", "attestations: {fragment: sleepy-risks")
    text = text.replace('{fragment: sleepy-risks, version: "1.0.0"}', '{fragment: sleepy-risks, version: "2.1.0"}')
    path.write_text(text, encoding="utf-8")
    errors = _errors(root)
    line = _line(text, "attestations: {fragment")
    assert (
        f"packets/knee-test.es.yaml:{line}: consent.attestations.fragment: expected fragment test-attestations "
        "version 1.0.0 here, as the en content includes"
    ) in errors, errors
    fragment = root / "packets" / "fragments" / "sleepy-tips.es.yaml"
    fragment.write_text(spanish_fragment(FRAGMENTS["sleepy-tips"]).replace("id: tip-ride", "id: tip-rides"))
    assert any("id 'tip-rides' is not in the en fragment" in e for e in _errors(root))


def test_review_happens_once_on_the_fragment(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = fragment_site(tmp_path, spanish=True)
    assert main(["validate"], {"PACKETGEN_CONTENT_ROOT": str(root)}) == 0
    out = capsys.readouterr().out
    # Each fragment file once, with its own items awaiting review, and who includes it.
    assert out.count("packets/fragments/test-attestations.yaml: fragment test-attestations 1.0.0 (en)\n") == 1
    assert "  included by: knee-test (en)\n  approval: DRAFT (no approved_by/approved_on; 4 items await" in out
    for line in range(1, 30):
        assert out.count(f"packets/fragments/test-attestations.yaml:{line}: review: pending") <= 1
    assert out.count("packets/fragments/test-attestations.yaml:") == 5  # its heading and its 4 items
    # The procedure counts only its own (none), and says its fragments are not approved.
    report = out[out.index("packets/knee-test.yaml: knee-test") :]
    assert "  0 items await clinical review:\n" in report
    assert (
        "shared fragments not approved: sleepy-tips 1.0.0, sleepy-consent 1.0.0, sleepy-risks 2.1.0, "
        "test-attestations 1.0.0" in report
    )


def _approved(text: str) -> str:
    return text.replace("review: pending", "review: approved").replace(
        'effective: "2026-11-01"\n',
        'effective: "2026-11-01"\napproved_by: "Dr. Jane Roe"\napproved_on: "2026-11-01"\n',
    )


def test_a_draft_or_overdue_fragment_marks_every_packet_including_it(tmp_path: Path) -> None:
    fragments: dict[str, str | None] = {name: _approved(text) for name, text in FRAGMENTS.items()}
    content = _approved(CONTENT)
    library = load_library(fragment_site(tmp_path / "approved", content=content, fragments=fragments))
    assert approval_of(library.contents["knee-test"], TODAY).state == "approved"
    fragments["sleepy-risks"] = FRAGMENTS["sleepy-risks"]
    library = load_library(fragment_site(tmp_path / "draft", content=content, fragments=fragments))
    approval = approval_of(library.contents["knee-test"], TODAY)
    assert approval.state == "draft"
    assert approval.reasons() == ["shared fragment not approved: sleepy-risks 2.1.0"]
    late = _approved(FRAGMENTS["sleepy-risks"]).replace('effective: "2026-11-01"', 'effective: "2024-11-01"')
    fragments["sleepy-risks"] = late.replace('review_due: "2028-11-01"', 'review_due: "2025-11-20"').replace(
        'approved_on: "2026-11-01"', 'approved_on: "2024-11-01"'
    )
    root = fragment_site(tmp_path / "late", content=content, fragments=fragments)
    with pytest.raises(PacketError) as info:
        _make(root, tmp_path)
    assert str(info.value).startswith(
        "packets/fragments/sleepy-risks.yaml:8: review_due: overdue for review since 2025-11-20: packets are not "
        "printed from it"
    )
    record = tmp_path / "late.yaml"
    record.write_text(yaml.safe_dump({**BASE_APPOINTMENT, "procedure": "knee-test"}), encoding="utf-8")
    made = make_packet(record, tmp_path / "out", library=load_library(root), today=TODAY, allow_overdue=True)
    assert made.approval == "overdue"
    assert made.warnings[-1].startswith("packets/fragments/sleepy-risks.yaml:8: warning: review_due: overdue")
    assert all(
        "Overdue for review: review was due Thursday, November 20, 2025" in text for text in page_texts(made.path)
    )


def test_a_mistake_inside_an_include_names_its_field(tmp_path: Path) -> None:
    text = _replace(CONTENT, 'fragment: sleepy-tips, version: "1.0.0"', "fragment: sleepy-tips, version: 1.0")
    text = _replace(text, '{fragment: sleepy-risks, version: "2.1.0"}', '{fragment: sleepy-risks, versoin: "2.1.0"}')
    text = _replace(text, "attestations: {fragment: test-attestations,", "attestations: {fragment: Test-Attestations,")
    errors = _errors(fragment_site(tmp_path, content=text))
    assert errors == [
        f"{FILE}:{_line(text, 'version: 1.0')}: handout.sections[0].blocks[1] (a fragment): version: expected text: "
        "YAML read a number (leading zeros and trailing digits are lost); put the value in quotes",
        f"{FILE}:{_line(text, 'versoin')}: risks[1].version: required field is missing",
        f"{FILE}:{_line(text, 'versoin')}: risks[1].versoin: unknown field (did you mean 'version'?)",
        f"{FILE}:{_line(text, 'Test-Attestations')}: consent.attestations.fragment: expected an id of lower-case "
        "letters, digits, '-' or '_'",
    ]
