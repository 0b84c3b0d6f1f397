"""Property-based: arbitrary outside data either becomes a correct packet or a clean error."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from packetgen.build import make_packet
from packetgen.errors import InputErrors, PacketError
from packetgen.library import Library
from packetgen.models import Appointment
from packetgen.models.content import Timing
from packetgen.personalize import personalize
from packetgen.settings import Settings
from packetgen.timing import Site, local_start, moment
from tests.helpers.hypothesis_profiles import RENDERING
from tests.helpers.pdftext import page_texts
from tests.helpers.site import BASE_APPOINTMENT, TODAY, normalize

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


@pytest.mark.slow
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
@example(raw=b"appointment_id: T-0001\ndate_of_birth\t: '1948-03-14'\nmrn: '00012345'\n")  # a tab before a colon
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
    # It was read: then the reference YAML parser, libyaml (which the loader uses), must read the same
    # record from these bytes. (PyYAML's pure-Python scanner refuses a tab before a key's colon that
    # libyaml reads as the separator it is.)
    expected = yaml.load(raw.decode("utf-8-sig"), Loader=yaml.CSafeLoader)
    assert isinstance(expected, dict)
    for name in ("appointment_id", "mrn", "first_name", "last_name", "provider", "location"):
        given = expected.get(name)
        assert getattr(appointment, name) == (given and unicodedata.normalize("NFC", str(given)).strip()), name
    assert appointment.date_of_birth.isoformat() == str(expected["date_of_birth"])


ORDINARY_DAY = date(2026, 12, 15)
DST_DAYS = (date(2026, 3, 8), date(2026, 11, 1), date(2027, 3, 14), date(2027, 11, 7))
"""The days America/Chicago (the site's clock: the `timezone` setting's default) changes its clocks, 2026-2027."""
_CLOCK = re.compile(r"(\d{1,2}:\d{2} [AP]M)(?: on (\w+, \w+ \d{1,2}))?")
_DATED = re.compile(r"(\w+, \w+ \d{1,2}), at (\d{1,2}:\d{2} [AP]M)")


def _site_zone() -> ZoneInfo:
    """The site's clock, as a checkout without settings has it."""
    return ZoneInfo(Settings().timezone)


def test_the_dst_days_are_the_days_the_site_changes_its_clocks() -> None:
    zone = _site_zone()
    for day in (ORDINARY_DAY, *DST_DAYS):
        midnight, last = (datetime.combine(day, t, zone) for t in (time(0, 0), time(23, 59)))
        assert (midnight.utcoffset() != last.utcoffset()) == (day in DST_DAYS), day


def _printed(text: str, day: date) -> datetime:
    """A printed moment, "11:30 PM on Monday, December 14" (or "8:15 AM" on `day`), or shown as a
    `datetime`, "Monday, December 14, at 11:30 PM", as a wall-clock time."""
    dated = _DATED.fullmatch(text)
    match = _CLOCK.fullmatch(text)
    assert match or dated, text
    printed_time, printed_date = (dated[2], dated[1]) if dated else (match[1], match[2]) if match else ("", None)
    clock = datetime.strptime(printed_time, "%I:%M %p").time()
    if printed_date is None:
        return datetime.combine(day, clock)
    on = datetime.strptime(f"{printed_date} {day.year}", "%A, %B %d %Y").date()  # no day here is January 1
    assert on.strftime("%A, %B %-d") == printed_date, text  # the weekday is the date's
    return datetime.combine(on, clock)


