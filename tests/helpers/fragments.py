"""A procedure that includes shared fragments in every way a content can (handout blocks under a
condition, consent blocks, risks, attestations), with its fragments in English and Spanish, in a site
of its own (the project's layouts and departments, no other content): `knee-test`. Its text is made up
for the tests, not clinical content; each fragment's text has a word of its own to find in a PDF."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.helpers.site import ROOT

CONTENT = """\
id: knee-test
title: Test knee procedure
version: "1.0.0"
effective: "2026-11-01"
review_due: "2028-11-01"
owner: Packet tests
department: interventional-radiology
reading_grade_target: 16
codes:
  - {system: "local:TEST", code: KNEE-1}
arrive_minutes_before: 30
levels: false

flags:
  sedation:
    label: You will be given medicine to help you relax

handout:
  form_id: knee-handout
  title: Test knee procedure
  subtitle: Information for patients
  sections:
    - id: about
      heading: About the procedure
      blocks:
        - {id: about-text, type: paragraph, text: "The doctor will work on your knee."}
        - {id: tips, type: fragment, fragment: sleepy-tips, version: "1.0.0", when: {flag: sedation}}
  risks_heading: Risks
  risks_lead: "The risks include:"

risks:
  - {id: risk-bleeding, text: Bleeding}
  - {fragment: sleepy-risks, version: "2.1.0"}
  - {id: risk-pain, text: Pain}

consent:
  form_id: knee-consent
  title: Consent for the test knee procedure
  sections:
    - id: statement
      blocks:
        - {id: consent-request, type: paragraph, text: "I ask {{ provider }} to work on my knee."}
  risks_lead: "Initial each risk."
  after_risks:
    - id: sleep
      heading: Sedation
      blocks:
        - {id: consent-sleep, type: fragment, fragment: sleepy-consent, version: "1.0.0"}
  acknowledgement: "By signing below, I agree to the procedure."
  attestations: {fragment: test-attestations, version: "1.0.0"}
"""
"""`packets/knee-test.yaml`."""

PLAIN = (
    CONTENT.replace("id: knee-test", "id: plain-test")
    .replace("KNEE-1", "PLAIN-1")
    .replace(
        '        - {id: consent-sleep, type: fragment, fragment: sleepy-consent, version: "1.0.0"}\n',
        "        - {id: consent-sleep, type: paragraph, text: I agree to be sleepy.}\n",
    )
)
"""`packets/plain-test.yaml`, where a test adds it: another procedure, including every fragment but
`sleepy-consent`."""

SPANISH = CONTENT.replace(
    'version: "1.0.0"\n',
    'translation:\n  source_language: en\n  source_version: "1.0.0"\n  review: pending\nversion: "1.0.0"\n',
    1,
).replace("title: Test knee procedure\n", "title: Procedimiento de prueba\nlanguage: es\n", 1)
SPANISH = SPANISH.replace("  form_id: knee-handout\n", "  form_id: knee-handout-es\n").replace(
    "  form_id: knee-consent\n", "  form_id: knee-consent-es\n"
)
"""`packets/knee-test.es.yaml`: the same, as a translation (its own text left in English; its forms
with ids of their own)."""


def _head(fragment_id: str, version: str = "1.0.0", language: str = "en") -> str:
    translated = (
        f'language: {language}\ntranslation:\n  source_language: en\n  source_version: "{version}"\n  review: pending\n'
        if language != "en"
        else ""
    )
    return (
        "# yaml-language-server: $schema=../../schemas/fragment.schema.json\n"
        f"id: {fragment_id}\ntitle: Test fragment {fragment_id}\n{translated}"
        f'version: "{version}"\neffective: "2026-11-01"\nreview_due: "2028-11-01"\nowner: Packet tests\n'
    )


FRAGMENTS = {
    "sleepy-tips": _head("sleepy-tips")
    + """blocks:
  - {id: tips-heading, type: subheading, text: Sleepy tips}
  - id: tips-list
    type: bullets
    items:
      - {id: tip-ride, text: Bring a driver called Zanzibar., review: pending}
""",
    "sleepy-risks": _head("sleepy-risks", "2.1.0")
    + """risks:
  - {id: risk-breathing, text: Trouble breathing called Quokka, review: pending}
""",
    "sleepy-consent": _head("sleepy-consent")
    + """blocks:
  - id: sleep-list
    type: bullets
    items:
      - {id: sleep-agree, text: I agree to the sleepy Marmalade medicine., review: pending}
      - {id: sleep-flag, text: I was told about Pomegranate sedation., when: {flag: sedation}, review: pending}
""",
    "test-attestations": _head("test-attestations")
    + """attestations:
  provider: {id: attest-provider, text: I explained the Wombat procedure., review: pending}
  witness: {id: attest-witness, text: I saw the Wombat signature., review: pending}
  interpreter: {id: attest-interpreter, text: "I interpreted into {{ interpreted_language }}.", review: pending}
  telephone: {id: attest-telephone, text: I heard the Wombat call., review: pending}
""",
}
"""`packets/fragments/<id>.yaml`, by id."""


def spanish_fragment(text: str) -> str:
    """A fragment's text as its Spanish translation (its words marked `ES-`, its ids kept)."""
    version = text.split('version: "', 1)[1].split('"', 1)[0]
    head, _, body = text.partition("owner: Packet tests\n")
    fragment_id = head.split("\nid: ", 1)[1].split("\n", 1)[0]
    body = body.replace("text: ", "text: ES-").replace('text: ES-"', 'text: "ES-')
    return _head(fragment_id, version, "es") + body


def fragment_site(
    root: Path,
    content: str | None = CONTENT,
    fragments: dict[str, str | None] | None = None,
    spanish: bool = False,
) -> Path:
    """A site under `root`: the project's layouts and departments, `packets/knee-test.yaml` (`content`,
    none for None), its fragments (`FRAGMENTS`, with `fragments` changing some: text, or None for no
    file) and, with `spanish`, the Spanish content and fragments. Returns `root`."""
    for folder in ("layouts", "departments"):
        shutil.copytree(ROOT / folder, root / folder)
    (root / "packets" / "fragments").mkdir(parents=True)
    if content is not None:
        (root / "packets" / "knee-test.yaml").write_text(content, encoding="utf-8")
    if spanish:
        (root / "packets" / "knee-test.es.yaml").write_text(SPANISH, encoding="utf-8")
    for fragment_id, text in {**FRAGMENTS, **(fragments or {})}.items():
        if text is None:
            continue
        (root / "packets" / "fragments" / f"{fragment_id}.yaml").write_text(text, encoding="utf-8")
        if spanish:
            path = root / "packets" / "fragments" / f"{fragment_id}.es.yaml"
            path.write_text(spanish_fragment(FRAGMENTS.get(fragment_id, text)), encoding="utf-8")
    return root
