"""Procedure codes: the coding systems a content may list, each checked by its own syntax.

A code is `{system: CPT, code: "22510"}`. The systems, and what each code must look like:

- `CPT`: Category I five digits (`22510`), Category II four digits and `F` (`3008F`), Category III
  four digits and `T` (`0200T`);
- `HCPCS` (Level II): a letter A to V and four digits (`C1062`);
- `SNOMED CT`: a concept's SCTID: 6 to 18 digits, no leading zero, a partition identifier (the
  2nd and 3rd digits from the right) that is a concept's (`00`, or `10` in an extension's long
  form), and a valid Verhoeff check digit (the last);
- `LOINC`: digits, a hyphen and LOINC's mod-10 check digit (`2345-7`);
- `ICD-10-PCS`: seven characters of 0-9 and A-Z except I and O (`0QS734Z`);
- `local:NAME`: a site's own codes (`local:RGH-IR`), 1 to 40 letters, digits, `.`, `_`, `-`, `/`.

A record names the system of its procedure code (`procedure_system`) with the same names, or with
`local` for a site's own system it does not name (HL7's `L`).
"""

from __future__ import annotations

import re

from pydantic_core import PydanticCustomError

STANDARD = ("CPT", "HCPCS", "SNOMED CT", "LOINC", "ICD-10-PCS")
"""The standard coding systems, as content and records name them."""
LOCAL = "local"
"""A site's own coding system: `local:NAME` in content; a record may say `local` alone (HL7 `L`)."""
KNOWN = (*STANDARD, "local:NAME")
"""The system names an error lists."""

_LOCAL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
_LOCAL_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,39}")
_CPT = re.compile(r"\d{5}|\d{4}[FT]")
_HCPCS = re.compile(r"[A-V]\d{4}")
_SCTID = re.compile(r"[1-9]\d{5,17}")
_LOINC = re.compile(r"([1-9]\d{0,6})-(\d)")
_ICD10PCS = re.compile(r"[0-9A-HJ-NP-Z]{7}")

