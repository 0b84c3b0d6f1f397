"""Logging for operators: one stderr handler, one fixed format, no patient data by construction.

Each door (the command line, `generate.py serve` and each of its workers, the worker processes of
a pool) calls `configure` once at start with `Settings.log_level`; modules log through
`logging.getLogger(__name__)`. What our code logs is ids (appointment, message, control, entry,
job, print run), counts, durations, states and our own error lines, never a name, an MRN, a date
of birth, an address or a record's free text. Two things are not ours, and the format leaves them
out whatever they hold:

- an exception's message (a `KeyError` repeats its key, a `ValueError` the value it refused):
  a traceback is written as its frames (file, line, function, source line) and the exception's
  type, never its message or notes;
- another library's message (uvicorn's server messages excepted): written as the library's logger
  name and where it logged from, with its traceback's frames, not its words.
"""

from __future__ import annotations

import logging
import sys
import time
import traceback
from contextvars import ContextVar
from types import TracebackType
from typing import Final, TextIO

LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR")

request_id: ContextVar[str | None] = ContextVar("packetgen_request_id", default=None)
"""The web request being answered (`X-Request-ID`), added to every line logged while answering it."""

_OURS: Final = ("packetgen", "uvicorn.error")
"""Loggers whose messages are written as they are: ours (ids and counts only) and uvicorn's server
messages (starting, stopping; never a request's content). uvicorn's access log is not among them:
its lines carry the query string."""
_FLOOR: Final = logging.WARNING
"""Other libraries log only from here up, whatever the level (their debug lines are not ours to vouch
for)."""


class Formatter(logging.Formatter):
    """`2026-12-07T13:30:00.123Z INFO packetgen.batch.run [1234] [request 9f…]: message`, then a
    traceback's frames without the exception's message. Leaves the record as it found it (another
    handler may format it its own way)."""

    def format(self, record: logging.LogRecord) -> str:
        moment = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        millis = int(record.msecs)
        request = getattr(record, "request_id", None) or request_id.get()
        where = f" [request {request}]" if request else ""
        if _is_ours(record.name):
            message = record.getMessage()
        else:
            message = f"(message withheld: not packetgen's; logged at {record.filename}:{record.lineno})"
        line = f"{moment}.{millis:03d}Z {record.levelname} {record.name} [{record.process}]{where}: {message}"
        if record.exc_info and record.exc_info[1] is not None:
            line += "\n" + frames(record.exc_info[1]).rstrip("\n")
        if record.stack_info:
            line += "\n" + record.stack_info.rstrip("\n")
        return line


def frames(exc: BaseException) -> str:
    """A traceback as Python prints it (causes and contexts first, then the exception), each
    exception's message replaced by its type's name."""
    return "".join(_frames(exc, set()))


def _frames(exc: BaseException, seen: set[int]) -> list[str]:
    seen.add(id(exc))
    lines: list[str] = []
    cause, context = exc.__cause__, exc.__context__
    if cause is not None and id(cause) not in seen:
        lines += _frames(cause, seen)
        lines.append("\nThe above exception was the direct cause of the following exception:\n\n")
    elif context is not None and not exc.__suppress_context__ and id(context) not in seen:
        lines += _frames(context, seen)
        lines.append("\nDuring handling of the above exception, another exception occurred:\n\n")
    lines += _one(exc.__traceback__, exc)
    if isinstance(exc, BaseExceptionGroup):
        for number, inner in enumerate(exc.exceptions, 1):
            if id(inner) not in seen:
                lines.append(f"\n+---- {type(exc).__name__} member {number} of {len(exc.exceptions)} ----\n")
                lines += _frames(inner, seen)
    return lines


def _one(tb: TracebackType | None, exc: BaseException) -> list[str]:
    lines = ["Traceback (most recent call last):\n", *traceback.format_list(traceback.extract_tb(tb))] if tb else []
    kind = type(exc)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    if kind.__name__ == "_RemoteTraceback":  # concurrent.futures: the worker's traceback, as text
        return [*lines, f"{name} (the worker process logged its own traceback)\n"]
    return [*lines, f"{name} (message withheld)\n"]


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is when a line is written (as logging's last resort does)."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:
        return sys.stderr


def configure(level: str = "WARNING") -> None:
    """Log to stderr from `level` up (one of `LEVELS`): our loggers from `level`, other libraries'
    from WARNING or `level` if higher. Idempotent: a second call changes the level, never adds a
    handler."""
    number = logging.getLevelName(level.upper())
    if level.upper() not in LEVELS or not isinstance(number, int):
        raise ValueError(f"expected a log level, one of {', '.join(LEVELS)}")
    root = logging.getLogger()
    if not any(isinstance(h, _StderrHandler) for h in root.handlers):
        handler = _StderrHandler()
        handler.setFormatter(Formatter())
        root.addHandler(handler)
    root.setLevel(max(number, _FLOOR))
    logging.getLogger("packetgen").setLevel(number)
    logging.getLogger("uvicorn.error").setLevel(max(number, logging.INFO))


def configured_level() -> str | None:
    """The level `configure` set in this process (None if it was never called): what a pool passes
    to its worker processes."""
    if not any(isinstance(h, _StderrHandler) for h in logging.getLogger().handlers):
        return None
    return logging.getLevelName(logging.getLogger("packetgen").getEffectiveLevel())


def _is_ours(name: str) -> bool:
    return any(name == mine or name.startswith(f"{mine}.") for mine in _OURS)
