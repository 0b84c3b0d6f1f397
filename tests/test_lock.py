"""The lock (requirements.lock) that `make setup` installs from, and the audit of it in `make test`.

pyproject.toml says which ranges the project accepts; the lock says which releases (and which files, by
hash) are installed. These tests fail when the two drift apart, so a dependency added or raised in
pyproject.toml without `make lock` is caught here, not on the next fresh machine.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path
from types import ModuleType

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
# What the lock is written for (the Makefile's `lock` target): CPython 3.11 on Linux x86_64.
ENVIRONMENT = {
    "python_version": "3.11",
    "python_full_version": "3.11.0",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


def locked() -> dict[str, tuple[Version, list[str]]]:
    """Each locked release: its canonical name → (version, hashes)."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    releases: dict[str, tuple[Version, list[str]]] = {}
    for entry in re.split(r"\n(?=[A-Za-z0-9])", text):
        first = entry.split("\\", 1)[0].strip()
        if not first or first.startswith("#"):
            continue
        name, _, version = first.partition("==")
        assert version, f"not pinned to one release: {first}"
        releases[canonicalize_name(name)] = (
            Version(version.strip()),
            re.findall(r"--hash=sha256:([0-9a-f]{64})", entry),
        )
    return releases


def required() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(line) for line in [*project["dependencies"], *project["optional-dependencies"]["dev"]]]


def test_the_lock_satisfies_every_requirement_of_pyproject() -> None:
    releases = locked()
    wrong = []
    for requirement in required():
        if requirement.marker is not None and not requirement.marker.evaluate(ENVIRONMENT):
            continue
        name = canonicalize_name(requirement.name)
        if name not in releases:
            wrong.append(f"{requirement}: not in the lock")
            continue
        version = releases[name][0]
        if not requirement.specifier.contains(version, prereleases=True):
            wrong.append(f"{requirement}: the lock has {version}")
    assert not wrong, "pyproject.toml and requirements.lock disagree (run `make lock`):\n" + "\n".join(wrong)


def test_every_locked_release_is_pinned_with_its_hashes() -> None:
    releases = locked()
    assert len(releases) > 50
    assert not [name for name, (_, hashes) in releases.items() if not hashes]
    # The extras pyproject asks for are in the lock too (psycopg[binary] brings psycopg-binary).
    assert "psycopg-binary" in releases
    # The project itself is installed from the tree (`pip install --no-deps -e .`), never from the lock.
    assert "packetgen" not in releases


def test_the_set_up_installs_from_the_lock() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^\$\(STAMP\):.*requirements\.lock", makefile, re.MULTILINE)
    assert "pip install --quiet --require-hashes -r requirements.lock" in makefile
    assert "pip install --quiet --no-deps -e ." in makefile
    assert re.search(r"^test:.*\baudit\b", makefile, re.MULTILINE)


def audit_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("audit_dependencies", ROOT / "scripts" / "audit-dependencies.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_audit_fails_on_a_known_vulnerability_and_only_notes_what_it_could_not_audit() -> None:
    verdict = audit_script().verdict
    clean = {"dependencies": [{"name": "jinja2", "version": "3.1.6", "vulns": []}], "fixes": []}
    assert verdict(clean) == (0, ["dependency audit: no known vulnerabilities in 1 locked releases"])
    vulnerable = {
        "dependencies": [
            {
                "name": "jinja2",
                "version": "3.1.4",
                "vulns": [{"id": "GHSA-q2x7-8rv6-6q7h", "fix_versions": ["3.1.5"], "aliases": ["CVE-2024-56201"]}],
            },
            {"name": "pyyaml", "version": "6.0.2", "vulns": []},
        ],
        "fixes": [],
    }
    status, lines = verdict(vulnerable)
    assert status == 1
    assert lines == ["jinja2 3.1.4: GHSA-q2x7-8rv6-6q7h (CVE-2024-56201), fixed in 3.1.5"]
    # A mirror without PyPI's per-release JSON: pip-audit skips each release; a notice, not a pass.
    unaudited = {"dependencies": [{"name": "jinja2", "skip_reason": "Dependency not found on PyPI"}], "fixes": []}
    status, lines = verdict(unaudited)
    assert status == 0
    assert len(lines) == 1
    assert lines[0].startswith("notice: dependency audit skipped")
    assert "1 of 1 locked releases not audited: jinja2" in lines[0]
