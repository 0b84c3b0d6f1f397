"""A mutation score per package from a random sample of its mutants: `make mutate-sample`.

The whole of `make mutate` is about 20,000 mutants and days of CPU on 2 cores; a seeded sample of
N mutants a package (`SAMPLE`, 25 by default) gives each package's score to within about ±12
points (95 %) in a few hours, and the same sample every time for the same code and seed.

Steps: mutmut generates every mutant and records which tests reach which function (a run that
asks for no mutant ends there); this script lists the mutants, draws N per package with
`random.Random(SEED)`, runs just those, then prints `scripts/mutation-score.py`'s table with a
Wilson interval for each package.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

from mutmut.stats import status_by_exit_code

VENV_BIN = Path(sys.executable).parent
NONE_SUCH = "no.such.mutant"


def package_of(name: str) -> str:
    """`packetgen.web.pages.x_f__mutmut_3` → `packetgen.web`; a module at the root stays itself."""
    module = name.split(".x_")[0].split(".x\u01c1")[0]
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 else module


def results() -> dict[str, str]:
    """Every mutant's name and status, from the `.meta` files mutmut writes beside each mutated module."""
    statuses: dict[str, str] = {}
    for meta in sorted(Path("mutants").rglob("*.meta")):
        for name, code in json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"].items():
            statuses[name] = status_by_exit_code[code]
    return statuses


def wilson(killed: int, judged: int, z: float = 1.96) -> tuple[float, float]:
    """The 95 % Wilson score interval of a proportion."""
    if not judged:
        return 0.0, 1.0
    p = killed / judged
    centre = (p + z * z / (2 * judged)) / (1 + z * z / judged)
    half = z * math.sqrt(p * (1 - p) / judged + z * z / (4 * judged * judged)) / (1 + z * z / judged)
    return max(0.0, centre - half), min(1.0, centre + half)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=int, default=25)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--max-children", type=int, default=2)
    parser.add_argument("--report-only", action="store_true", help="print the table of the last run")
    args = parser.parse_args()
    mutmut = str(VENV_BIN / "mutmut")
    if not args.report_only:
        # Generates the mutants and the test statistics, then stops: no mutant is named NONE_SUCH.
        subprocess.run([mutmut, "run", "--max-children", str(args.max_children), NONE_SUCH], check=False)
        by_package: dict[str, list[str]] = defaultdict(list)
        for name in sorted(results()):
            by_package[package_of(name)].append(name)
        chosen = []
        for package in sorted(by_package):
            names = by_package[package]
            chosen += random.Random(f"{args.seed}:{package}").sample(names, min(args.sample, len(names)))
        Path("mutants/sample.txt").write_text("\n".join(chosen) + "\n", encoding="utf-8")
        ran = subprocess.run([mutmut, "run", "--max-children", str(args.max_children), *chosen], check=False)
        if ran.returncode != 0:  # the tests failed without a mutant (a slow machine's timeouts, a server missing)
            print("mutmut stopped before the mutants were tried: the tests must pass unmutated (output above)")
            return 1
    chosen = Path("mutants/sample.txt").read_text(encoding="utf-8").split()
    statuses = results()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for name in chosen:
        counts[package_of(name)][statuses.get(name, "not checked")] += 1
    print(f"{'package':26} {'sampled':>7} {'killed':>6} {'survived':>8} {'other':>5}  score (95 % interval)")
    total: Counter[str] = Counter()
    for package, count in sorted(counts.items()):
        total.update(count)
        _row(package, count)
    _row("all", total)
    print("survivors (`mutmut show NAME` shows the change):")
    for name in chosen:
        if statuses.get(name) == "survived":
            print(f"  {name}")
    return 0


def _row(name: str, count: Counter[str]) -> None:
    killed, survived = count["killed"], count["survived"]
    judged = killed + survived
    other = sum(count.values()) - judged
    low, high = wilson(killed, judged)
    score = f"{killed / judged:5.1%} ({low:.0%}–{high:.0%})" if judged else "—"
    print(f"{name:26} {sum(count.values()):7d} {killed:6d} {survived:8d} {other:5d}  {score}")


if __name__ == "__main__":
    sys.exit(main())
