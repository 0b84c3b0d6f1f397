"""Which coding system a feed's coded procedure is in: FHIR `Coding.system`, HL7 v2 CWE/CE component 3.

The answer is a record's `procedure_system` (`models/codes.py`): a standard system's code then
matches only that system's codes in the library. A system the feed names but this program does
not know is left unsaid (None): the code matches as a code with no system does, in any system, as
before. A site names what else its feeds send in `fhir.code_systems` and `hl7.code_systems`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pydantic_core import PydanticCustomError

from ..models.codes import LOCAL, canonical_system

ProcedureTest = Callable[[str, str | None], bool]
"""Whether a code or name (a code of the system given, where one is) names a procedure the library
has: `Library.is_procedure`, for readers choosing among a record's codes."""

FHIR_SYSTEMS: dict[str, str] = {
    # FHIR R4 terminology (terminologies-systems.html) and HL7 Terminology (THO): URI, then OID
    "http://www.ama-assn.org/go/cpt": "CPT",
    "urn:oid:2.16.840.1.113883.6.12": "CPT",
    "http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets": "HCPCS",
    "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets": "HCPCS",
    "urn:oid:2.16.840.1.113883.6.285": "HCPCS",
    "http://snomed.info/sct": "SNOMED CT",
    "urn:oid:2.16.840.1.113883.6.96": "SNOMED CT",
    "http://loinc.org": "LOINC",
    "urn:oid:2.16.840.1.113883.6.1": "LOINC",
    "http://www.cms.gov/Medicare/Coding/ICD10": "ICD-10-PCS",
    "http://terminology.hl7.org/CodeSystem/icd10PCS": "ICD-10-PCS",
    "urn:oid:2.16.840.1.113883.6.4": "ICD-10-PCS",
}
"""The canonical `Coding.system` of each standard system (and its OID as a URI)."""

HL7_SYSTEMS: dict[str, str] = {
    # HL7 v2 table 0396 (name of coding system), and `CPT` as engines send it
    "CPT": "CPT",
    "C4": "CPT",
    "HCPCS": "HCPCS",
    "SCT": "SNOMED CT",
    "SNM": "SNOMED CT",
    "LN": "LOINC",
    "I10P": "ICD-10-PCS",
    "L": LOCAL,
}
"""CWE-3 values (any case) and the system each means; `99zzz` is the site's own system `local:zzz`.
Not `HCPT`: table 0396 gives it to the Health Care Provider Taxonomy, not to HCPCS."""


def fhir_system(uri: str | None, site: Mapping[str, str]) -> str | None:
    """The system a `Coding.system` names (the site's `fhir.code_systems` first), or None: none given,
    or one this program does not know."""
    if not uri:
        return None
    text = uri.strip()
    return site.get(text) or FHIR_SYSTEMS.get(text)


def hl7_system(name: str, site: Mapping[str, str]) -> str | None:
    """The system a CWE/CE component 3 names (the site's `hl7.code_systems` first, in any case), or None:
    none given, or one this program does not know. `L` is a site's own system, unnamed; `99zzz` the one
    called `zzz` (content `local:zzz`)."""
    text = name.strip()
    if not text:
        return None
    chosen = {key.casefold(): value for key, value in site.items()}.get(text.casefold())
    if chosen:
        return chosen
    if text.upper() in HL7_SYSTEMS:
        return HL7_SYSTEMS[text.upper()]
    if text.startswith("99") and len(text) > 2:
        try:
            return canonical_system(f"{LOCAL}:{text[2:]}")
        except PydanticCustomError:  # not a name content could give its system
            return LOCAL
    return None
