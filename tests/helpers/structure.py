"""Reading a packet's structure tree back as a screen reader gets it, and checking it: our own walk over
the content streams and the tree, and the `pdfua` checker (PyPI).

`struct_tree` walks the tree (pikepdf) and gives each marked-content sequence the text PDFium reads on
its page (Chromium's PDF engine, whose tree Chrome's screen-reader support reads): a packet in 30 ms.
`poppler_struct_tree` is poppler's `pdfinfo -struct-text`, a second reader by other hands, but 2 to 5 s
a packet; `tests/pdf/test_tagged.py` holds the two to the same elements, texts and attributes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium


@dataclass
class Node:
    """One structure element as poppler prints it."""

    role: str
    attributes: list[str] = field(default_factory=list)
    kids: list[Node | str] = field(default_factory=list)

    @property
    def own_text(self) -> str:
        return "".join(kid for kid in self.kids if isinstance(kid, str))

    @property
    def text(self) -> str:
        return "".join(kid if isinstance(kid, str) else kid.text for kid in self.kids)

    def elements(self) -> Iterator[Node]:
        """This element and every element under it, in reading (document) order."""
        yield self
        for kid in self.kids:
            if isinstance(kid, Node):
                yield from kid.elements()

    def find(self, role: str) -> list[Node]:
        return [node for node in self.elements() if node.role == role]


def struct_tree(pdf: Path) -> Node:
    """The document's structure element, as poppler prints it (`poppler_struct_tree`): each element's
    role, its attributes (`/Scope /Column`), its elements and the text of its marked content, in order."""
    texts = _marked_texts(pdf)
    with pikepdf.open(pdf) as document:
        pages = {page.obj.objgen: index for index, page in enumerate(document.pages)}

        def build(element: pikepdf.Object, page: int) -> Node:
            node = Node(str(element.S).removeprefix("/"))
            if "/Pg" in element:
                page = pages[element.Pg.objgen]
            for owner in _listed(element.get("/A")):
                if isinstance(owner, pikepdf.Dictionary):
                    node.attributes += [f"{key} {_shown(value)}" for key, value in owner.items() if key != "/O"]
            for kid in _listed(element.get("/K")):
                if is_element(kid):
                    node.kids.append(build(kid, page))
                elif isinstance(kid, int):
                    node.kids.append(texts.get((page, kid), ""))
                elif isinstance(kid, pikepdf.Dictionary) and "/MCID" in kid:  # a marked-content reference
                    where = pages[kid.Pg.objgen] if "/Pg" in kid else page
                    node.kids.append(texts.get((where, int(kid.MCID)), ""))
            return node

        (top,) = _listed(document.Root.StructTreeRoot.K)
        return build(top, -1)  # type: ignore[arg-type]  # (a pikepdf Object: the Document element)


def _listed(value: object) -> list[object]:
    """A /K or /A entry as a list: one object, an array, or nothing."""
    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def _shown(value: object) -> str:
    """An attribute's value as poppler prints it: `/Column`, `[66 417 546 696]`, six digits."""
    if isinstance(value, pikepdf.Array):
        return "[" + " ".join(_shown(item) for item in value) + "]"
    if isinstance(value, (int, float, Decimal)):
        return f"{float(value):g}"
    return str(value)


def _marked_texts(pdf: Path) -> dict[tuple[int, int], str]:
    """The text of each (page index, MCID) as PDFium reads its page: PDFium's own spaces and line ends
    between words and lines go with the sequence before them; each ends in a space, as poppler's."""
    chars: dict[tuple[int, int], list[str]] = {}
    document = pypdfium2.PdfDocument(pdf)
    try:
        for index, page in enumerate(document):
            kept = page.get_textpage()  # (closed when collected: held while its handle is used)
            textpage = kept.raw
            mcid = -1
            for char in range(pdfium.FPDFText_CountChars(textpage)):
                drawn = pdfium.FPDFText_GetTextObject(textpage, char)  # none for a space PDFium adds
                if drawn:
                    mcid = pdfium.FPDFPageObj_GetMarkedContentID(drawn)  # -1: an artifact
                if mcid >= 0:
                    chars.setdefault((index, mcid), []).append(chr(pdfium.FPDFText_GetUnicode(textpage, char)))
    finally:
        document.close()
    return {key: "".join(found).rstrip() + " " for key, found in chars.items()}


