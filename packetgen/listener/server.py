"""The MLLP listener: store each message durably, then acknowledge it, then make its packet.

Layers, bottom up:
- framing: python-hl7's MLLP stream reader (`readblock`, size-capped), one
  acknowledgement per frame;
- `receive` (one frame → one ACK): parse, read the SIU fields, check the record
  as `batch` would before drawing anything, store the message with the state
  its ACK will report, commit (SQLite WAL with full sync), and only then
  answer AA, AE (the errors in MSA-3 and ERR) or AR (not a message we take);
- `Processor` (a thread): makes the packets of stored messages with the batch
  machinery (`batch.run_task` in a `pool.Workers`), events for one appointment
  in order, appends the manifest, and keeps each day's print run current.

`kill -9` at any moment loses nothing acknowledged: a message is ACKed only
after its commit, and on start every stored message not yet done is made.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import hl7
from hl7.mllp import InvalidBlockError, start_hl7_server

from ..batch.manifest import ManifestAppender
from ..batch.pool import prepare
from ..batch.run import different_patient
from ..build import Generator, make_generator
from ..checks import check_appointment
from ..errors import InputErrors, PacketError, PacketgenError, SourcePos
from ..intake import match_content
from ..intake.hl7_charset import decode_message
from ..intake.hl7_framing import split_messages
from ..intake.raw import RawRecord, RecordFailure
from ..intake.siu import read_siu
from ..library import Library
from ..models.entry import Entry
from ..render import load_fonts
from ..settings import Settings
from ..store import Store
from ..timing import local_start
from . import inbox
from .ack import ACCEPT, ERROR, REJECT, acknowledge
from .processor import Processor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """What a received frame is: its ACK code, errors, and what to store."""

    code: str
    errors: tuple[str, ...] = ()
    message: Any = None
    control_id: str = ""
    message_type: str = ""
    appointment_id: str | None = None


_WARM_UP = (
    b"MSH|^~\\&|PACKETGEN|SELF|PACKETGEN|SELF|20260101000000||SIU^S12^SIU_S12|WARMUP|P|2.5.1\r"
    b"SCH|WARMUP-1||||||||||^^60^20300107090000\r"
    b"PID|1||0^^^SELF^MR||Warm^Up||19500101\r"
    b"AIS|1|A|vertebroplasty|20300107090000\r"
    b"AIP|1|A|1^Doe^Jan|PP\r"
)


class Listener:
    """An MLLP server for SIU messages, writing packets into `out_dir`."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        out_dir: Path,
        workers: int,
        layout_name: str | None = None,
        today: date | None = None,
        allow_overdue: bool = False,
        library: Library | None = None,
    ) -> None:
        self.settings, self.store, self.out_dir = settings, store, out_dir
        out_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.generator: Generator = make_generator(
            settings, out_dir, layout_name, library, today=today, allow_overdue=allow_overdue
        )
        self.manifest = ManifestAppender(out_dir)
        self.processor = Processor(self.generator, settings.hl7, store, self.manifest, workers, today)
        # Ready before the first message: its acknowledgement must not wait for fonts, locale data
        # and time zones to load, so one made-up message is judged (and nothing stored) now, and a
        # database connection opened. What start-up loaded then lives as long as the process:
        # `prepare` leaves it out of the garbage collector's full passes, which would pause
        # acknowledgements to scan it.
        self._judge(_WARM_UP)
        store.checkpoint()
        prepare(self.generator)
        self._server: Any = None  # an asyncio Server once listening
        self._loop: asyncio.AbstractEventLoop | None = None

    # ---- one frame in, one acknowledgement out ----

    def receive(self, block: bytes) -> bytes:
        """Judge a frame, store it, then return its ACK (the order that makes an ACK a promise)."""
        verdict = self._judge(block)
        state = {ACCEPT: inbox.STORED, ERROR: inbox.ERROR}.get(verdict.code, inbox.REJECTED)
        with self.store.session() as session:  # committed, and on disk, when the block ends
            row = inbox.store_message(
                session, block, verdict.control_id, verdict.message_type, verdict.appointment_id, state, verdict.code
            )
            message_id = row.id
        logger.info(
            "message %d received: control id %s, %s, appointment %s: %s%s",
            message_id,
            verdict.control_id or "(none)",
            verdict.message_type or "(no type)",
            verdict.appointment_id,
            verdict.code,
            "".join(f"; {line}" for line in verdict.errors),  # our error lines: fields and rules, never values
        )
        if verdict.code != ACCEPT:
            place = f"mllp:{verdict.control_id or message_id}"
            error = "\n".join(verdict.errors)
            self.manifest.write(
                Entry(place, verdict.appointment_id, "error", error=error, event=verdict.message_type or None)
            )
        else:
            self.processor.wake()
        return acknowledge(verdict.message, verdict.code, verdict.errors, verdict.control_id)

    def _judge(self, block: bytes) -> Verdict:
        text = block.decode("latin-1")  # every byte a character: enough to find the header
        pieces = list(split_messages(text))
        header = _header(pieces)
        control_id = str(header.segment("MSH")(10)).strip() if header is not None else ""
        kind = _message_type(header)
        if len(pieces) != 1 or pieces[0].problem:
            return Verdict(REJECT, ("mllp: expected one HL7 message in the frame",), header, control_id, kind)
        place = SourcePos("mllp", control_id or "?")
        decoded = decode_message(pieces[0].text)
        if decoded.text is None:
            error = str(PacketError(place, decoded.field, decoded.problem or ""))
            return Verdict(REJECT, (error,), header, control_id, kind)
        try:
            message = hl7.parse(decoded.text)
            message.segment("MSH")
        except Exception:  # python-hl7 raises several kinds for text that is not HL7
            return Verdict(REJECT, ("mllp: MSH: not a readable HL7 message",), header, control_id, kind)
        if not kind.startswith("SIU^"):
            return Verdict(REJECT, (f"{place}: MSH-9: expected an SIU message, got {kind}",), message, control_id, kind)
        record = read_siu(message, place, self.settings.hl7, self.generator.library.is_procedure)
        errors = self._check(record) or self._same_patient(record)
        appointment_id = record.appointment_id
        return Verdict(ERROR if errors else ACCEPT, errors, message, control_id, kind, appointment_id)

    def _check(self, record: RawRecord | RecordFailure) -> tuple[str, ...]:
        """Every problem `batch` would report for this record before drawing: none means AA."""
        if isinstance(record, RecordFailure):
            return tuple(str(e) for e in record.errors)
        if record.skip:
            return ()
        try:
            appointment = record.appointment(self.processor.today())
            content = match_content(appointment, self.generator.library)
            layout = self.generator.layout_for(appointment)
            self.generator.department_for(appointment, content)
            local_start(appointment, self.generator.site.timezone)
            InputErrors.raise_if_any(check_appointment(appointment, load_fonts(layout.fonts, self.settings.font_dirs)))
        except PacketgenError as exc:
            return tuple(exc.lines())
        return ()

    def _same_patient(self, record: RawRecord | RecordFailure) -> tuple[str, ...]:
        """A message may change an appointment only for the patient of the messages accepted for it
        before: one naming another MRN is an error, and the earlier packet stays as it was."""
        if isinstance(record, RecordFailure) or not record.appointment_id or not record.fields.get("mrn"):
            return ()
        with self.store.reading() as session:
            earlier = inbox.latest_accepted(session, record.appointment_id)
            raw = earlier.raw if earlier is not None else None
        if raw is None or patient_of(raw, self.settings.hl7) in (None, record.fields["mrn"]):
            return ()
        return (str(different_patient(record, "an earlier message for this appointment")),)

    # ---- the server ----

    async def _client(self, reader: Any, writer: Any) -> None:
        try:
            while True:
                try:
                    block = await reader.readblock()
                except asyncio.IncompleteReadError:
                    return  # the sender closed the connection
                except (ValueError, InvalidBlockError) as exc:  # too large, or not MLLP: answer, then hang up
                    problem = "frame too large" if isinstance(exc, ValueError) else "expected an MLLP start byte"
                    logger.info("frame refused (%s): AR, connection closed", problem)
                    writer.writeblock(acknowledge(None, REJECT, (f"mllp: {problem}",)))
                    await writer.drain()
                    return
                writer.writeblock(await asyncio.to_thread(self.receive, block))
                await writer.drain()
        except (ConnectionError, TimeoutError):
            logger.info("connection lost")
        except Exception:  # the database, a bug: no acknowledgement (the sender sends again), never silent
            logger.exception("connection closed by an internal error, without an acknowledgement")
        finally:
            writer.close()

    async def _serve(self, host: str, port: int, ready: Callable[[str, int], None]) -> None:
        self._loop = asyncio.get_running_loop()
        limit = self.settings.listener.max_message_bytes
        self._server = await start_hl7_server(self._client, host, port, limit=limit)
        bound = self._server.sockets[0].getsockname()
        ready(str(bound[0]), int(bound[1]))
        async with self._server:
            with contextlib.suppress(asyncio.CancelledError):
                await self._server.serve_forever()

    def serve(self, host: str, port: int, ready: Callable[[str, int], None]) -> None:
        """Listen until `stop()`; finish the packets in hand before returning."""
        self.processor.start()
        try:
            asyncio.run(self._serve(host, port, ready))
        finally:
            self.processor.stop()
            self.manifest.close()

    def stop(self) -> None:
        """Stop accepting (safe from any thread or a signal handler)."""
        if self._loop is not None and self._server is not None:
            self._loop.call_soon_threadsafe(self._server.close)


