"""The safe loader: what it refuses, and the positions it keeps; libyaml's parser and the pure-Python one
give the same results."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from packetgen.errors import PacketError
from packetgen.yamlsafe import Loader, _Loader, load_bytes, parse_text
from tests.helpers.site import ROOT


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


SHIPPED = sorted(
    path for folder in ("packets", "layouts", "departments", "examples") for path in (ROOT / folder).rglob("*.y*ml")
)


def _outcome(raw: bytes, loader: type) -> tuple[object, ...]:
    """What parsing `raw` with `loader` gives: the data and every key's line, or the refusal's line."""
    try:
        located = parse_text(raw.decode("utf-8-sig"), raw, "f.yaml", loader)
    except PacketError as exc:
        return ("refused", exc.pos.line if exc.pos else None)
    return (located.data, dict(located.lines))


def test_the_fast_loader_is_libyamls() -> None:
    """PyPI's PyYAML wheels carry libyaml: the set-up installs them, so packets are read by it."""
    assert Loader is not _Loader


@pytest.mark.parametrize("path", SHIPPED, ids=lambda path: path.name)
def test_libyaml_and_pure_python_read_every_shipped_file_alike(path: Path) -> None:
    raw = path.read_bytes()
    assert _outcome(raw, Loader) == _outcome(raw, _Loader)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "a: 1",
                "b:",
                "  - x",
                "  - y: 2",
                "c: [1, 2",
                "d: {e: f}",
                "g: 'h",
                '"i"',
                "- j",
                "  k: l",
                "\tm: n",
                "&o p: q",
                "r: *o",
                "s: 2026-01-01",
                "t: !!str 5",
                "u: |",
                "  text",
                "---",
                "#",
                "",
            ]
        ),
        max_size=8,
    )
)
def test_libyaml_and_pure_python_accept_and_refuse_the_same_texts(lines: list[str]) -> None:
    """Texts made of valid and broken lines: both loaders give the same data and lines, or both refuse
    (their syntax messages differ in wording)."""
    raw = "\n".join(lines).encode()
    fast, slow = _outcome(raw, Loader), _outcome(raw, _Loader)
    assert (fast[0] == "refused") == (slow[0] == "refused"), (fast, slow)
    if fast[0] not in ("refused", None):  # (an empty document's line differs; it is refused as empty later)
        assert fast == slow


@pytest.mark.parametrize("code", [0x00, 0x08, 0x0B, 0x0C, 0x0E, 0x1F, 0x7F, 0x84, 0x86, 0x9F, 0xFFFE, 0xFFFF])
def test_each_character_yaml_may_not_hold_is_refused_with_its_line(code: int) -> None:
    assert error_of(f"a: 1\nb: x{chr(code)}y\n".encode()) == f"f.yaml:2: control character U+{code:04X} is not allowed"


@pytest.mark.parametrize("code", [0x09, 0xA0, 0xFFFD, 0x1F600])  # (NEL is YAML's line break: accepted)
def test_tab_nel_and_printable_characters_are_kept(code: int) -> None:
    assert load_bytes(f"a: 'x{chr(code)}y'\n".encode(), "f.yaml").data == {"a": f"x{chr(code)}y"}


def test_nesting_is_limited_before_it_exhausts_the_stack() -> None:
    assert load_bytes(("a: " + "[" * 30 + "]" * 30 + "\n").encode(), "f.yaml").data["a"] is not None
    deep = "a: 1\nb:\n" + "".join("  " * n + "- \n" for n in range(1, 45))
    assert error_of(deep.encode()) == "f.yaml:42: nested more than 40 levels deep"
    assert error_of(b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}") == "f.yaml:1: nested more than 40 levels deep"


def test_keys_items_and_values_are_limited_before_they_cost_seconds() -> None:
    many = b"{" + b", ".join(b'"k%d": 1' % n for n in range(10_001)) + b"}"
    assert error_of(many) == "f.yaml:1: a mapping with more than 10000 keys"
    assert (
        error_of(b"a:\n  - [" + b", ".join([b"1"] * 10_001) + b"]\n") == "f.yaml:2: a list with more than 10000 items"
    )
    assert len(load_bytes(b"[" + b", ".join([b"1"] * 10_000) + b"]", "f.yaml").data) == 10_000
    lists = b"\n".join(b"k%d: [%s]" % (n, b", ".join([b"1"] * 9_000)) for n in range(6))
    assert error_of(lists) == "f.yaml:6: more than 50000 values in the file"


def test_bytes_parsed_again_give_the_same_data_and_lines_but_not_the_same_objects() -> None:
    raw = b"id: x\nitems:\n  - text: one\n  - text: two\n"
    first = load_bytes(raw, "again.yaml")
    first.data["items"].append({"text": "changed by a caller"})
    second = load_bytes(raw, "again.yaml")
    assert second.data == {"id": "x", "items": [{"text": "one"}, {"text": "two"}]}
    assert second.pos(("items", 1, "text")).line == 4
    assert second.digest == first.digest
    assert load_bytes(raw, "other.yaml").path == "other.yaml"  # messages name the file as it is named now
    assert error_of(b"a: 1\na: 2\n") == error_of(b"a: 1\na: 2\n")  # a refusal is found every time
