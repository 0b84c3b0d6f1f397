"""Finding a procedure by a code whose coding system the record gives (`procedure_system`).

A code of a standard system (CPT, HCPCS, SNOMED CT, LOINC, ICD-10-PCS) matches only the codes
a content lists in that system: a SNOMED CT id that happens to equal another system's code is not
that code. A code of a site's own system (`local:NAME`, or `local` when the feed does not name it)
matches the content's local codes (of that name), then, as a scheduling system's own names for
procedures do, ids, titles and aliases. A code with no system is matched by `Library` as before:
ids, codes of any system, titles and aliases.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Generic, TypeVar

from ..models.codes import LOCAL, is_local, system_key

T = TypeVar("T")


def folded(name: str) -> str:
    """A name as lookups compare it: spaces collapsed, any case."""
    return " ".join(name.split()).casefold()


class CodedIndex(Generic[T]):
    """What each (system, code) names, and the names a site's own codes may also be."""

    def __init__(self) -> None:
        self.codes: dict[tuple[str, str], T] = {}
        self.local_codes: dict[str, T] = {}
        self.names: dict[str, T] = {}

    def add(self, owner: T, codes: Iterable[tuple[str, str]], names: Iterable[str]) -> None:
        """`owner`'s codes, each with its system (a name from `canonical_system`), and its other names
        (id, titles, aliases); the first owner of a key keeps it."""
        for system, code in codes:
            key = folded(code)
            self.codes.setdefault((system_key(system), key), owner)
            if is_local(system):
                self.local_codes.setdefault(key, owner)
        for name in names:
            self.names.setdefault(folded(name), owner)

    def find(self, wanted: str, system: str) -> T | None:
        """What `wanted`, a code of `system`, names (see the module's rules), or None."""
        key = folded(wanted)
        if not is_local(system):
            return self.codes.get((system_key(system), key))
        found = self.local_codes.get(key) if system == LOCAL else self.codes.get((system_key(system), key))
        return found if found is not None else self.names.get(key)
