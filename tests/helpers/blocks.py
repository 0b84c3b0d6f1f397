"""A procedure written with every kind of block and condition, for the tests of blocks and conditions:
`eye-test`, done on a side (an eye), in a copy of the project's site. Its text is made up for the
tests, not clinical content."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers.site import copy_site

EYE_TEST = """\
id: eye-test
title: Test eye procedure
version: "1.0.0"
effective: "2026-11-01"
review_due: "2028-11-01"
owner: Packet tests
department: interventional-radiology
reading_grade_target: 16
codes:
  - {system: "local:TEST", code: EYE-1}
arrive_minutes_before: 30
laterality: required
sides: {left: the left eye, right: the right eye, bilateral: both eyes}
levels: false

flags:
  anticoagulant:
    label: You take a medicine that thins your blood
  diabetes:
    label: You have diabetes

handout:
  form_id: eye-handout
  title: Test eye procedure
  subtitle: Information for patients
  checklist:
    heading: Your checklist
    items:
      - {id: check-drops, text: Bring your eye drops.}
      - {id: check-sugar, text: Check your blood sugar before you come., when: {flag: diabetes}}
  sections:
    - id: about
      heading: About the procedure
      blocks:
        - {id: about-text, type: paragraph, text: "The doctor will work on {{ side }}."}
    - id: prepare
      heading: Getting ready
      blocks:
        - {id: prepare-intro, type: paragraph, text: "Read this page a week before the procedure."}
        - id: prepare-steps
          type: steps
          lead: "Do these in order:"
          items:
            - {id: step-lenses, text: Stop wearing your contact lenses.}
            - {id: step-wash, text: Wash your face with soap and water.}
            - {id: step-drops, text: Put in the first eye drops.}
        - {id: drops-heading, type: subheading, text: Your eye drops}
        - id: drops-table
          type: table
          lead: "When to use each eye drop:"
          header: [Eye drop, When to start, Drops each time]
          widths: [2, 2, 1]
          rows:
            - {id: drop-antibiotic, cells: [Antibiotic drops, Three days before, "1"]}
            - {id: drop-steroid, cells: [Steroid drops, The day after, "2"]}
            - {id: drop-sugar, cells: [Sugar-free tears, The day before, "1"], when: {flag: diabetes}}
        - id: left-eye
          type: paragraph
          when: {field: laterality, is: left}
          text: "A shield will cover your left eye."
        - {id: breakfast, type: paragraph, when: {not_flag: diabetes}, text: "Eat a light breakfast."}
        - id: medicines-call
          type: paragraph
          when: {any: [{flag: diabetes}, {flag: anticoagulant}]}
          text: "We will call you two days before about your medicines."
        - id: nurse-call
          type: paragraph
          when: {all: [{flag: diabetes}, {flag: anticoagulant}]}
          text: "A nurse will call you about your insulin and your blood thinner."
        - id: thinner
          type: callout
          when: {flag: anticoagulant}
          heading: You take a medicine that thins your blood
          items:
            - {id: thinner-ask, text: Ask us before you stop your blood thinner.}
    - id: spanish-speakers
      heading: Interpreters
      when: {field: language, is_not: en}
      blocks:
        - {id: interpreter, type: paragraph, text: "An interpreter will meet you at the front desk."}
  risks_heading: Risks
  risks_lead: "Risks include:"
  closing:
    - {id: closing-call, type: paragraph, text: "Call {{ facility }} at {{ facility_phone }} with questions."}

risks:
  - {id: risk-infection, text: Infection, frequency: rare}
  - {id: risk-pressure, text: Raised eye pressure, frequency: {words: uncommon, about: "1 in 50"}}
  - {id: risk-vision, text: Loss of vision, frequency: {about: "1 in 1,000"}}
  - {id: risk-thinner-bleeding, text: Bleeding behind the eye, frequency: very rare, when: {flag: anticoagulant}}

consent:
  form_id: eye-consent
  title: Consent for the test eye procedure
  sections:
    - id: statement
      blocks:
        - {id: consent-request, type: paragraph, text: "I ask {{ provider }} to operate on {{ side }}."}
    - id: lens
      heading: Your new lens
      blocks:
        - id: lens-choice
          type: choice
          lead: "The lens I choose is:"
          select: one
          options:
            - {id: lens-standard, text: A standard lens}
            - {id: lens-toric, text: A toric lens for astigmatism}
          other: true
        - {id: lens-cost, type: initialled, text: "I understand that a toric lens may cost more."}
  risks_lead: "Initial each risk to show it was explained to you."
  after_risks:
    - id: comfort
      heading: Keeping you comfortable
      blocks:
        - id: comfort-choice
          type: choice
          lead: "I agree to:"
          select: many
          options:
            - {id: comfort-drops, text: Numbing eye drops}
            - {id: comfort-sedation, text: Medicine to help me relax}
    - id: thinner-clause
      heading: Because you take a blood thinner
      blocks:
        - id: thinner-consent
          type: bullets
          items:
            - id: thinner-bleeding
              when: {flag: anticoagulant}
              text: I know my blood thinner can make bleeding more likely.
    - id: rights
      heading: Your rights
      blocks:
        - id: rights-list
          type: bullets
          items:
            - {id: right-refuse, text: I may refuse this procedure.}
  acknowledgement: "By signing below, I agree to the procedure."
"""
"""`packets/eye-test.yaml` of `eye_site`."""

TRANSLATION = """\
translation:
  source_language: en
  source_version: "1.0.0"
  review: pending
"""
"""What makes a copy of `EYE_TEST` a translation (with `language: es`)."""


def eye_site(root: Path, content: str = EYE_TEST, spanish: str | None = None) -> Path:
    """The project's site under `root` with `packets/eye-test.yaml` (`content`) and, where given, its Spanish
    translation `packets/eye-test.es.yaml`; returns `root`."""
    copy_site(root)
    (root / "packets" / "eye-test.yaml").write_text(content, encoding="utf-8")
    if spanish is not None:
        (root / "packets" / "eye-test.es.yaml").write_text(spanish, encoding="utf-8")
    return root


def as_spanish(content: str = EYE_TEST) -> str:
    """`content` made a translation (its text left in English: the tests compare structure)."""
    translated = content.replace('version: "1.0.0"\n', TRANSLATION + 'version: "1.0.0"\n', 1).replace(
        "title: Test eye procedure\n", "title: Procedimiento de prueba\nlanguage: es\n", 1
    )
    # A translated form has an id of its own (the chart tells it from the English).
    return re.sub(r"^(  form_id: [\w-]+)$", r"\1-es", translated, flags=re.MULTILINE)


def long_table(rows: int) -> str:
    """`EYE_TEST` with a drops table of `rows` rows (it runs over a page)."""
    lines = "".join(
        f'            - {{id: drop-row-{n}, cells: [Drop number {n}, "Day {n}, morning and evening", "{n % 3 + 1}"]}}\n'
        for n in range(rows)
    )
    start = EYE_TEST.index("            - {id: drop-antibiotic")
    end = EYE_TEST.index("        - id: left-eye")
    return EYE_TEST[:start] + lines + EYE_TEST[end:]
