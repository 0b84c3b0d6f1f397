"""The only place that parses YAML (and JSON, which is read as YAML).

Safe by construction: no tags beyond plain scalars, lists and mappings; no
anchors or aliases (so no alias bombs); duplicate keys refused with both
lines; timestamps left as text so that each schema parses its own dates.
Every value's line is kept so later stages can point at it.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import Resolver

from .errors import PacketError, SourcePos

Key = tuple[str | int, ...]
MAX_BYTES = 2_000_000
MAX_DEPTH = 40
"""Lists and mappings inside each other at most this deep: content files need about 12; a deeper one
(a record nested 100,000 deep) would exhaust Python's stack."""
MAX_ITEMS = 10_000
"""Keys in one mapping, or items in one list, at most: the largest in the shipped files has 38; a record
of 100,000 keys (under `MAX_BYTES`) took seconds to read and validate, holding a packet worker."""
MAX_NODES = 50_000
"""Values (mappings, lists, keys and scalars) in one file at most: the largest shipped file (a schema)
has about 3,500, a content file about 1,400; many lists each under `MAX_ITEMS` are refused here."""

_PLAIN_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


_RESOLVERS = {  # YAML's implicit types but the timestamp: each schema parses its own dates
    first: [r for r in resolvers if r[0] != _TIMESTAMP] for first, resolvers in Resolver.yaml_implicit_resolvers.items()
}


class _Refusing(Composer):
    """Composes nodes as PyYAML does, refusing anchors and aliases."""

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()  # type: ignore[attr-defined]  # the parser's, beside this class
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _RefusedError(event.start_mark.line + 1, "anchors and aliases (&, *) are not allowed")
        line = event.start_mark.line + 1
        depth = getattr(self, "_depth", 0)
        if depth >= MAX_DEPTH:
            raise _RefusedError(line, f"nested more than {MAX_DEPTH} levels deep")
        self._count(parent, depth, line)
        self._depth = depth + 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth = depth

    def _count(self, parent: Node | None, depth: int, line: int) -> None:
        """Count the node about to be composed at `depth` (a child of `parent`): refused past `MAX_NODES`
        in the file, or past `MAX_ITEMS` in its mapping (a key and a value each) or list."""
        nodes = getattr(self, "_nodes", 0) + 1
        if nodes > MAX_NODES:
            raise _RefusedError(line, f"more than {MAX_NODES} values in the file")
        self._nodes = nodes
        children: list[int] = self.__dict__.setdefault("_children", [])
        del children[depth:]  # the counts of an earlier sibling's children
        children.append(0)  # this node's own children, none yet
        if depth == 0:
            return
        children[depth - 1] += 1
        if isinstance(parent, MappingNode) and children[depth - 1] > 2 * MAX_ITEMS:
            raise _RefusedError(line, f"a mapping with more than {MAX_ITEMS} keys")
        if isinstance(parent, SequenceNode) and children[depth - 1] > MAX_ITEMS:
            raise _RefusedError(line, f"a list with more than {MAX_ITEMS} items")


class _Loader(_Refusing, yaml.SafeLoader):
    """PyYAML's SafeLoader, all in Python: where PyYAML was built without libyaml."""

    yaml_implicit_resolvers = _RESOLVERS


Loader: type[_Refusing] = _Loader
"""The loader `load_bytes` uses: libyaml's parser (about seven times faster: a library of content loads
at every start) where PyYAML has it, the events composed and checked by the same Python code."""

if yaml.__with_libyaml__:  # pragma: no branch - the wheels on PyPI carry libyaml
    from yaml.cyaml import CParser  # type: ignore[attr-defined]

    class _CLoader(_Refusing, CParser, SafeConstructor, Resolver):
        """libyaml reads the events; PyYAML composes and constructs them."""

        yaml_implicit_resolvers = _RESOLVERS

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)

    Loader = _CLoader


