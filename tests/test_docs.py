"""The docs: the generated settings pages match the code, and the README stays a short front door
whose Quick start is the two commands CI and a new machine rely on. (`make test` builds the manual
with `mkdocs build --strict`, which checks every link between its pages.)"""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType

from tests.helpers.scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def _reference_script() -> ModuleType:
    return load_script("settings-reference.py", "settings_reference")


def test_the_settings_reference_is_what_the_code_says() -> None:
    script = _reference_script()
    pages = {script.SETTINGS_PAGE: script.settings_page(), script.ENVIRONMENT_PAGE: script.environment_page()}
    for path, written in pages.items():
        assert path.read_text("utf-8") == written, (
            f"{path.relative_to(ROOT)} differs from packetgen/settings.py: run scripts/settings-reference.py"
        )


def test_every_setting_is_in_the_reference() -> None:
    page = _reference_script().SETTINGS_PAGE.read_text("utf-8")
    from packetgen.settings import Settings

    for name, field in Settings.model_fields.items():
        nested = getattr(field.annotation, "model_fields", None)
        keys = [f"{name}.{inner}" for inner in nested] if nested else [name]
        for key in keys:
            assert f"### `{key}`" in page


def test_the_readme_is_short() -> None:
    assert len(README.read_bytes()) <= 8192


def test_the_quick_start_is_one_block_of_two_commands() -> None:
    text = README.read_text("utf-8")
    section = re.search(r"^## Quick start\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert section is not None
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", section.group(1), re.M | re.S)
    assert [block.split("\n")[:-1] for block in blocks] == [["make demo", "make test"]]


def test_the_readme_links_to_files_that_exist() -> None:
    for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", README.read_text("utf-8")):
        if "://" not in target:
            assert (ROOT / target).exists(), target


def test_no_page_names_this_machine_or_the_shared_folder() -> None:
    pages = [README, ROOT / "CHANGELOG.md", ROOT / "CONTRIBUTING.md", *(ROOT / "docs").rglob("*.md")]
    for page in pages:
        text = page.read_text("utf-8")
        assert str(ROOT) not in text, page
        assert "../shared/" not in text, page
