"""One platypus build: handout, then the consent starting on an odd page, decorated pages."""

from __future__ import annotations

import io
from dataclasses import dataclass

from reportlab import rl_config
from reportlab.platypus import (
    ActionFlowable,
    BaseDocTemplate,
    Flowable,
    Frame,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
)

from .. import __version__
from ..models import Layout
from ..models.packet import ResolvedPacket
from . import compression
from .blocks import Blocks
from .consent import consent_story
from .flowables import Together
from .fonts import FontSet
from .handout import handout_story
from .lists import BulletList
from .page import PAGE_SIZES, Decorator, PageLog, deferred_canvas
from .styles import make_styles
from .tags import Element, Tagger

# Compressed streams stay binary rather than ASCII85-armoured: smaller files, less work per page.
rl_config.useA85 = 0
compression.install()


class PacketDoc(BaseDocTemplate):
    """A doc template that knows sections, odd-page starts and bookmarks."""

    def __init__(
        self,
        buffer: io.BytesIO,
        layout: Layout,
        packet: ResolvedPacket,
        fonts: FontSet,
        log: PageLog,
        zones: dict[str, float],
        tagger: Tagger,
        footer: dict[str, float],
        top: float,
        banner: float = 0.0,
    ) -> None:
        """`zones`: each part's room for the scan-back code above the footer (`page.Decorator.scan_zone`);
        `footer`: how far each part's footer rises above the bottom margin (`page.Footer.raised`); `top`:
        from the top edge to the body (`page.Decorator.top_margin`); `banner`: the record pages' room for
        their banner under the header (`page.Decorator.banner_height`)."""
        page = layout.page
        super().__init__(
            buffer,
            pagesize=PAGE_SIZES[page.size],
            leftMargin=page.margin_left,
            rightMargin=page.margin_right,
            topMargin=top,
            bottomMargin=page.margin_bottom,
            invariant=1,
            title=packet.title,
            author=packet.visit.facility,
            subject=f"{packet.content_id} {packet.content_version}",
            creator=f"packetgen {__version__}",
            producer=f"packetgen {__version__} (ReportLab)",
            keywords=[packet.handout.stamp.form_id, packet.consent.stamp.form_id, packet.content_version],
            lang=packet.language,
            initialFontName=fonts.regular,
            initialFontSize=layout.sizes.body,
            displayDocTitle=1,
            keepTogetherClass=Together,  # what platypus wraps each heading and its next flowable in
        )
        self.log = log
        self.section = "handout"
        self.tagger = tagger
        tagger.part()

        def body(raised: float, lowered: float = 0.0) -> Frame:  # no padding: the body lines up with the rules
            return Frame(
                self.leftMargin,
                self.bottomMargin + raised,
                self.width,
                self.height - raised - lowered,
                id="body",
                leftPadding=0,
                rightPadding=0,
                topPadding=0,
                bottomPadding=0,
            )

        self.addPageTemplates(
            [
                PageTemplate("page", frames=[body(footer["handout"])], onPage=self._on_page),
                PageTemplate(  # room for the code
                    "consent", frames=[body(footer["consent"] + zones["consent"])], onPage=self._on_page
                ),
            ]
        )
        if packet.record is not None:  # room for the code (DOC=RECORD) and for the banner under the header
            frame = body(footer["record"] + zones["record"], banner)
            self.addPageTemplates([PageTemplate("record", frames=[frame], onPage=self._on_page)])

    def _on_page(self, canv: object, doc: object) -> None:
        self.log.sections[self.page] = self.section

    def handle_section(self, name: str, language: str | None = None) -> None:
        """From this page on, pages belong to section `name` (its footer stamp), a new `Part` in `language`
        where it is not the document's."""
        self.section = name
        self.log.sections[self.page] = name
        self.tagger.part(language)

    def handle_oddPage(self) -> None:  # noqa: N802 - ReportLab's handle_<action> naming
        """Called at the top of a fresh page: if it is even, leave it blank and move on."""
        if self.page % 2 == 0:
            self.log.blank.add(self.page)
            self.handle_pageBreak()

    def handle_keepWithNext(self, flowables: list[Flowable]) -> None:  # noqa: N802 - ReportLab's name
        """A heading (and a list's lead line) stays with the first item of the list that follows,
        not with the whole list: a long list then starts under its heading instead of leaving
        the rest of the page empty."""
        i = 0
        while i < len(flowables) and flowables[i].getKeepWithNext():
            i += 1
        if 0 < i < len(flowables) and isinstance(flowables[i], BulletList):
            parts = flowables[i].detach_first()
            if parts:
                flowables[i : i + 1] = parts
        super().handle_keepWithNext(flowables)

    def afterFlowable(self, flowable: Flowable) -> None:  # noqa: N802 - ReportLab's name
        bookmark = getattr(flowable, "_bookmark", None)
        if bookmark:  # placed when the page is written (see page.deferred_canvas)
            self.log.bookmarks.setdefault(self.page, []).append(bookmark)


@dataclass(frozen=True)
class Rendered:
    """A rendered packet: its PDF bytes, page count and logical structure (for the tagged PDF)."""

    data: bytes
    pages: int
    structure: Element


def render_pdf(packet: ResolvedPacket, layout: Layout, fonts: FontSet) -> Rendered:
    """The packet as deterministic PDF bytes."""
    buffer = io.BytesIO()
    styles = make_styles(layout, fonts)
    decorator = Decorator(packet, layout, styles, PageLog())
    width = PAGE_SIZES[layout.page.size][0] - layout.page.margin_left - layout.page.margin_right
    parts = ("handout", "consent", "record") if packet.record is not None else ("handout", "consent")
    footer = {part: decorator.footer(width, part).raised for part in parts}
    zones = {part: decorator.scan_zone(width, part) for part in parts}
    tagger = Tagger()
    top = decorator.top_margin(width)
    banner = decorator.banner_height(width) if packet.record is not None else 0.0
    doc = PacketDoc(buffer, layout, packet, fonts, decorator.log, zones, tagger, footer, top, banner)
    story = handout_story(packet, Blocks(styles, doc.width, doc.height - footer["handout"]))
    story += [
        NextPageTemplate("consent"),
        PageBreak(),
        ActionFlowable(("oddPage",)),
        ActionFlowable(("section", "consent")),
    ]
    room = doc.height - zones["consent"] - footer["consent"]
    consent = Blocks(styles, doc.width, room, whole=True)  # no paragraph split
    story += consent_story(packet, consent)
    if packet.record is not None:  # the consent in the source language, for the record, from a front page
        story += [
            NextPageTemplate("record"),
            PageBreak(),
            ActionFlowable(("section", "record", packet.record.language)),
            ActionFlowable(("oddPage",)),  # a blank back here is the record's (`page.Decorator.section`)
        ]
        record = Blocks(styles, doc.width, doc.height - banner - zones["record"] - footer["record"], whole=True)
        story += consent_story(packet.record, record, ("record", packet.labels.record_banner))
    doc.build(story, canvasmaker=deferred_canvas(decorator, tagger))
    return Rendered(buffer.getvalue(), doc.page, tagger.root)
