"""Talking MLLP to a listener in tests: frames out, acknowledgements back, over real TCP."""

from __future__ import annotations

import re
import socket
from pathlib import Path

START, END = b"\x0b", b"\x1c\r"


class Sender:
    """One TCP connection to a listener; sends frames and reads the frame that answers each."""

    def __init__(self, host: str, port: int) -> None:
        self.socket = socket.create_connection((host, port), timeout=30)
        self.buffer = b""

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.socket.close()

    def send(self, message: str | bytes, framed: bool = True) -> str:
        data = message.encode("utf-8") if isinstance(message, str) else message
        self.socket.sendall(START + data + END if framed else data)
        return self.read()

    def read(self) -> str:
        while END not in self.buffer:
            chunk = self.socket.recv(65536)
            if not chunk:
                raise ConnectionError("the listener closed the connection")
            self.buffer += chunk
        frame, _, self.buffer = self.buffer.partition(END)
        assert frame.startswith(START), frame[:20]
        return frame[1:].decode("utf-8")


def ack_fields(ack: str) -> dict[str, str]:
    """MSA-1 (code), MSA-2 (control id), MSA-3 (text) and the ERR-8 texts of an acknowledgement."""
    segments = {s.split("|")[0]: s.split("|") for s in ack.split("\r") if s}
    msa = segments["MSA"] + ["", "", ""]
    errors = [s.split("|")[8] for s in ack.split("\r") if s.startswith("ERR|")]
    return {"code": msa[1], "control": msa[2], "text": msa[3], "errors": "\n".join(errors)}


def messages_of(path: Path) -> list[str]:
    """The messages of an HL7 file, one string each (segments joined by \\r)."""
    text = path.read_bytes().decode("utf-8")
    return [m for m in re.split(r"(?=MSH\|)", text) if m.strip()]
