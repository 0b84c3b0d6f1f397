"""The print run: every packet of a batch in one PDF, each starting on a front page.

Written while it is assembled: each packet is opened, its pages, structure tree and what they use
are written to the run's file object by object, and it is closed before the next one, so a run of
thousands of packets takes the memory of one packet and of a few numbers per page (pikepdf and qpdf
hold a whole document in memory until it is saved, and have no writer that does not: 3 GB for 2,000
packets). An object the run already holds, the same dictionary and (a stream) the same bytes, is
written once and shared: a font program and its descriptor, widths and ToUnicode map, a figure, a
header's form. Packets with the same glyphs have the same font subsets (tagged by their content,
`render.fonts.subset_tag`), so a day's subsets collapse to a few.

The file is what qpdf writes for a PDF/A-2b (`archival.to_pdfa`): objects as qpdf unparses them,
`stream`/`endstream` on lines of their own, a cross-reference table and no object streams, the
output intent, XMP metadata and a trailer `/ID` derived from the content, so the same packets give
the same bytes.
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import BinaryIO

import pikepdf

from ..models.entry import Entry
from .archival import SRGB, srgb_profile_compressed, xmp_packet
from .output import atomic_file

NAME = "print-run.pdf"

_REFERENCE = re.compile(rb"\((?:[^\\)]|\\.)*\)|<[0-9A-Fa-f\s]*>|(?<=[\s\[])(\d+) (\d+) R", re.DOTALL)
"""In qpdf's unparsed text: a literal string (qpdf escapes the parentheses inside one) or a hex string,
left as they are, or an indirect reference, to renumber."""

_INHERITED = ("/Resources", "/MediaBox", "/CropBox", "/Rotate")
_OWN = {"/Page", "/Pages", "/StructElem", "/StructTreeRoot", "/Catalog", "/Annot", "/Outlines"}
"""The kinds of object a packet keeps as its own in the run (they refer to their parents): never shared."""
_FAN = 1024
"""The most kids of a node of the run's page tree and entries of a leaf of its ParentTree: a day of
thousands of pages in arrays PDF/A-1's limit of 8,191 entries allows (PDFBox Preflight checks it)."""


def write_print_run(
    entries: Sequence[Entry], out_dir: Path, name: str = NAME, progress: Callable[[int], None] | None = None
) -> Path:
    """Merge the `ok` packets in appointment-time order; a blank back keeps patients on separate sheets.
    Each packet keeps its structure tree, as one `Part` of the run's `Document`, so the run is tagged
    as its packets are. `progress` hears how many packets are in after each one."""
    ordered = sorted(
        (e for e in entries if e.status == "ok" and e.file), key=lambda e: (e.start or "", e.appointment_id or "")
    )
    # PDF/A-2b like each packet, dated by the run's first appointment day (the day it is for).
    day = min((date.fromisoformat(e.start[:10]) for e in ordered if e.start), default=date(2000, 1, 1))
    target = out_dir / name
    with atomic_file(target) as handle:
        run = _RunWriter(handle)
        for done, entry in enumerate(ordered, 1):
            with pikepdf.open(out_dir / str(entry.file)) as packet:
                run.add_packet(packet, f"{(entry.start or '').replace('T', ' ')} {entry.appointment_id}")
            if progress is not None:
                progress(done)
        run.finish(len(ordered), day)
    return target


def run_pages_of(pages: Sequence[int]) -> int:
    """The pages a run of packets of `pages` pages each (in run order) will have: see `run_pages`."""
    total = 0
    for count in pages:
        total += total % 2 + count
    return total


def run_pages(packets: Sequence[Path]) -> int:
    """The pages a run of `packets` (in run order) will have, as `write_print_run` puts them together:
    each packet's own, and a blank back before each packet that would start on a back (even) page.
    A packet that cannot be read counts nothing (the run itself says so)."""
    total = 0
    for path in packets:
        try:
            with pikepdf.open(path) as packet:
                pages = len(packet.pages)
        except (OSError, pikepdf.PdfError):
            continue
        total += total % 2 + pages
    return total


