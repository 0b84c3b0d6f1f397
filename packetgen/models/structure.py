"""The packet's logical structure, as the renderer records it and the archival stage writes it
into the PDF (tagged PDF, ISO 32000-1 §14.7): elements in reading order, their leaves the
marked-content sequences drawn on each page."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class MarkedContent:
    """One marked-content sequence: its page (1-based) and its id on that page."""

    page: int
    mcid: int


@dataclass(eq=False)
class Element:
    """A structure element: a standard role (`P`, `H1`, `L`, `TD` …), its kids in reading order."""

    role: str
    alt: str | None = None
    lang: str | None = None
    scope: str | None = None
    """`Column` or `Row`, for a `TH`."""
    list_numbering: str | None = None
    """`Decimal` for a numbered list (an `L`, ISO 32000-1 §14.8.5.5); None for bullets."""
    bbox: tuple[float, float, float, float] | None = None
    """Where a `Figure` sits on its page (PDF units)."""
    actual_text: str | None = None
    """What its glyphs say, in reading order, where their drawing order differs (right-to-left text)."""
    kids: list[Element | MarkedContent] = field(default_factory=list)
    attached: bool = False

    @property
    def drawn(self) -> bool:
        """True once anything of it has been drawn."""
        return bool(self.kids)
