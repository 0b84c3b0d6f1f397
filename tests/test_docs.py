"""The docs: the generated settings pages match the code, and the README stays a short front door
whose Quick start is the two commands CI and a new machine rely on. (`make test` builds the manual
with `mkdocs build --strict`, which checks every link between its pages.)"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from types import ModuleType

from tests.helpers.scripts import load_script

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
ASVS = ROOT / "docs" / "operating" / "asvs.md"


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


_TEST_REFERENCE = re.compile(r"\btests/[\w/]+\.py(?:::[\w\[\]\-.]+)+")
"""`tests/web/test_errors.py::test_name`, with a class (`::Class::test_name`) or a parametrised id
(`[sqlite]`) where there is one."""


def _tests_in(path: Path) -> set[str]:
    """The tests `path` defines, as pytest names them (`test_x`, `Class::test_x`), read without importing it."""
    found: set[str] = set()
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.add(node.name)
        elif isinstance(node, ast.ClassDef):
            found.update(f"{node.name}::{inner.name}" for inner in node.body if isinstance(inner, ast.FunctionDef))
    return found


def test_every_test_the_asvs_page_names_exists() -> None:
    """The reviewer's page points at the test that shows each requirement: a renamed or removed test
    would leave it pointing at nothing."""
    references = sorted(set(_TEST_REFERENCE.findall(ASVS.read_text("utf-8"))))
    assert references  # the pattern still finds the page's references
    missing = []
    for reference in references:
        file, _, name = reference.partition("::")
        name = re.sub(r"\[[^\]]*\]", "", name)  # a parametrised case's id: the test is its function
        path = ROOT / file
        if not path.is_file() or name not in _tests_in(path):
            missing.append(reference)
    assert missing == [], f"docs/operating/asvs.md names tests that do not exist: {missing}"