@settings(max_examples=1500, deadline=None)
@given(
    day=st.sampled_from((ORDINARY_DAY, *DST_DAYS)),
    minute=st.integers(0, 24 * 60 - 1),
    fold=st.sampled_from((0, 1)),
    before=st.integers(0, 600),
)
@pytest.mark.slow
@example(day=ORDINARY_DAY, minute=30, fold=0, before=60)  # issue 23
@example(day=ORDINARY_DAY, minute=0, fold=0, before=60)  # the placeholder time some feeds send
@example(day=date(2027, 3, 14), minute=3 * 60 + 30, fold=0, before=60)  # 2:30 AM does not exist
@example(day=date(2026, 11, 1), minute=2 * 60 + 30, fold=0, before=60)  # arrival in the repeated hour
@example(day=date(2026, 11, 1), minute=60 + 30, fold=1, before=60)  # the second 1:30 AM
def test_arrival_is_the_start_minus_the_offset_in_real_minutes(
    library: Library, day: date, minute: int, fold: int, before: int
) -> None:
    zone = _site_zone()
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    start = wall.replace(tzinfo=zone, fold=fold)
    assume(start.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == wall)  # skipped by the clocks
    ambiguous = start.utcoffset() != start.replace(fold=1 - fold).utcoffset()
    # A time the clocks repeat is only accepted with its UTC offset; others are given as the feeds give them.
    given = start.isoformat() if ambiguous else wall.isoformat()
    appointment = Appointment.model_validate({**BASE_APPOINTMENT, "start": given}).with_origin({})
    content = library.contents["vertebroplasty"].model_copy(update={"arrive_minutes_before": before})
    layout = library.layout(None)
    packet = personalize(content, appointment, layout, library.department(content.department), Site(zone.key, TODAY))

    # The moment personalization computes is the start minus the offset in real minutes, before it.
    # (Compared in UTC: Python compares two times of one zone by their clock, ignoring `fold`.)
    begins = start.astimezone(UTC)
    offset = Timing(minutes=-before, show="time")
    computed = moment(local_start(appointment, zone.key), offset, zone.key)
    arrival = computed.replace(tzinfo=zone).astimezone(UTC)
    assert arrival == begins - timedelta(minutes=before)
    assert arrival <= begins
    assert (arrival < begins) == (before > 0)
    # Printed: the date and the clock time of that moment at the site.
    expected = (begins - timedelta(minutes=before)).astimezone(zone).replace(tzinfo=None)
    shown = normalize(packet.visit.arrival)
    assert _printed(shown, day) == expected, shown
    assert (" on " in shown) == (expected.date() != day), shown  # dated exactly when not on the day
    assert packet.handout.checklist is not None
    (item,) = [normalize(t) for t in packet.handout.checklist.items if t.startswith("Arrive by ")]
    assert item.endswith("."), item
    assert ", at " in item, item  # {{ arrival }} always carries its date
    assert _printed(item.removeprefix("Arrive by ").removesuffix("."), day) == expected, item


_CHARSETS = {"8859/1": "iso8859-1", "8859/2": "iso8859-2", "8859/5": "iso8859-5", "8859/7": "iso8859-7"}


@st.composite
def declared_names(draw: st.DrawFn) -> tuple[str, str, str]:
    """(MSH-18, its codec, a name of letters that character set has), or UTF-8 with any letters."""
    declared = draw(st.sampled_from([*_CHARSETS, "UNICODE UTF-8"]))
    codec = _CHARSETS.get(declared, "utf-8")
    if codec == "utf-8":
        letters = st.characters(categories=("Lu", "Ll"))
    else:
        high = bytes(range(0xA0, 0x100)).decode(codec, errors="ignore")
        letters = st.sampled_from([ch for ch in "abcXYZ" + high if unicodedata.category(ch) in ("Lu", "Ll")])
    name = draw(st.text(letters, min_size=1, max_size=12).map(lambda t: unicodedata.normalize("NFC", t)))
    return declared, codec, name


@settings(max_examples=120, deadline=None)
@given(found=declared_names(), other=declared_names())
def test_each_message_is_read_in_the_character_set_it_declares(
    tmp_path_factory: pytest.TempPathFactory, found: tuple[str, str, str], other: tuple[str, str, str]
) -> None:
    """Two messages in one file, each in its own declared character set: each name is read exactly."""
    from packetgen.intake.hl7_file import read_hl7
    from packetgen.intake.raw import RawRecord
    from packetgen.settings import Hl7Settings

    def message(number: int, declared: str, name: str) -> str:
        return (
            f"MSH|^~\\&|A|B|C|D|20261124083000||SIU^S12^SIU_S12|M{number}|P|2.5.1||||||{declared}\r"
            f"SCH|A-{number}\rPID|1||{number}^^^H^MR||{name}^Ann\rAIS|1|A|22511|20261215090000\r"
        )

    path = tmp_path_factory.mktemp("charsets") / "two.hl7"
    path.write_bytes(b"".join(message(n, d, name).encode(c) for n, (d, c, name) in enumerate((found, other), 1)))
    records = list(read_hl7(path, "two.hl7", Hl7Settings(), lambda _code, _system: True))
    assert all(isinstance(r, RawRecord) for r in records)
    assert [r.fields["last_name"] for r in records if isinstance(r, RawRecord)] == [found[2], other[2]]
