"""The architecture, enforced: which modules may import which libraries."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

import pytest

PACKAGE = Path(__file__).parent.parent / "packetgen"

# library → modules (relative to packetgen/) allowed to import it
ALLOWED = {
    "yaml": {"yamlsafe.py"},
    "reportlab": {"render/", "pdf/output.py", "signing/stamp.py", "signing/audit.py"},
    "pypdf": {"pdf/output.py", "delivery/encrypt.py"},
    "jinja2": {"markup.py", "web/pages.py"},
    "bidi": {"language/direction.py"},
    "arabic_reshaper": {"language/direction.py"},
    "sqlalchemy": {
        "store/",
        "listener/inbox.py",
        "delivery/outbox.py",
        "delivery/chart_outbox.py",
        "delivery/audit.py",
        "web/",
    },
    "alembic": {"store/"},
    "hl7": {"intake/", "listener/", "delivery/mdm.py"},
    "http": {"delivery/fhir_document.py"},
    "fhir": {"intake/fhir.py", "intake/fhir_people.py"},
    "cups": {"delivery/printing.py"},
    "pikepdf": {
        "pdf/archival.py",
        "pdf/print_run.py",
        "pdf/scanned.py",
        "signing/__init__.py",
        "signing/layout.py",
        "signing/stamp.py",
        "signing/audit.py",
        "signing/certify.py",
        "signing/trim.py",
    },
    "pypdfium2": {"scanning/pages.py", "signing/layout.py"},
    "pyhanko": {"signing/certify.py"},
    "pyhanko_certvalidator": {"signing/certify.py"},
    "asn1crypto": {"signing/certify.py"},
    "svglib": {"render/figure_files.py"},
    "lxml": {"render/figure_files.py"},
    "smtplib": {"delivery/relay.py"},
    "socket": {"delivery/relay.py", "delivery/mdm.py"},
    "xkcdpass": {"delivery/passphrase.py"},
    "fastapi": {"web/"},
    "starlette": {"web/"},
    "argon2": {"web/accounts.py"},
}
CLI = "cli"
DOORS = ("store", "listener", "delivery", "web", "cli", "scanning", "signing")


@functools.cache
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@functools.cache
def imports(path: Path) -> frozenset[str]:
    found = set()
    for node in ast.walk(_tree(path)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return frozenset(found)


@pytest.mark.parametrize("library", sorted(ALLOWED))
def test_only_its_stage_imports(library: str) -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        allowed = any(rel == a or (a.endswith("/") and rel.startswith(a)) for a in ALLOWED[library])
        if library in imports(path) and not allowed:
            offenders.append(rel)
    assert offenders == []


def test_no_print_outside_the_cli() -> None:
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] == CLI:
            continue
        calls = [
            n
            for n in ast.walk(_tree(path))
            if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "print"
        ]
        assert not calls, path


def test_the_pipeline_never_imports_a_door() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel.split("/")[0] in DOORS or rel == "__main__.py":  # `python -m packetgen` is the CLI's entry
            continue
        for node in ast.walk(_tree(path)):
            if not (isinstance(node, ast.ImportFrom) and node.module and node.level > 0):
                continue
            if node.module.split(".")[0] in DOORS:
                offenders.append(f"{rel}: {node.module}")
    assert offenders == []


def test_no_module_reads_the_environment_but_the_cli() -> None:
    """Settings come from the CLI's environment through `Settings`. The one exception is the clock:
    `timing.Site.now` reads the rehearsal clock (PACKETGEN_CLOCK) where every door reads the time."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.relative_to(PACKAGE).parts[0] == CLI or path == PACKAGE / "timing.py":
            continue
        tree = _tree(path)
        reads = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in ("environ", "getenv")]
        assert reads == [], path


def test_every_folder_of_code_is_a_package_the_wheel_takes() -> None:
    """pyproject.toml finds the packages (`packetgen*`): a folder of modules without `__init__.py` would
    be left out of an installed copy (Alembic's migrations ship as package data instead)."""
    folders = {p.parent for p in PACKAGE.rglob("*.py") if "migrations" not in p.relative_to(PACKAGE).parts}
    assert sorted(f.relative_to(PACKAGE).as_posix() for f in folders if not (f / "__init__.py").exists()) == []
