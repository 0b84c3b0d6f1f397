"""What every request of one app instance shares: settings, the store, the content library."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from ..build import Generator, make_generator
from ..library import Library
from ..settings import Settings
from ..store import Store

RENDERING = threading.Lock()
"""One packet drawn at a time in this process: rendering keeps per-process caches (fonts, parsed
paragraphs, subset names) that are not made for threads. The API, uploads, the watched folder and
reprints all take it; run several workers for more at once."""


@dataclass
class Context:
    settings: Settings
    store: Store
    library: Library

    def generator(self, layout_name: str | None = None) -> Generator:
        """The generator for now (today's date at the site), writing into the web output folder."""
        return make_generator(self.settings, self.settings.web.out_dir, layout_name, self.library)
