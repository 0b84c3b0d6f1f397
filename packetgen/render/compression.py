"""ReportLab's Flate filter, remembering what it has compressed: the same bytes out, less work.

Most of a packet's streams recur from one patient to the next: the font subsets (the same text
needs the same glyphs), the figure, the pages whose text is not personal. Compressing is the
largest single cost of writing a PDF, so the filter keeps the compressed form of recent streams,
found by a digest of their bytes, and compresses only what it has not seen. zlib is deterministic
for the same input and level, so the output is byte for byte what compressing again would give.
"""

from __future__ import annotations

import hashlib
import zlib
from collections import OrderedDict
from threading import Lock

from reportlab.pdfbase import pdfdoc

LIMIT = 48_000_000
"""Bytes of compressed streams kept per process (the oldest go first)."""


class RememberingFlate(pdfdoc.PDFStreamFilterZCompress):
    """ReportLab's `FlateDecode` filter with a bounded memory of digests and compressed forms."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self._kept: OrderedDict[bytes, bytes] = OrderedDict()
        self._size = 0
        self._lock = Lock()

    def encode(self, text: str | bytes) -> bytes:
        data = text.encode("utf8") if isinstance(text, str) else text
        key = hashlib.blake2b(data, digest_size=20).digest()
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        packed = zlib.compress(data)
        with self._lock:
            if key not in self._kept:
                self._kept[key] = packed
                self._size += len(packed)
                while self._size > self.limit:
                    self._size -= len(self._kept.popitem(last=False)[1])
        return packed


def install() -> None:
    """Make every stream ReportLab writes in this process go through the remembering filter
    (ReportLab looks its filter up by this module-level name each time it writes a stream)."""
    if not isinstance(pdfdoc.PDFZCompress, RememberingFlate):
        pdfdoc.PDFZCompress = RememberingFlate()
