"""The schema of a shared fragment (`packets/fragments/<id>.yaml`): text several procedures include.

A fragment is written, versioned, translated and reviewed once (the consent to sedation, the
attestations, the patient's rights), and each content includes it by id and version (see
`include.py`). Its text may use the placeholders every content has (`{{ provider }}`,
`{{ facility }}`...), not a content's own `times:`; a condition in it may name a flag, which every
content including it then declares.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import Field, PrivateAttr, ValidationInfo, field_validator, model_validator

from .blocks import AnyConsentBlock
from .content import Attestations, Risk, Translation, review_in_cycle, submodels
from .types import Id, IsoDate, LanguageTag, Model, Text, Version


class Fragment(Model):
    """Blocks, risks or attestations shared by several contents, in one language.

    A translation is a fragment file of the same id in another language (`<id>.<language>.yaml`) with a
    `translation:` block, every part keeping the id of the part it translates."""

    id: Id
    """The id contents include it by (`sedation-consent`); its file is `packets/fragments/<id>.yaml`."""
    title: Text
    """What it is, for the people who write and review content ("Consent to sedation")."""
    language: LanguageTag = "en"
    translation: Translation | None = None
    """Set on a translation only: its source and review state."""
    version: Version
    """Its version ("1.0.0", in quotes): each content names the version it includes, and is unavailable
    while the file says another."""
    effective: IsoDate
    """The date from which this version may be used."""
    approved_by: Text | None = None
    """Who approved it for clinical use (name and role). Without it every packet including it is a draft."""
    approved_on: IsoDate | None = Field(default=None, validate_default=True)
    """When it was approved; given with `approved_by`."""
    review_due: IsoDate
    """The date by which it must be reviewed again: at most 24 months after its approval (or, before
    approval, its effective date). Past it, no packet including it prints unless a run allows it."""
    owner: Text
    """Who maintains it and answers questions about it."""
    blocks: tuple[AnyConsentBlock, ...] = ()
    """Blocks a section includes (`type: fragment`), in order. Statements to initial and choices only
    where a consent section includes them."""
    risks: tuple[Risk, ...] = ()
    """Risks a content's `risks` includes (`{fragment: …, version: …}`), in order."""
    attestations: Attestations | None = None
    """What each signer attests to, for a consent's `attestations: {fragment: …, version: …}`."""

    @field_validator("approved_on")
    @classmethod
    def _approval_complete(cls, value: date | None, info: ValidationInfo) -> date | None:
        if ("approved_by" in info.data and info.data["approved_by"] is None) != (value is None):
            raise ValueError("approved_by and approved_on go together: who approved the fragment, and when")
        return value

    @field_validator("review_due")
    @classmethod
    def _review_in_cycle(cls, value: date, info: ValidationInfo) -> date:
        return review_in_cycle(value, info)

    @model_validator(mode="after")
    def _holds_something(self) -> Fragment:
        if not (self.blocks or self.risks or self.attestations):
            raise ValueError("expected blocks, risks or attestations (what a content includes from it)")
        return self

    _pending_reviews: int = PrivateAttr(default=0)

    def model_post_init(self, context: Any, /) -> None:
        self._pending_reviews = sum(
            1
            for model in submodels(self)
            if not isinstance(model, Translation) and getattr(model, "review", None) == "pending"
        )

    @property
    def pending_reviews(self) -> int:
        """Its blocks, items and risks marked `review: pending` (the translation's own review apart)."""
        return self._pending_reviews
