"""Property-based: arbitrary outside data either becomes a correct packet or a clean error."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from packetgen.build import make_packet
from packetgen.errors import InputErrors, PacketError
from packetgen.library import Library
from tests.conftest import BASE_APPOINTMENT, TODAY
from tests.hypothesis_profiles import RENDERING
from tests.pdftext import page_texts

SCRIPTS = st.sampled_from(
    [
        "abcdefghijklmnopqrstuvwxyz",
        "àáâãäåæçèéêëìíîïñòóôõöøùúûüýÿŁłŚśŻżĄąĘęŞşĞğİı",
        "ẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặẸẹẺẻẼẽẾếỀềỂểỄễỆệ",
        "αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔΆΈΉ",
        "абвгдежзийклмнопрстуфхцчшщъыьэюяЖЩЁ",
        "王小明李陈张刘杨黄赵吴周徐孙马朱胡郭何高林罗郑梁",
        "가나다라마바사아자차카타파하",
        "'’-&<>\"{}%# ",
    ]
)
NAMES = SCRIPTS.flatmap(lambda alphabet: st.text(alphabet=alphabet, min_size=1, max_size=40))


@settings(RENDERING, max_examples=25)
@given(first=NAMES, last=NAMES)
def test_names_in_many_scripts_render_exactly_or_fail_cleanly(
    library: Library, tmp_path_factory: pytest.TempPathFactory, first: str, last: str
) -> None:
    folder = tmp_path_factory.mktemp("prop")
    record = {**BASE_APPOINTMENT, "first_name": first, "last_name": last}
    path = folder / "appt.yaml"
    path.write_text(yaml.safe_dump(record, allow_unicode=True), encoding="utf-8")
    try:
        result = make_packet(path, folder / "out", library=library, today=TODAY)
    except (InputErrors, PacketError) as exc:
        assert first.strip() == "" or last.strip() == "", str(exc)
        return
    expected = f"Patient: {' '.join(last.split())}, {' '.join(first.split())}"
    for text in page_texts(result.path):
        assert expected in text


VALUES: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=30),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
FIELDS = st.sampled_from([*sorted(BASE_APPOINTMENT), "flags", "instructions", "layout", "language", "extra"])


@settings(RENDERING, max_examples=60)
@given(changes=st.dictionaries(FIELDS, VALUES, min_size=1, max_size=3))
def test_arbitrary_field_values_never_crash(
    library: Library, tmp_path_factory: pytest.TempPathFactory, changes: dict[str, Any]
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    path = folder / "appt.json"
    import json

    path.write_text(json.dumps({**BASE_APPOINTMENT, **changes}), encoding="utf-8")
    try:
        result = make_packet(path, folder / "out", library=library, today=TODAY)
    except (InputErrors, PacketError) as exc:
        lines = str(exc).splitlines()
        assert lines
        assert all(line.startswith(f"{path}:") for line in lines), lines
        assert not (folder / "out").exists() or not any((folder / "out").iterdir())
        return
    assert result.path.is_file()


VALID_RECORD = yaml.safe_dump(BASE_APPOINTMENT, allow_unicode=True).encode("utf-8")


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A valid record with a few bytes replaced, inserted or deleted, or arbitrary bytes."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=200))
    data = bytearray(VALID_RECORD)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(data) - 1))
        match draw(st.sampled_from(["replace", "insert", "delete"])):
            case "replace":
                data[at] = draw(st.integers(0, 255))
            case "insert":
                data.insert(at, draw(st.integers(0, 255)))
            case _:
                del data[at]
    return bytes(data)


@settings(max_examples=150, deadline=None)
@given(raw=damaged())
def test_damaged_bytes_are_a_clean_error_or_the_record_they_spell(raw: bytes) -> None:
    from packetgen.intake.record import from_located
    from packetgen.yamlsafe import load_bytes

    try:
        appointment = from_located(load_bytes(raw, "x.yaml"), TODAY)
    except (InputErrors, PacketError) as exc:
        lines = str(exc).splitlines()
        assert lines
        assert all(re.match(r"x\.yaml:\d+: ", line) for line in lines), lines
        return
    # It was read: then a reference YAML parser must read the same record from these bytes.
    expected = yaml.safe_load(raw.decode("utf-8-sig"))
    assert isinstance(expected, dict)
    for name in ("appointment_id", "mrn", "first_name", "last_name", "provider", "location"):
        given = expected.get(name)
        assert getattr(appointment, name) == (given and unicodedata.normalize("NFC", str(given)).strip()), name
    assert appointment.date_of_birth.isoformat() == str(expected["date_of_birth"])
