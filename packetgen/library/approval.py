"""Whether a content may be given to patients: approved, a draft, or overdue for review.

A packet printed from text no clinician has approved says so on every page (DRAFT), and
content past its `review_due` date refuses to print unless the run allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..models import Content


@dataclass(frozen=True)
class Approval:
    """The approval state of one content edition on a given day."""

    pending_items: int
    """Items and risks marked `review: pending`."""
    translation_pending: bool
    """A translation a qualified medical translator has not yet reviewed."""
    approved_by: str | None
    approved_on: date | None
    review_due: date
    overdue: bool
    """`review_due` has passed."""

    @property
    def draft(self) -> bool:
        """Anything in it not approved: a packet made from it is marked DRAFT on every page."""
        return bool(self.pending_items) or self.translation_pending or self.approved_by is None

    @property
    def state(self) -> str:
        """`approved`, `draft`, `overdue` or `draft, overdue` (manifest, `validate`, `list`)."""
        parts = (["draft"] if self.draft else []) + (["overdue"] if self.overdue else [])
        return ", ".join(parts) or "approved"

    def reasons(self) -> list[str]:
        """Why it is not simply approved, in words for `validate`."""
        reasons = []
        if self.approved_by is None:
            reasons.append("no approved_by/approved_on")
        if self.pending_items:
            reasons.append(f"{self.pending_items} items await clinical review")
        if self.translation_pending:
            reasons.append("the translation awaits a qualified medical translator")
        if self.overdue:
            reasons.append(f"review was due {self.review_due.isoformat()}")
        return reasons


def approval_of(content: Content, today: date) -> Approval:
    """The state of `content` on `today` (the site's date)."""
    return Approval(
        pending_items=content.pending_reviews,
        translation_pending=content.translation is not None and content.translation.review != "approved",
        approved_by=content.approved_by,
        approved_on=content.approved_on,
        review_due=content.review_due,
        overdue=today > content.review_due,
    )
