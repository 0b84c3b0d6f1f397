"""`generate.py purge`: remove the patient data the retention settings have passed (`serve` does the
same once a day). One line: how many of each were removed (counts only)."""

from __future__ import annotations

import argparse

from ..settings import Settings
from . import EXIT_OK


def purge_command(args: argparse.Namespace, settings: Settings) -> int:
    from ..store import open_store
    from ..store.retention import purge_site

    del args
    store = open_store(settings)
    try:
        print(purge_site(store, settings).line())
    finally:
        store.close()
    return EXIT_OK