def patient_of(raw: bytes, settings: Any) -> str | None:
    """The MRN a stored message names (None if it cannot be read now)."""
    decoded = decode_message(raw.decode("latin-1"))
    try:
        message = hl7.parse(decoded.text or "")
    except Exception:  # stored as received: it may not parse
        return None
    found = read_siu(message, SourcePos("mllp", None), settings, lambda _name, _system: False)
    mrn = found.fields.get("mrn") if isinstance(found, RawRecord) else None
    return str(mrn) if mrn else None


def _header(pieces: list[Any]) -> Any:
    """The first message's MSH segment parsed on its own (None if there is none to read): an
    acknowledgement echoes its control id even when the rest of the frame cannot be used."""
    first = next((p.text for p in pieces if p.problem is None and p.text), "")
    try:
        header = hl7.parse(first.split("\r", 1)[0])
        header.segment("MSH")(10)
    except Exception:  # not HL7 at all
        return None
    return header


def _message_type(header: Any) -> str:
    if header is None:
        return ""
    try:
        return f"{header.extract_field('MSH', 1, 9, 1, 1)}^{header.extract_field('MSH', 1, 9, 1, 2)}".strip()
    except (KeyError, IndexError):
        return ""


def start_in_thread(listener: Listener, host: str = "127.0.0.1", port: int = 0) -> tuple[str, int, threading.Thread]:
    """Run a listener in a thread (tests, embedding); returns where it listens."""
    bound: list[tuple[str, int]] = []
    ready = threading.Event()

    def on_ready(h: str, p: int) -> None:
        bound.append((h, p))
        ready.set()

    thread = threading.Thread(target=listener.serve, args=(host, port, on_ready), daemon=True)
    thread.start()
    if not ready.wait(30):
        raise RuntimeError("the listener did not start")
    return (*bound[0], thread)
