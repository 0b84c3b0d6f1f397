"""`generate.py preview` (issue 25): sample packets for made-up patients, one with every flag the content
declares and one with none (and, for a procedure that requires a side, one without a side), every page
marked SAMPLE; `--watch` makes them again at each save and names a broken file's errors without
stopping. Read back from the PDF."""

from __future__ import annotations

import os
import queue
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from packetgen.cli import main
from packetgen.library import Library, load_library
from packetgen.preview import DAYS_AHEAD, SAMPLE_MARKS, make_previews, samples, snapshot, watch
from packetgen.settings import Settings
from tests.helpers.pdftext import page_texts
from tests.helpers.sides import ENGLISH_SIDES, sided_site
from tests.helpers.site import ROOT, TODAY, copy_site, normalize


@pytest.fixture(scope="module")
def library() -> Library:
    return load_library(ROOT)


def _text(pdf: Path) -> str:
    return " ".join(page_texts(pdf))


def _labels(library: Library, content_id: str = "vertebroplasty") -> list[str]:
    """What each flag the content declares means: printed where its text is (the flag's box)."""
    return [normalize(flag.label) for flag in library.contents[content_id].flags.values()]


def test_a_packet_with_every_flag_and_one_with_none(library: Library, tmp_path: Path) -> None:
    previews = make_previews(library, Settings(), "vertebroplasty", tmp_path, today=TODAY)
    assert [p.path.name for p in previews] == [
        "vertebroplasty.en.letter.all-flags.pdf",
        "vertebroplasty.en.letter.no-flags.pdf",
    ]
    every, none = (_text(p.path) for p in previews)
    labels = _labels(library)
    assert len(labels) == 3
    for label in labels:
        assert label in every
        assert label not in none
    assert previews[0].sample.flags == tuple(library.contents["vertebroplasty"].flags)
    assert previews[1].sample.flags == ()


def test_every_page_is_marked_sample_for_a_made_up_patient(library: Library, tmp_path: Path) -> None:
    previews = make_previews(library, Settings(), "vertebroplasty", tmp_path, today=TODAY)
    for number, preview in enumerate(previews, start=1):
        pages = page_texts(preview.path)
        assert all(SAMPLE_MARKS["en"] in page for page in pages), preview.path
        assert all(f"MRN: PREVIEW-{number:04d}" in page for page in pages)
        assert "Patient: Patient, Sample" in pages[0]
        day = TODAY + timedelta(days=DAYS_AHEAD)
        assert f"{day:%A}, {day:%B} {day.day}, {day.year}" in pages[0]
        assert "9:00 AM" in pages[0]
        assert preview.made.approval == "draft"  # the content is a draft: marked DRAFT as well
        assert "DRAFT — not approved for clinical use" in pages[0]


def test_a_real_packet_carries_no_sample_mark(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["packet", str(ROOT / "examples/appointments/wang.yaml"), "--out", str(out)]) == 0
    assert not any(SAMPLE_MARKS["en"] in page for page in page_texts(out / "DEMO-0003.pdf"))


def test_a_translation_in_its_own_language(library: Library, tmp_path: Path) -> None:
    previews = make_previews(library, Settings(), "vertebroplasty", tmp_path, language="es-MX", today=TODAY)
    assert [p.path.name for p in previews] == [
        "vertebroplasty.es.letter.all-flags.pdf",
        "vertebroplasty.es.letter.no-flags.pdf",
    ]
    every, none = (_text(p.path) for p in previews)
    assert SAMPLE_MARKS["es"] in every
    spanish = [normalize(flag.label) for flag in library.translations["vertebroplasty"]["es"].flags.values()]
    assert all(label in every and label not in none for label in spanish)


def test_a_procedure_that_requires_a_side_has_a_sample_without_one(tmp_path: Path) -> None:
    library = load_library(sided_site(tmp_path / "site"))
    assert [s.name for s in samples(library.contents["vertebroplasty"])] == ["all-flags", "no-flags", "no-side"]
    previews = make_previews(library, Settings(), "vertebroplasty", tmp_path / "out", today=TODAY)
    with_side, _none, without = (_text(p.path) for p in previews)
    assert previews[0].sample.side == "left"
    assert previews[2].sample.side is None
    assert ENGLISH_SIDES["left"] in with_side
    assert "to be completed and verified before the procedure" not in with_side
    assert "to be completed and verified before the procedure" in without  # the Side line
    assert all(label in without for label in _labels(library))


def test_a_sample_the_content_no_longer_has_is_removed(library: Library, tmp_path: Path) -> None:
    stale = tmp_path / "vertebroplasty.en.letter.no-side.pdf"  # made when the procedure required a side
    stale.write_bytes(b"%PDF-")
    mine = tmp_path / "vertebroplasty.en.letter.notes.pdf"  # not a sample's name: not ours to remove
    mine.write_bytes(b"%PDF-")
    make_previews(library, Settings(), "vertebroplasty", tmp_path, today=TODAY)
    assert not stale.exists()
    assert mine.exists()


