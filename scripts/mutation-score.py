"""The mutation score per module from mutmut's results, and the mutants that survived.

Run by `make mutate` after `mutmut run`: prints killed / (killed + survived + timeout
excluded), module by module and package by package, and lists each survivor by name (`mutmut show NAME` shows its
diff). Exit 1 when the score is under the goal (90 %).
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

GOAL = 0.90
VENV_BIN = Path(sys.executable).parent


def main() -> int:
    listing = subprocess.run(
        [str(VENV_BIN / "mutmut"), "results", "--all", "true"], capture_output=True, text=True, check=True
    ).stdout
    counts: dict[str, Counter[str]] = {}
    survivors = []
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name:
            continue
        module = name.split(".x")[0].split(".x\u01c1")[0]
        counts.setdefault(module, Counter())[status] += 1
        if status == "survived":
            survivors.append(name)
    total = Counter[str]()
    packages: dict[str, Counter[str]] = {}
    print(f"{'module':42} {'killed':>7} {'survived':>9} {'other':>6}  score")
    for module, count in sorted(counts.items()):
        total.update(count)
        packages.setdefault(_package(module), Counter()).update(count)
        _row(module, count)
    print(f"\n{'package':42} {'killed':>7} {'survived':>9} {'other':>6}  score")
    for package, count in sorted(packages.items()):
        _row(package, count)
    judged = total["killed"] + total["survived"]
    score = total["killed"] / judged if judged else 1.0
    print(f"{'all':42} {total['killed']:7d} {total['survived']:9d}  score {score:.1%} (goal {GOAL:.0%})")
    print("survivors:")
    for name in survivors:
        print(f"  {name}")
    return 0 if score >= GOAL else 1


def _package(module: str) -> str:
    """`packetgen.web.pages` → `packetgen.web`; a module at the package's root stays itself."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else module


def _row(name: str, count: Counter[str]) -> None:
    other = sum(v for k, v in count.items() if k not in ("killed", "survived"))
    judged = count["killed"] + count["survived"]
    score = count["killed"] / judged if judged else 1.0
    print(f"{name:42} {count['killed']:7d} {count['survived']:9d} {other:6d}  {score:5.1%}")


if __name__ == "__main__":
    sys.exit(main())
