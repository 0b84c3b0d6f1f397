"""`preview`: sample packets for made-up patients, for the people who write content, and `--watch`,
which makes them again at every save (`cli/__init__.py` dispatches here; the work is `preview.py`'s)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from typing import TYPE_CHECKING, Any

from ..errors import PacketgenError, UsageError

if TYPE_CHECKING:
    from pathlib import Path

    from ..settings import Settings

EXIT_OK, EXIT_UNUSABLE = 0, 2
logger = logging.getLogger(__name__)


def preview_command(args: argparse.Namespace, settings: Settings) -> int:
    """Make the samples once; with `--watch`, again whenever a content, layout or department file
    changes, until Ctrl-C. A file with errors is named with every error, and the watch goes on."""
    if not args.watch:
        return EXIT_OK if _make(args, settings) else EXIT_UNUSABLE
    from ..preview import snapshot, watch

    root = settings.content_root
    signal.signal(signal.SIGTERM, _interrupt)  # stopped like Ctrl-C: a line, no traceback
    try:
        folders = "{packets,packets/fragments,layouts,departments}/*.yaml and packets/figures"
        print(f"watching {root}/{folders}; Ctrl-C stops", flush=True)
        before = snapshot(root)  # a save while the first samples are made is seen
        _attempt(args, settings)

        def remake(files: list[Path]) -> None:
            print(f"changed: {', '.join(_shown(path, root) for path in files)}", flush=True)
            _attempt(args, settings)

        watch(root, remake, since=before)
    except KeyboardInterrupt:
        print("stopped", flush=True)
    return EXIT_OK


def _make(args: argparse.Namespace, settings: Settings) -> bool:
    """Make the samples and print each path; False (the errors printed, each once) when none could be made."""
    from ..library import load_library
    from ..preview import make_previews

    said = set()
    try:
        library = load_library(settings.content_root, strict=False)  # InputErrors when nothing could be made
        for errors in library.broken_files.values():  # every error of a broken file: the writer is fixing it
            for error in errors:
                print(error, file=sys.stderr)
                said.add(str(error))
        previews = make_previews(
            library,
            settings,
            args.packet,
            args.out,
            language=args.language,
            layout_name=args.layout,
            department=args.department,
        )
    except PacketgenError as exc:
        prefix = "generate.py: error: " if isinstance(exc, UsageError) else ""
        for line in exc.lines():
            if line not in said:
                print(f"{prefix}{line}", file=sys.stderr)
        return False
    for preview in previews:
        for warning in preview.made.warnings:
            if not warning.startswith("preview:"):  # about the content (overdue), not the made-up record
                print(warning, file=sys.stderr)
        print(preview.path, flush=True)
    return True


def _attempt(args: argparse.Namespace, settings: Settings) -> None:
    """`_make` for the watch: whatever goes wrong is said in a line or a few, and the watch goes on."""
    try:
        if not _make(args, settings):
            print("waiting for the next change", file=sys.stderr, flush=True)
    except Exception as exc:  # a bug: one line, as `main` says it; the next save tries again
        if settings.debug:
            raise
        logger.exception("internal error in `preview --watch`")
        print(
            f"generate.py: internal error ({type(exc).__name__}); rerun with PACKETGEN_DEBUG=1 and report it",
            file=sys.stderr,
            flush=True,
        )


def _interrupt(_signum: int, _frame: Any) -> None:
    raise KeyboardInterrupt


def _shown(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