class _File:
    """The run's file as it is written: numbered objects, their offsets, and a digest of every byte
    (the trailer's `/ID`)."""

    def __init__(self, handle: BinaryIO) -> None:
        self.handle = handle
        self.position = 0
        self.digest = hashlib.md5(usedforsecurity=False)
        self.offsets = array("Q", [0])  # object 0 is the head of the free list
        self.write(b"%PDF-1.4\n%\xbf\xf7\xa2\xfe\n")

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.digest.update(data)
        self.position += len(data)

    def reserve(self) -> int:
        """A new object number, for an object written now or later (every one reserved is written)."""
        self.offsets.append(0)
        return len(self.offsets) - 1

    def object(self, number: int, body: bytes, data: bytes | None = None) -> None:
        """Object `number`: `body` (a stream's dictionary, its /Length given, when `data` is its bytes)."""
        self.offsets[number] = self.position
        self.write(b"%d 0 obj\n%s\n" % (number, body))
        if data is not None:
            self.write(b"stream\n%s\nendstream\n" % data)
        self.write(b"endobj\n")

    def close(self, root: int, info: int) -> None:
        """The cross-reference table and the trailer."""
        start = self.position
        size = len(self.offsets)
        self.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for chunk in range(1, size, 4096):
            self.write(b"".join(b"%010d 00000 n \n" % offset for offset in self.offsets[chunk : chunk + 4096]))
        identifier = self.digest.hexdigest().encode("ascii")
        self.write(
            b"trailer << /Info %d 0 R /Root %d 0 R /Size %d /ID [<%s><%s>] >>\nstartxref\n%d\n%%%%EOF\n"
            % (info, root, size, identifier, identifier, start)
        )