# Verhoeff's check: the dihedral group D5's multiplication table, the position permutation and the
# inverses (J. Verhoeff, Error Detecting Decimal Codes, Mathematical Centre Tract 29, 1969), as the
# SNOMED CT technical implementation guide uses them for the check digit of an SCTID.
_D5 = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 2, 3, 4, 0, 6, 7, 8, 9, 5),
    (2, 3, 4, 0, 1, 7, 8, 9, 5, 6),
    (3, 4, 0, 1, 2, 8, 9, 5, 6, 7),
    (4, 0, 1, 2, 3, 9, 5, 6, 7, 8),
    (5, 9, 8, 7, 6, 0, 4, 3, 2, 1),
    (6, 5, 9, 8, 7, 1, 0, 4, 3, 2),
    (7, 6, 5, 9, 8, 2, 1, 0, 4, 3),
    (8, 7, 6, 5, 9, 3, 2, 1, 0, 4),
    (9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
)
_PERMUTATION = (
    (0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    (1, 5, 7, 6, 2, 8, 3, 0, 9, 4),
    (5, 8, 0, 3, 7, 9, 6, 1, 4, 2),
    (8, 9, 1, 6, 0, 4, 3, 5, 2, 7),
    (9, 4, 5, 3, 1, 2, 6, 8, 7, 0),
    (4, 2, 8, 6, 5, 7, 3, 9, 0, 1),
    (2, 7, 9, 3, 8, 0, 6, 4, 1, 5),
    (7, 0, 4, 6, 9, 1, 3, 2, 5, 8),
)
_INVERSE = (0, 4, 3, 2, 1, 5, 6, 7, 8, 9)

SCTID_CONCEPT_PARTITIONS = ("00", "10")
"""An SCTID's partition identifier for a concept: `00` (short form, the International Edition) or
`10` (long form, with an extension's seven-digit namespace before it)."""


def verhoeff_valid(digits: str) -> bool:
    """Whether `digits` ends in its Verhoeff check digit."""
    check = 0
    for position, digit in enumerate(reversed(digits)):
        check = _D5[check][_PERMUTATION[position % 8][int(digit)]]
    return check == 0


def verhoeff_check_digit(digits: str) -> str:
    """The Verhoeff check digit to append to `digits`."""
    check = 0
    for position, digit in enumerate(reversed(digits), start=1):
        check = _D5[check][_PERMUTATION[position % 8][int(digit)]]
    return str(_INVERSE[check])


def loinc_check_digit(digits: str) -> str:
    """LOINC's mod-10 check digit of a code's number (`2345` → `7`): from the right, every other digit
    (the first, third, …) doubled, the digits of everything summed, and what brings the sum to a
    multiple of ten."""
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value // 10 + value % 10
    return str(-total % 10)


def sctid_problem(code: str) -> str | None:
    """Why `code` is not a SNOMED CT concept id, or None."""
    if not _SCTID.fullmatch(code):
        return "expected a SNOMED CT concept id: 6 to 18 digits, not starting with 0"
    partition = code[-3:-1]
    if partition not in SCTID_CONCEPT_PARTITIONS:
        return (
            f"expected a SNOMED CT concept id: its partition identifier (the 2nd and 3rd digits from the "
            f"right) is {partition}, not a concept's (00, or 10 with a namespace)"
        )
    if partition == "10" and len(code) < 11:
        return "expected a SNOMED CT concept id: partition 10 needs a seven-digit namespace before it"
    if not verhoeff_valid(code):
        return "expected a SNOMED CT concept id: its check digit (the last, Verhoeff) does not match"
    return None


def code_problem(system: str, code: str) -> str | None:
    """Why `code` cannot be a code of `system` (a name from `canonical_system`), or None."""
    if system == "CPT":
        if not _CPT.fullmatch(code):
            return (
                "expected a CPT code: five digits (Category I), or four digits and F (Category II) or T (Category III)"
            )
    elif system == "HCPCS":
        if not _HCPCS.fullmatch(code):
            return "expected an HCPCS Level II code: a capital letter A to V and four digits"
    elif system == "SNOMED CT":
        return sctid_problem(code)
    elif system == "LOINC":
        found = _LOINC.fullmatch(code)
        if not found:
            return "expected a LOINC code: digits, a hyphen and a check digit (2345-7)"
        if loinc_check_digit(found.group(1)) != found.group(2):
            return "expected a LOINC code: its check digit (after the hyphen, mod 10) does not match"
    elif system == "ICD-10-PCS":
        if not _ICD10PCS.fullmatch(code):
            return "expected an ICD-10-PCS code: seven characters of 0-9 and capital A-Z except I and O"
    elif not _LOCAL_CODE.fullmatch(code):
        return "expected a local code: 1 to 40 letters, digits, '.', '_', '-' or '/'"
    return None


def canonical_system(value: str, *, unnamed_local: bool = False) -> str:
    """A coding system's name as this program spells it (`snomed ct` → `SNOMED CT`, `LOCAL:RGH` →
    `local:RGH`); PydanticCustomError naming the known systems otherwise. `local` alone (a site's own
    system, not named) only where `unnamed_local` (a record's `procedure_system`)."""
    text = " ".join(value.split())
    folded = text.casefold()
    for name in STANDARD:
        if folded == name.casefold():
            return name
    prefix, colon, name = text.partition(":")
    if prefix.casefold() == LOCAL:
        if not colon and unnamed_local:
            return LOCAL
        if colon and _LOCAL_NAME.fullmatch(name.strip()):
            return f"{LOCAL}:{name.strip()}"
        raise PydanticCustomError(
            "code_system",
            "expected local:NAME, the site's name for its own codes (1 to 40 letters, digits, '.', '_' or '-')",
        )
    known = ", ".join((*KNOWN, LOCAL) if unnamed_local else KNOWN)
    raise PydanticCustomError("code_system", "unknown code system; expected one of: {known}", {"known": known})


def system_key(system: str) -> str:
    """What two spellings of one system share (a local system's name in any case)."""
    return system.casefold() if system.casefold().startswith(LOCAL) else system


def is_local(system: str) -> bool:
    """Whether `system` (a name from `canonical_system`) is a site's own."""
    return system == LOCAL or system.startswith(f"{LOCAL}:")
