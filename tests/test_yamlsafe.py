"""The safe loader: what it refuses, and the positions it keeps."""

from __future__ import annotations

import pytest

from packetgen.errors import PacketError
from packetgen.yamlsafe import load_bytes


def error_of(source: bytes) -> str:
    with pytest.raises(PacketError) as info:
        load_bytes(source, "f.yaml")
    return str(info.value)


def test_keeps_line_of_every_key_and_item() -> None:
    located = load_bytes(b"a: 1\nb:\n  - x\n  - y\nc: {d: 2}\n", "f.yaml")
    assert located.lines[("b", 1)] == 4
    assert located.pos(("c", "d")).line == 5
    assert located.pos(("b", 7, "missing")).line == 2  # nearest known parent


def test_dates_times_and_leading_zeros_are_not_guessed() -> None:
    data = load_bytes(b"d: 2025-03-09\nt: 2025-03-09T07:30:00\nm: '007'\n", "f.yaml").data
    assert data == {"d": "2025-03-09", "t": "2025-03-09T07:30:00", "m": "007"}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (b"risks: 1\nrisks: 2\n", "f.yaml:2: risks: duplicate key (first given on line 1)"),
        (b"a: &x [1, 2]\nb: *x\n", "f.yaml:1: anchors and aliases (&, *) are not allowed"),
        (
            b"x: !!python/object/apply:os.system [ls]\n",
            "f.yaml:1: x: tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed",
        ),
        (b"a:\n\t- b\n", "f.yaml:2: YAML syntax error: a tab character; indent with spaces"),
        (b"", "f.yaml:1: the file is empty; expected a mapping of fields"),
        (b"ok: 1\nname: \xff\xfe\n", "f.yaml:2: the file is not UTF-8 text"),
        (b"a: 1\n--- \nb: 2\n", "f.yaml:2: YAML syntax error: more than one YAML document; expected one"),
        (b"a: x\x07y\n", "f.yaml:1: control character U+0007 is not allowed"),
        # C1 controls and non-characters YAML refuses: one clean line, never the parser's exception.
        (b"a: 1\nb: Th\xc2\x81nh\n", "f.yaml:2: control character U+0081 is not allowed"),
        (b"a: \xef\xbf\xbe\n", "f.yaml:1: control character U+FFFE is not allowed"),
    ],
)
def test_refusals(source: bytes, expected: str) -> None:
    assert error_of(source) == expected


def test_alias_bomb_is_refused_before_expansion() -> None:
    bomb = b'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
    bomb += b"".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n".encode() for i in range(8)
    )
    assert "anchors and aliases" in error_of(bomb)


def test_byte_order_mark_is_accepted() -> None:
    assert load_bytes("\ufeffa: b\n".encode(), "f.yaml").data == {"a": "b"}
