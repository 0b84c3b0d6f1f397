"""The lock (requirements.lock) against PyPI's advisories, by pip-audit: `make audit`, and `make test`.

Exit 0 when no locked release has a known vulnerability; exit 1 with pip-audit's report when one has.
Where PyPI's vulnerability data cannot be reached (no internet, or a mirror that does not serve PyPI's
per-release JSON, where pip-audit skips each release as "not found"), one notice line and exit 0: the
audit is then the next machine's to do. See docs/developing/dependencies.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements.lock"
# pip-audit's default service: each release's entry in PyPI's JSON API carries its advisories.
PROBE = "https://pypi.org/pypi/pip/json"
TIMEOUT = 10
NOTICE = "notice: dependency audit skipped: PyPI's vulnerability data cannot be reached"


def unreachable() -> str | None:
    """None when PyPI's JSON API answers, else why not."""
    try:
        with urllib.request.urlopen(PROBE, timeout=TIMEOUT) as answer:
            answer.read(1)
    except (OSError, urllib.error.URLError) as error:
        return str(getattr(error, "reason", error)) or type(error).__name__
    return None


def verdict(report: dict[str, Any]) -> tuple[int, list[str]]:
    """The exit status and the lines to print for pip-audit's JSON report."""
    dependencies = report.get("dependencies", [])
    skipped = [d["name"] for d in dependencies if d.get("skip_reason")]
    vulnerable = [d for d in dependencies if d.get("vulns")]
    lines = []
    for dependency in vulnerable:
        for vulnerability in dependency["vulns"]:
            also = ", ".join(vulnerability.get("aliases", []))
            fixed = ", ".join(vulnerability.get("fix_versions", [])) or "none yet"
            lines.append(
                f"{dependency['name']} {dependency['version']}: {vulnerability['id']}"
                + (f" ({also})" if also else "")
                + f", fixed in {fixed}"
            )
    if skipped:
        how_many = f"{len(skipped)} of {len(dependencies)} locked releases not audited"
        if len(skipped) < 6:
            how_many += ": " + ", ".join(skipped)
        lines.append(f"{NOTICE} ({how_many})")
    if vulnerable:
        return 1, lines
    if not skipped:
        lines.append(f"dependency audit: no known vulnerabilities in {len(dependencies)} locked releases")
    return 0, lines


def main(lock: Path = LOCK) -> int:
    started = time.monotonic()
    why = unreachable()
    if why is not None:
        print(f"{NOTICE} ({why})")
        return 0
    audit = Path(sys.executable).with_name("pip-audit")
    command = [str(audit), "--requirement", str(lock), "--require-hashes", "--disable-pip"]
    command += ["--progress-spinner", "off", "--timeout", str(TIMEOUT), "--format", "json", "--aliases", "on"]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        # pip-audit stopped before its report: the service went away half-way, or something else.
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        if any(sign in done.stderr for sign in ("ConnectionError", "Timeout", "NameResolution", "Max retries")):
            print(f"{NOTICE} ({last})")
            return 0
        print(done.stderr, file=sys.stderr)
        return done.returncode or 1
    status, lines = verdict(report)
    lines[-1] += f" [{time.monotonic() - started:.1f} s]"
    for line in lines:
        print(line)
    if status:
        print(f"dependency audit failed: known vulnerabilities in {lock.name}, above", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else LOCK))
