"""Whether a content may be given to patients: approved, a draft, or overdue for review.

A packet printed from text no clinician has approved says so on every page (DRAFT), and
content past its `review_due` date refuses to print unless the run allows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..errors import SourcePos
from ..models import Content
from ..models.fragment import Fragment
from ..models.include import Included


@dataclass(frozen=True)
class Approval:
    """The approval state of one content edition on a given day, with that of each shared fragment it
    includes: a packet is a draft, or overdue, when any text in it is."""

    pending_items: int
    """Items and risks marked `review: pending` (its own: a fragment's are the fragment's)."""
    translation_pending: bool
    """A translation a qualified medical translator has not yet reviewed."""
    approved_by: str | None
    approved_on: date | None
    review_due: date
    own_overdue: bool
    """Its own `review_due` has passed."""
    fragments: tuple[FragmentApproval, ...] = ()
    """The state of each shared fragment it includes."""

    @property
    def own_draft(self) -> bool:
        """Anything in its own file not approved."""
        return bool(self.pending_items) or self.translation_pending or self.approved_by is None

    @property
    def draft(self) -> bool:
        """Anything in it, or in a fragment it includes, not approved: a packet made from it is marked
        DRAFT on every page."""
        return self.own_draft or any(f.approval.draft for f in self.fragments)

    @property
    def overdue(self) -> bool:
        """Its `review_due` has passed, or that of a fragment it includes."""
        return self.own_overdue or any(f.approval.overdue for f in self.fragments)

    @property
    def overdue_since(self) -> date:
        """The earliest review date that has passed (its own or a fragment's); its own when none has."""
        passed = [self.review_due] if self.own_overdue else []
        passed += [f.approval.review_due for f in self.fragments if f.approval.overdue]
        return min(passed, default=self.review_due)

    @property
    def state(self) -> str:
        """`approved`, `draft`, `overdue` or `draft, overdue` (manifest, `validate`, `list`)."""
        parts = (["draft"] if self.draft else []) + (["overdue"] if self.overdue else [])
        return ", ".join(parts) or "approved"

    def reasons(self) -> list[str]:
        """Why it is not simply approved, in words for `validate`."""
        reasons = self.own_reasons()
        drafts = [f.label for f in self.fragments if f.approval.draft]
        late = [f"{f.label} (due {f.approval.review_due.isoformat()})" for f in self.fragments if f.approval.overdue]
        for found, what in ((drafts, "not approved"), (late, "overdue for review")):
            if found:
                reasons.append(f"shared fragment{'s' if len(found) > 1 else ''} {what}: {', '.join(found)}")
        return reasons

    def own_reasons(self) -> list[str]:
        """Why its own file is not simply approved."""
        reasons = []
        if self.approved_by is None:
            reasons.append("no approved_by/approved_on")
        if self.pending_items:
            reasons.append(f"{self.pending_items} items await clinical review")
        if self.translation_pending:
            reasons.append("the translation awaits a qualified medical translator")
        if self.own_overdue:
            reasons.append(f"review was due {self.review_due.isoformat()}")
        return reasons


@dataclass(frozen=True)
class FragmentApproval:
    """The approval state of a shared fragment a content includes."""

    included: Included
    approval: Approval

    @property
    def label(self) -> str:
        """`sedation-consent 1.0.0`."""
        return f"{self.included.id} {self.included.version}"

    @property
    def review_due_at(self) -> SourcePos:
        """Where its file says when review is due (the error when it is overdue)."""
        return SourcePos(self.included.path, self.included.review_due_line)


def approval_of(content: Content, today: date) -> Approval:
    """The state of `content` on `today` (the site's date), with that of each fragment it includes."""
    return Approval(
        pending_items=content.pending_reviews,
        translation_pending=content.translation is not None and content.translation.review != "approved",
        approved_by=content.approved_by,
        approved_on=content.approved_on,
        review_due=content.review_due,
        own_overdue=today > content.review_due,
        fragments=tuple(
            FragmentApproval(included, fragment_approval(included, today)) for included in content.fragments
        ),
    )


def fragment_approval(fragment: Included | Fragment, today: date) -> Approval:
    """The state of a shared fragment (as loaded, or as a content included it) on `today`."""
    translation_pending = (
        fragment.translation_pending
        if isinstance(fragment, Included)
        else fragment.translation is not None and fragment.translation.review != "approved"
    )
    return Approval(
        pending_items=fragment.pending_items if isinstance(fragment, Included) else fragment.pending_reviews,
        translation_pending=translation_pending,
        approved_by=fragment.approved_by,
        approved_on=fragment.approved_on,
        review_due=fragment.review_due,
        own_overdue=today > fragment.review_due,
    )