def poppler_struct_tree(pdf: Path) -> Node:
    """`pdfinfo -struct-text`, parsed: an indented tree, text in quotes, attributes after `ROLE:`."""
    printed = subprocess.run(["pdfinfo", "-struct-text", str(pdf)], capture_output=True, text=True, check=True).stdout
    top = Node("(root)")
    stack: list[tuple[int, Node]] = [(-1, top)]
    for line in printed.splitlines():
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip(" "))
        stripped = line.strip()
        while stack[-1][0] >= indent and not stripped.startswith("/"):
            stack.pop()
        parent = stack[-1][1]
        if stripped.startswith('"') and stripped.endswith('"'):
            parent.kids.append(stripped[1:-1])
        elif stripped.startswith("/"):
            parent.attributes.append(stripped)
        else:
            node = Node(stripped.split()[0].rstrip(":"))
            parent.kids.append(node)
            stack.append((indent, node))
    (document,) = top.kids
    assert isinstance(document, Node)
    return document


PAINTING = {"Tj", "TJ", "'", '"', "Do", "S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "sh", "INLINE IMAGE"}


def marked_content_problems(pdf: pikepdf.Pdf) -> list[str]:
    """What breaks the rule that all a page paints is content (inside a marked-content sequence
    with an MCID that the structure tree owns) or an artifact, and nothing is both."""
    problems: list[str] = []
    tree = pdf.Root.StructTreeRoot
    nums = tree.ParentTree.Nums
    owners = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
    for number, page in enumerate(pdf.pages, 1):
        stack: list[str] = []  # "mcid", "artifact" or "other" for each open sequence
        mcids: list[int] = []
        for instruction in pikepdf.parse_content_stream(page):
            op = str(instruction.operator)
            if op in ("BDC", "BMC"):
                tag = str(instruction.operands[0])
                props = instruction.operands[1] if op == "BDC" else None
                if tag == "/Artifact":
                    if "mcid" in stack:
                        problems.append(f"page {number}: an artifact inside content")
                    stack.append("artifact")
                elif isinstance(props, pikepdf.Dictionary) and "/MCID" in props:
                    if "mcid" in stack or "artifact" in stack:
                        problems.append(f"page {number}: MCID {props.MCID} nested in marked content")
                    mcids.append(int(props.MCID))
                    stack.append("mcid")
                else:
                    stack.append("other")
            elif op == "EMC":
                if not stack:
                    problems.append(f"page {number}: EMC without BDC")
                else:
                    stack.pop()
            elif op in PAINTING and "mcid" not in stack and "artifact" not in stack:
                problems.append(f"page {number}: {op} outside marked content")
        if stack:
            problems.append(f"page {number}: marked content left open")
        if not mcids:
            continue
        if sorted(mcids) != list(range(len(mcids))):
            problems.append(f"page {number}: MCIDs {mcids} are not 0..n-1, each once")
        owned = owners.get(int(page.obj.get("/StructParents", -1)))
        if owned is None or len(owned) != len(mcids):
            problems.append(f"page {number}: the ParentTree does not list each MCID's element")
            continue
        for mcid in mcids:
            kids = owned[mcid].K
            kids = list(kids) if isinstance(kids, pikepdf.Array) else [kids]
            refs = [int(k) if isinstance(k, int) else int(k.MCID) for k in kids if not is_element(k)]
            if mcid not in refs:
                problems.append(f"page {number}: MCID {mcid}'s element in the ParentTree does not hold it")
    return problems


def is_element(kid: object) -> bool:
    return isinstance(kid, pikepdf.Dictionary) and "/S" in kid


def tree_problems(pdf: pikepdf.Pdf) -> list[str]:
    """Every structure element reached once from the root, each pointing back at its parent."""
    problems: list[str] = []
    seen: set[tuple[int, int]] = set()

    def walk(node: pikepdf.Object, parent: pikepdf.Object) -> None:
        key = node.objgen
        if key in seen:
            problems.append(f"{node.S} reached twice")
            return
        seen.add(key)
        if node.P.objgen != parent.objgen:
            problems.append(f"{node.S}: /P is not its parent")
        kids = node.get("/K")
        for kid in kids if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []:
            if is_element(kid):
                walk(kid, node)

    root = pdf.Root.StructTreeRoot
    walk(root.K, root)
    return problems


def pdfua(path: Path) -> list[dict[str, object]]:
    """The `pdfua` checker's findings (its JSON report)."""
    done = subprocess.run(
        [sys.executable, "-m", "pdfua", "check", "--format", "json", str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode in (0, 1, 2, 3), done.stdout + done.stderr
    findings: list[dict[str, object]] = json.loads(done.stdout)["findings"]
    assert (done.returncode == 0) == (not findings), done.stdout
    return findings