class _RefusedError(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class Located:
    """Parsed data plus the line of every key path in it."""

    data: Any
    path: str
    lines: Mapping[Key, int | str] = field(default_factory=dict)
    digest: str = ""
    """SHA-256 of the file's bytes (for provenance and resume)."""

    def pos(self, key: Key = ()) -> SourcePos:
        """The position of `key`, or of its nearest parent that has one."""
        for end in range(len(key), -1, -1):
            line = self.lines.get(key[:end])
            if line is not None:
                return SourcePos(self.path, line)
        return SourcePos(self.path, 1)


def load_file(path: Path, display: str | None = None) -> Located:
    """Read and parse one YAML or JSON file; PacketError on anything unusable."""
    shown = display or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PacketError(SourcePos(shown, 1), "", f"cannot read file ({exc.strerror})") from None
    return load_bytes(raw, shown, strict_json=path.suffix.lower() == ".json")


def load_bytes(raw: bytes, shown: str, strict_json: bool = False) -> Located:
    """Parse YAML bytes named `shown` in messages; `strict_json` first checks JSON syntax. Bytes this
    process has parsed before under the same name are not parsed again (`_Parsed`)."""
    if len(raw) > MAX_BYTES:
        raise PacketError(SourcePos(shown, 1), "", f"file is larger than {MAX_BYTES} bytes")
    digest = hashlib.sha256(raw).hexdigest()
    key = (digest, shown, strict_json)
    again = _PARSED.get(key)
    if again is not None:
        return again
    text = _decode(raw, shown)
    if strict_json:
        _check_json(text, shown)
    located = parse_text(text, raw, shown, Loader)
    _PARSED.put(key, located)
    return located


class _Parsed:
    """The files this process parsed last, as marshal bytes: a library loaded again (a `serve` or
    listener reloading its content after an edit, a test's copy of the content with one file changed)
    parses only the files whose bytes changed. Each hit is a fresh copy of the data (nothing a caller
    does to one load's data reaches another's), at about a fortieth of the parse's cost. Data marshal
    cannot hold is not kept; errors are never kept (they are found again)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: OrderedDict[tuple[str, str, bool], tuple[bytes, bytes]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, bool]) -> Located | None:
        with self._lock:
            kept = self._kept.get(key)
            if kept is None:
                return None
            self._kept.move_to_end(key)
        data, lines = (marshal.loads(part) for part in kept)  # noqa: S302 (bytes this process made itself)
        return Located(data, key[1], lines, key[0])

    def put(self, key: tuple[str, str, bool], located: Located) -> None:
        try:
            kept = (marshal.dumps(located.data), marshal.dumps(dict(located.lines)))
        except ValueError:  # pragma: no cover - the loader makes only plain scalars, lists and mappings
            return
        with self._lock:
            self._kept[key] = kept
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)


_PARSED = _Parsed(512)


def parse_text(text: str, raw: bytes, shown: str, loader_type: type[_Refusing]) -> Located:
    """Parse decoded `text` (of the file bytes `raw`) with `loader_type` (`Loader`, or the pure-Python
    `_Loader`, which a test holds to the same results)."""
    loader: Any = loader_type(text)  # type: ignore[call-arg]
    try:
        node = loader.get_single_node()
    except _RefusedError as exc:
        raise PacketError(SourcePos(shown, exc.line), "", exc.message) from None
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, text, shown) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every parser error is marked
        raise PacketError(SourcePos(shown, 1), "", f"not valid YAML ({type(exc).__name__})") from None
    finally:
        loader.dispose()
    if node is None:
        raise PacketError(SourcePos(shown, 1), "", "the file is empty; expected a mapping of fields")
    lines: dict[Key, int] = {}
    data = _build(node, (), lines, loader, shown)
    return Located(data, shown, lines, hashlib.sha256(raw).hexdigest())


def _decode(raw: bytes, shown: str) -> str:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PacketError(SourcePos(shown, line), "", "the file is not UTF-8 text") from None
    bad = _FORBIDDEN.search(text)
    if bad is not None:
        line = text[: bad.start()].count("\n") + 1
        raise PacketError(SourcePos(shown, line), "", f"control character U+{ord(bad.group()):04X} is not allowed")
    return text


def _check_json(text: str, shown: str) -> None:
    """YAML would accept JSON's common mistakes (trailing commas); refuse them."""
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise PacketError(SourcePos(shown, exc.lineno), "", f"JSON syntax error: {exc.msg}") from None
    except RecursionError:
        raise PacketError(SourcePos(shown, 1), "", f"nested more than {MAX_DEPTH} levels deep") from None


_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ud800-\udfff\ufffe\uffff]")
"""Characters YAML 1.1 may not hold (outside its printable set): C0 and C1 controls but tab, line ends
and NEL, DEL, surrogates, U+FFFE and U+FFFF."""


def _syntax_error(exc: yaml.MarkedYAMLError, text: str, shown: str) -> PacketError:
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark is not None else 1
    problem = (exc.problem or exc.context or "syntax error").strip()
    problem = repr(problem)[1:-1]
    lines = text.splitlines()
    at = lines[mark.line][mark.column : mark.column + 1] if mark is not None and mark.line < len(lines) else ""
    if "\\t" in problem or "tab" in problem or at == "\t":  # libyaml names no character: look at it
        problem = "a tab character; indent with spaces"
    elif "another document" in problem:
        problem = "more than one YAML document; expected one"
    elif "nesting depth" in problem:  # libyaml's own limit, far deeper than ours
        return PacketError(SourcePos(shown, line), "", f"nested more than {MAX_DEPTH} levels deep")
    return PacketError(SourcePos(shown, line), "", f"YAML syntax error: {problem}")


def _build(node: Node, key: Key, lines: dict[Key, int], loader: Any, shown: str) -> Any:
    line = node.start_mark.line + 1
    lines[key] = line
    if node.tag not in _PLAIN_TAGS:
        raise PacketError(SourcePos(shown, line), _dotted(key), f"tag {node.tag!r} is not allowed")
    if isinstance(node, MappingNode):
        return _build_mapping(node, key, lines, loader, shown)
    if isinstance(node, SequenceNode):
        return [_build(item, (*key, i), lines, loader, shown) for i, item in enumerate(node.value)]
    assert isinstance(node, ScalarNode)
    try:
        return loader.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError):
        raise PacketError(SourcePos(shown, line), _dotted(key), "value cannot be read") from None


def _build_mapping(node: MappingNode, key: Key, lines: dict[Key, int], loader: Any, shown: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    first_seen: dict[str, int] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
            raise PacketError(SourcePos(shown, line), _dotted(key), "keys must be plain words")
        name = str(key_node.value)
        if name in first_seen:
            raise PacketError(
                SourcePos(shown, line),
                _dotted((*key, name)),
                f"duplicate key (first given on line {first_seen[name]})",
            )
        first_seen[name] = line
        result[name] = _build(value_node, (*key, name), lines, loader, shown)
        lines[(*key, name)] = line
    return result


def _dotted(key: Key) -> str:
    out = ""
    for part in key:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


dotted = _dotted


def walk_strings(data: Any, key: Key = ()) -> Iterator[tuple[Key, str]]:
    """Every string in parsed data, with its key path."""
    if isinstance(data, str):
        yield key, data
    elif isinstance(data, dict):
        for name, value in data.items():
            yield from walk_strings(value, (*key, name))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from walk_strings(value, (*key, index))
