"""HL7 v2 files cut into messages: MLLP frames, FHS/BHS batches, any separators, fed as bytes."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from packetgen.intake.hl7_framing import Piece, split_messages


def message(n: int, separator: str = "|") -> str:
    return "\r".join(
        [
            f"MSH{separator}^~\\&{separator}S{separator}{separator}{separator}{separator}2026{separator}"
            f"{separator}SIU^S12{separator}C{n}{separator}P{separator}2.5",
            f"SCH{separator}A-{n}",
            f"PID{separator}1{separator}{separator}{n}^^^H^MR",
        ]
    )


def test_mllp_frames_each_hold_a_message() -> None:
    text = "".join(f"\x0b{message(n)}\r\x1c\r" for n in (1, 2, 3))
    assert list(split_messages(text)) == [Piece(n, message(n)) for n in (1, 2, 3)]


def test_a_frame_without_its_end_is_named_and_the_next_message_still_read() -> None:
    text = f"\x0b{message(1)}\r\x0b{message(2)}\r\x1c\r"
    first, second = split_messages(text)
    assert first.number == 1
    assert first.problem == "this MLLP frame has no end (0x1C 0x0D) before the next start"
    assert second == Piece(2, message(2))


def test_bytes_outside_frames_are_an_error_naming_the_message() -> None:
    text = f"\x0b{message(1)}\x1c\rstray words\x0b{message(2)}\x1c\r"
    pieces = list(split_messages(text))
    assert pieces[0] == Piece(1, message(1))
    assert pieces[1].number == 2
    assert pieces[1].problem == "bytes before this MLLP frame's start (0x0B) are not in a frame"
    assert pieces[2] == Piece(3, message(2))


def test_fhs_bhs_envelopes_are_dropped_and_their_counts_checked() -> None:
    fhs, bhs = "FHS|^~\\&|S|H", "BHS|^~\\&|S|H"
    good = "\r".join([fhs, bhs, message(1), message(2), "BTS|2", "FTS|1"])
    assert list(split_messages(good)) == [Piece(1, message(1)), Piece(2, message(2))]
    short = "\n".join([fhs, bhs, message(1).replace("\r", "\n"), "BTS|2", "FTS|1"])
    assert list(split_messages(short)) == [
        Piece(1, message(1)),
        Piece("BTS 1", problem="the batch trailer counts 2 messages, but the batch holds 1", field="BTS-1"),
    ]


def test_any_field_separator_and_line_ending() -> None:
    text = "\r\n".join([message(1, "$").replace("\r", "\r\n"), message(2, "$").replace("\r", "\r\n")])
    assert [p.text for p in split_messages(text)] == [message(1, "$"), message(2, "$")]


def test_a_segment_before_any_msh_is_named() -> None:
    (piece, second) = split_messages("PID|1||9^^^H^MR\r" + message(1))
    assert piece.problem == "a 'PID' segment outside a message (expected MSH first)"
    assert second == Piece(2, message(1))


WRAPPINGS = st.sampled_from(["plain", "mllp", "batch", "mllp-batch"])


@settings(max_examples=80)
@given(count=st.integers(1, 6), wrapping=WRAPPINGS, ending=st.sampled_from(["\r", "\n", "\r\n"]))
def test_however_messages_are_wrapped_each_comes_back_once(count: int, wrapping: str, ending: str) -> None:
    messages = [message(n) for n in range(1, count + 1)]
    lines = [m.replace("\r", ending) for m in messages]
    if "batch" in wrapping:
        lines = ["FHS|^~\\&", "BHS|^~\\&", *lines, f"BTS|{count}", "FTS|1"]
    text = ending.join(lines) + ending
    if wrapping == "mllp":
        text = "".join(f"\x0b{m.replace(chr(13), ending)}{ending}\x1c\r" for m in messages)
    elif wrapping == "mllp-batch":
        text = f"\x0b{text}\x1c\r"
    assert list(split_messages(text)) == [Piece(n, m) for n, m in enumerate(messages, start=1)]


def test_bytes_after_the_last_frame_are_named() -> None:
    text = f"\x0b{message(1)}\x1c\r  \n\x0b{message(2)}\x1c\rtrailing words\n"
    assert list(split_messages(text)) == [
        Piece(1, message(1)),
        Piece(2, message(2)),
        Piece(3, problem="bytes after the last MLLP frame (0x1C 0x0D) are not in a frame"),
    ]


def test_a_frame_that_never_ends_is_named() -> None:
    (piece,) = split_messages(f"\x0b{message(1)}")
    assert piece == Piece(1, problem="this MLLP frame has no end (0x1C 0x0D) before the next start")


def test_frame_ends_with_or_without_the_carriage_return() -> None:
    text = f"\x0b{message(1)}\x1c\x0b{message(2)}\x1c\r\n\x0b{message(3)}\x1c"
    assert list(split_messages(text)) == [Piece(n, message(n)) for n in (1, 2, 3)]


def test_a_batch_trailer_without_a_count_or_with_the_right_one_is_no_error() -> None:
    for trailer in ("BTS", "BTS|", "BTS|2|note", "BTS|x"):
        text = "\r".join(["BHS|^~\\&", message(1), message(2), trailer])
        assert list(split_messages(text)) == [Piece(1, message(1)), Piece(2, message(2))], trailer


def test_counts_are_per_batch() -> None:
    text = "\r".join(["FHS|^~\\&", "BHS|^~\\&", message(1), "BTS|1", "BHS|^~\\&", message(2), message(3), "BTS|3"])
    assert list(split_messages(text)) == [
        Piece(1, message(1)),
        Piece(2, message(2)),
        Piece(3, message(3)),
        Piece("BTS 2", problem="the batch trailer counts 3 messages, but the batch holds 2", field="BTS-1"),
    ]