class _RunWriter:
    """The run, packet by packet: their objects written as they come, the run's own at the end."""

    def __init__(self, handle: BinaryIO) -> None:
        self.file = _File(handle)
        self.leaves = [self.file.reserve()]  # the page tree's nodes of _FAN pages (the root, while one)
        self.document = self.file.reserve()
        self.pages: list[int] = []
        self.parts: list[int] = []
        self.nums: list[tuple[int, bytes]] = []  # the ParentTree's entries: a page's index, its elements
        self.marks: list[tuple[str, int]] = []
        self.languages: set[str] = set()
        self.shared: dict[bytes, int] = {}  # a stream's dictionary and bytes → its object
        self.blank_contents: int | None = None
        self.back_box = b""  # a blank back's /MediaBox: the size of the page before it

    def add_packet(self, packet: pikepdf.Pdf, title: str) -> None:
        self.languages.add(str(packet.Root.get("/Lang", "und")))
        if len(self.pages) % 2 == 1:  # the next packet must start on a front (odd) page
            self._blank_page()
        first = len(self.pages)
        copier = _Copier(self.file, packet, self.shared, self._fixed(packet, self._leaf(first)))
        tree = packet.Root.get("/StructTreeRoot")
        owners: dict[int, pikepdf.Object] = {}
        if tree is not None:
            found = tree.ParentTree.Nums
            owners = {int(found[i]): found[i + 1] for i in range(0, len(found), 2)}
        parents: dict[int, pikepdf.Object] = {}  # stand-ins in the packet for the run's page tree nodes
        for offset, page in enumerate(packet.pages):
            obj = page.obj
            _push_inherited(obj)
            index = first + offset
            leaf = self._leaf(index)
            if leaf not in parents:
                parents[leaf] = packet.make_indirect(pikepdf.Dictionary())
                copier.numbers[parents[leaf].objgen] = leaf
            obj.Parent = parents[leaf]
            self.back_box = pikepdf.Array([0, 0, obj.MediaBox[2], obj.MediaBox[3]]).unparse()
            key = obj.get("/StructParents")
            if key is not None:
                obj.StructParents = index  # numbered anew, from the run's page index
                self.nums.append((index, copier.value(owners[int(key)])))
            self.pages.append(copier.number(obj.objgen))
        if tree is not None:
            part = tree.K
            part.S = pikepdf.Name.Part  # the packet's document: a part of the run's
            if "/Lang" in packet.Root:
                part.Lang = packet.Root.Lang  # a Spanish packet in an English run reads as Spanish
            self.parts.append(copier.number(part.objgen))
        copier.drain()
        self.marks.append((title, self.pages[first]))

    def _leaf(self, index: int) -> int:
        """The page tree node of the run's page `index`."""
        while len(self.leaves) <= index // _FAN:
            self.leaves.append(self.file.reserve())
        return self.leaves[index // _FAN]

    def _fixed(self, packet: pikepdf.Pdf, leaf: int) -> dict[tuple[int, int], int]:
        """The packet's objects that become the run's: its page tree (a node of the run's, `leaf`, should
        anything but its pages refer to it) and its structure tree root (its document's /P)."""
        fixed: dict[tuple[int, int], int] = {}
        nodes = [packet.Root.Pages]
        while nodes:
            node = nodes.pop()
            fixed[node.objgen] = leaf
            nodes += [kid for kid in node.get("/Kids", ()) if kid.get("/Type") == pikepdf.Name.Pages]
        if "/StructTreeRoot" in packet.Root:
            fixed[packet.Root.StructTreeRoot.objgen] = self.document
        return fixed

    def _blank_page(self) -> None:
        if self.blank_contents is None:
            self.blank_contents = self.file.reserve()
            self.file.object(self.blank_contents, b"<< /Length 0 >>", b"")
        number = self.file.reserve()
        self.file.object(
            number,
            b"<< /Contents %d 0 R /MediaBox %s /Parent %d 0 R /Resources << >> /Type /Page >>"
            % (self.blank_contents, self.back_box, self._leaf(len(self.pages))),
        )
        self.pages.append(number)

    def finish(self, packets: int, day: date) -> None:
        """The run's own objects: page tree, structure tree, outline, output intent, metadata, catalog."""
        write, reserve = self.file.object, self.file.reserve
        pages_root = self._page_tree()
        tree, parent_tree = reserve(), self._parent_tree()
        parts = b" ".join(b"%d 0 R" % part for part in self.parts)
        write(self.document, b"<< /K [ %s ] /P %d 0 R /S /Document /Type /StructElem >>" % (parts, tree))
        write(
            tree,
            b"<< /K %d 0 R /ParentTree %d 0 R /ParentTreeNextKey %d /Type /StructTreeRoot >>"
            % (self.document, parent_tree, len(self.pages)),
        )
        outline = self._outline()
        # One language for the run when its packets share one, else `mul` (BCP 47: several languages).
        language = self.languages.pop() if len(self.languages) == 1 else "mul"
        stamp = pikepdf.String(f"D:{day:%Y%m%d}000000Z")
        info = pikepdf.Dictionary(
            CreationDate=stamp,
            Creator=pikepdf.String("packetgen"),
            ModDate=stamp,
            Producer=pikepdf.String("packetgen (pikepdf)"),
            Title=pikepdf.String(f"Print run: {packets} packets"),
        )
        info_number = reserve()
        write(info_number, info.unparse())
        metadata = reserve()
        xmp = xmp_packet(info, language, day, tagged=True).encode("utf-8")
        write(metadata, b"<< /Length %d /Subtype /XML /Type /Metadata >>" % len(xmp), xmp)
        profile = reserve()
        icc = srgb_profile_compressed()
        write(profile, b"<< /Filter /FlateDecode /Length %d /N 3 >>" % len(icc), icc)
        srgb = pikepdf.String(SRGB).unparse()
        root = reserve()
        write(
            root,
            b"<< /Lang %s /MarkInfo << /Marked true >> /Metadata %d 0 R /Outlines %d 0 R "
            b"/OutputIntents [ << /DestOutputProfile %d 0 R /Info %s /OutputConditionIdentifier %s "
            b"/S /GTS_PDFA1 /Type /OutputIntent >> ] /Pages %d 0 R /StructTreeRoot %d 0 R /Type /Catalog "
            b"/ViewerPreferences << /DisplayDocTitle true >> >>"
            % (pikepdf.String(language).unparse(), metadata, outline, profile, srgb, srgb, pages_root, tree),
        )
        self.file.close(root, info_number)

    def _page_tree(self) -> int:
        """The page tree: its first node alone while the run has at most _FAN pages, else a root over
        nodes of _FAN pages."""
        write, count = self.file.object, len(self.pages)
        if len(self.leaves) == 1:
            kids = b" ".join(b"%d 0 R" % page for page in self.pages)
            write(self.leaves[0], b"<< /Count %d /Kids [ %s ] /Type /Pages >>" % (count, kids))
            return self.leaves[0]
        root = self.file.reserve()
        for n, leaf in enumerate(self.leaves):
            pages = self.pages[n * _FAN : (n + 1) * _FAN]
            kids = b" ".join(b"%d 0 R" % page for page in pages)
            write(leaf, b"<< /Count %d /Kids [ %s ] /Parent %d 0 R /Type /Pages >>" % (len(pages), kids, root))
        leaves = b" ".join(b"%d 0 R" % leaf for leaf in self.leaves)
        write(root, b"<< /Count %d /Kids [ %s ] /Type /Pages >>" % (count, leaves))
        return root

    def _parent_tree(self) -> int:
        """The ParentTree, a number tree: its entries in one node while they are at most _FAN, else
        leaves of _FAN under a root."""
        root = self.file.reserve()
        if len(self.nums) <= _FAN:
            entries = b" ".join(b"%d %s" % entry for entry in self.nums)
            self.file.object(root, b"<< /Nums [ %s ] >>" % entries)
            return root
        leaves = []
        for start in range(0, len(self.nums), _FAN):
            chunk = self.nums[start : start + _FAN]
            leaves.append(self.file.reserve())
            entries = b" ".join(b"%d %s" % entry for entry in chunk)
            limits = b"[ %d %d ]" % (chunk[0][0], chunk[-1][0])
            self.file.object(leaves[-1], b"<< /Limits %s /Nums [ %s ] >>" % (limits, entries))
        self.file.object(root, b"<< /Kids [ %s ] >>" % b" ".join(b"%d 0 R" % leaf for leaf in leaves))
        return root

    def _outline(self) -> int:
        """An outline item per packet, on its first page, in run order."""
        outline = self.file.reserve()
        items = [self.file.reserve() for _ in self.marks]
        for n, ((title, page), item) in enumerate(zip(self.marks, items, strict=True)):
            links = b"".join(
                b" /%s %d 0 R" % (key, items[m])
                for key, m in ((b"Next", n + 1), (b"Prev", n - 1))
                if 0 <= m < len(items)
            )
            self.file.object(
                item,
                b"<< /Count 0 /Dest [ %d 0 R /Fit ]%s /Parent %d 0 R /Title %s >>"
                % (page, links, outline, pikepdf.String(title).unparse()),
            )
        ends = b" /First %d 0 R /Last %d 0 R" % (items[0], items[-1]) if items else b""
        self.file.object(outline, b"<< /Count %d%s /Type /Outlines >>" % (len(items), ends))
        return outline


class _Copier:
    """One packet's objects into the run, each written once and renumbered. An object the run already
    holds (the same dictionary and, for a stream, the same bytes, once what it refers to is numbered)
    is shared instead: a font program, its descriptor and widths, a header's form. Pages and structure
    elements, which refer back to their parents, are the packet's own."""

    def __init__(
        self, file: _File, packet: pikepdf.Pdf, shared: dict[bytes, int], fixed: dict[tuple[int, int], int]
    ) -> None:
        self.file = file
        self.packet = packet
        self.shared = shared
        self.numbers = fixed
        self.pending: list[tuple[int, int]] = []  # the packet's own objects, numbered, to write
        self.visiting: set[tuple[int, int]] = set()

    def number(self, objgen: tuple[int, int]) -> int:
        """The run's number for one of the packet's objects: a shared one written now (with what it
        refers to), the packet's own by `drain`."""
        number = self.numbers.get(objgen)
        if number is not None:
            return number
        obj = self.packet.get_object(objgen)
        if isinstance(obj, pikepdf.Dictionary) and str(obj.get("/Type", "")) in _OWN:
            number = self.numbers[objgen] = self.file.reserve()
            self.pending.append(objgen)
            return number
        if objgen in self.visiting:  # refers to itself through others: numbered before it is known
            number = self.numbers[objgen] = self.file.reserve()
            return number
        self.visiting.add(objgen)
        if isinstance(obj, pikepdf.Stream):
            raw = obj.read_raw_bytes()
            fields = obj.stream_dict
            if "/Length" in fields:
                del fields["/Length"]  # the packet is never saved: its /Length is given anew below
            body = b"<< /Length %d %s" % (len(raw), self._renumbered(fields.unparse(resolved=True))[3:])
            key = hashlib.sha256(body + b"\nstream\n" + raw).digest()
            data: bytes | None = raw
        else:
            data = None
            body = self._renumbered(obj.unparse(resolved=True))
            key = hashlib.sha256(body).digest()
        self.visiting.discard(objgen)
        number = self.numbers.get(objgen)
        if number is not None:  # numbered while it was visited: written as itself
            self.file.object(number, body, data)
            return number
        number = self.shared.get(key)
        if number is None:
            number = self.shared[key] = self.file.reserve()
            self.file.object(number, body, data)
        self.numbers[objgen] = number
        return number

    def value(self, obj: pikepdf.Object) -> bytes:
        """An object as it is written where it is used: a reference, or a direct object renumbered."""
        if obj.is_indirect:
            return b"%d 0 R" % self.number(obj.objgen)
        return self._renumbered(obj.unparse(resolved=True))

    def drain(self) -> None:
        """Write the packet's own objects (and what they refer to)."""
        while self.pending:
            objgen = self.pending.pop()
            body = self._renumbered(self.packet.get_object(objgen).unparse(resolved=True))
            self.file.object(self.numbers[objgen], body)

    def _renumbered(self, text: bytes) -> bytes:
        def renumber(match: re.Match[bytes]) -> bytes:
            if match.group(1) is None:
                return match.group(0)  # a string
            return b"%d 0 R" % self.number((int(match.group(1)), int(match.group(2))))

        return _REFERENCE.sub(renumber, text)


def _push_inherited(page: pikepdf.Object) -> None:
    """A page's inherited attributes on the page itself: its page tree is not copied."""
    for key in _INHERITED:
        if key in page:
            continue
        node = page.get("/Parent")
        while node is not None and key not in node:
            node = node.get("/Parent")
        if node is not None:
            page[key] = node[key]