def test_the_command_prints_each_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "preview"
    assert main(["preview", "vertebroplasty", "--out", str(out), "--layout", "large-print"]) == 0
    printed = capsys.readouterr().out.split()
    assert printed == [
        str(out / "vertebroplasty.en.large-print.all-flags.pdf"),
        str(out / "vertebroplasty.en.large-print.no-flags.pdf"),
    ]
    assert all(Path(path).is_file() for path in printed)


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        (
            ["nothing-like-it"],
            "generate.py: error: unknown procedure 'nothing-like-it'; expected one of: cardiac-catheterization, "
            "cataract-surgery, colonoscopy, vertebroplasty, CPT 22510",
        ),
        (
            ["vertebroplasty", "--language", "fr"],
            "generate.py: error: vertebroplasty has no fr edition; languages: en, es",
        ),
        (["vertebroplasty", "--layout", "tabloid"], "generate.py: error: unknown layout 'tabloid'; available: a4"),
        (["vertebroplasty", "--department", "oncology"], "generate.py: error: unknown department 'oncology'"),
    ],
)
def test_what_cannot_be_previewed_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], expected: str
) -> None:
    assert main(["preview", *arguments, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(expected), err
    assert not list(tmp_path.iterdir())


def test_another_department(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.helpers.departments import cardiology_site

    site = cardiology_site(tmp_path / "site")
    environ = {"PACKETGEN_CONTENT_ROOT": str(site)}
    assert main(["preview", "vertebroplasty", "--department", "cardiology", "--out", str(tmp_path / "o")], environ) == 0
    first = capsys.readouterr().out.split()[0]
    assert "Lakeside Heart Institute" in page_texts(Path(first))[0]


def test_a_broken_content_file_is_named_with_each_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    site = copy_site(tmp_path / "site")
    english = site / "packets" / "vertebroplasty.yaml"
    english.write_text(english.read_text("utf-8").replace("\ntitle: Vertebroplasty\n", "\ntitle: 5\n"), "utf-8")
    environ = {"PACKETGEN_CONTENT_ROOT": str(site)}
    assert main(["preview", "vertebroplasty", "--out", str(tmp_path / "o")], environ) == 2
    err = capsys.readouterr().err.splitlines()
    assert any(line.startswith("packets/vertebroplasty.yaml:") and ": title: expected text" in line for line in err)
    assert len(err) == len(set(err))  # each error once
    assert not (tmp_path / "o").exists()


def test_watch_remakes_on_every_change(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    calls: list[list[Path]] = []
    sleeps = iter(range(4))

    def sleep(_seconds: float) -> None:
        step = next(sleeps)
        if step == 1:
            _touch(site / "layouts" / "a4.yaml")
        if step == 2:
            (site / "departments" / "new.yaml").write_text("name: X\n", "utf-8")

    watch(site, calls.append, sleep=sleep, rounds=4)
    assert calls == [[site / "layouts" / "a4.yaml"], [site / "departments" / "new.yaml"]]
    assert set(snapshot(site)) >= {site / "departments" / "new.yaml", site / "packets" / "vertebroplasty.yaml"}


def _touch(path: Path) -> None:
    """A save: the file's modification time moves on (by a second, whatever the clock's resolution)."""
    status = path.stat()
    os.utime(path, ns=(status.st_atime_ns, status.st_mtime_ns + 1_000_000_000))


class _Lines:
    """A process's output, line by line as it comes, waited for with a deadline."""

    def __init__(self, stream: object) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.reader.start()

    def _read(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.put(line.rstrip("\n"))

    def until(self, wanted: str, timeout: float = 60) -> list[str]:
        """Every line up to the first that contains `wanted`."""
        deadline, got = time.monotonic() + timeout, []
        while True:
            try:
                line = self.lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"no line with {wanted!r} in {timeout} s; seen: {self.seen}") from None
            got.append(line)
            self.seen.append(line)
            if wanted in line:
                return got


@pytest.mark.process  # starts `generate.py` as a program
def test_watch_as_a_program_remakes_after_a_save_and_waits_out_a_broken_file(tmp_path: Path) -> None:
    site = copy_site(tmp_path / "site")
    out = tmp_path / "preview"
    every = out / "vertebroplasty.en.letter.all-flags.pdf"
    environ = {**os.environ, "PACKETGEN_CONTENT_ROOT": str(site), "PYTHONUNBUFFERED": "1"}
    command = [sys.executable, str(ROOT / "generate.py"), "preview", "vertebroplasty", "--out", str(out), "--watch"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environ)
    stdout, stderr = _Lines(process.stdout), _Lines(process.stderr)
    try:
        stdout.until("no-flags.pdf")
        first = every.stat().st_mtime_ns

        _touch(site / "layouts" / "letter.yaml")
        assert "changed: layouts/letter.yaml" in stdout.until("no-flags.pdf")
        assert every.stat().st_mtime_ns > first

        english = site / "packets" / "vertebroplasty.yaml"
        good = english.read_text("utf-8")
        english.write_text(good.replace("\ntitle: Vertebroplasty\n", "\ntitle: [Vertebroplasty\n"), "utf-8")
        errors = stderr.until("waiting for the next change")
        assert any(line.startswith("packets/vertebroplasty.yaml:") and "YAML syntax error" in line for line in errors)
        assert not any("Traceback" in line for line in errors)
        remade = every.stat().st_mtime_ns

        english.write_text(good, "utf-8")
        _touch(english)
        assert "changed: packets/vertebroplasty.yaml" in stdout.until("no-flags.pdf")
        assert every.stat().st_mtime_ns > remade
        assert process.poll() is None  # still watching
    finally:
        process.terminate()
        code = process.wait(timeout=30)
        for lines, stream in ((stdout, process.stdout), (stderr, process.stderr)):
            lines.reader.join(timeout=10)  # to the end of the output, then closed
            assert stream is not None
            stream.close()
    assert code == 0
    assert stdout.until("stopped")
