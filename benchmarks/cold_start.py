"""How long does a cold `generate.py packet` take? The whole process, and where its time goes.

    .venv/bin/python benchmarks/cold_start.py [--n 10] [--appointment FILE] [--against TREE]

Each round runs, one after the other: `generate.py packet` as a user runs it (the whole process,
interpreter start included), the same command in one process with its phases timed, and a bare
interpreter (`python -c pass`, the part no change to packetgen can take away). The phases: importing
`packetgen.settings` (the models come with it), importing what the `packet` command imports before it
starts (`packetgen.cli`, `cli.delivery`, `library`, `build`), `load_content` (the content, layouts and
departments read and checked) and `made_from_args` (the packet made and written, with what it imports on
the way and the fonts it loads); each phase is timed around the CLI's own function, so the command runs
exactly as `generate.py packet` runs it; its imports come before `main`, though, with the garbage collector
on (which `main` turns off for a one-packet command), so the phases add up to more than they cost inside
`generate.py`. Best and median of N rounds.

`--against TREE` (another checkout of the project, such as the last commit unpacked with `git archive`)
alternates the two trees round by round, for a before and after measured in one session on a shared,
noisy machine.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPOINTMENT = Path("examples/appointments/ivanova.yaml")

PHASES = """
import json, os, sys, time
start = time.perf_counter()
sys.argv = ["generate.py"]
sys.path.insert(0, os.getcwd())
import packetgen.settings
settings_imported = time.perf_counter()
import packetgen.build, packetgen.cli, packetgen.cli.delivery, packetgen.library
imported = time.perf_counter()
times = {}

def timed(name, work):
    def run(*args, **kwargs):
        began = time.perf_counter()
        try:
            return work(*args, **kwargs)
        finally:
            times[name] = time.perf_counter() - began
    return run

packetgen.cli.load_content = timed("load_content", packetgen.cli.load_content)
packetgen.cli.delivery.made_from_args = timed("make_packet", packetgen.cli.delivery.made_from_args)
with open(os.devnull, "w") as quiet:
    sys.stdout, sys.stderr = quiet, quiet
    code = packetgen.cli.main(["packet", sys.argv_appointment, "--out", sys.argv_out])
    sys.stdout, sys.stderr = sys.__stdout__, sys.__stderr__
assert code == 0, code
times["import settings"] = settings_imported - start
times["import cli, library, build"] = imported - settings_imported
print(json.dumps(times))
"""

ORDER = ("import settings", "import cli, library, build", "load_content", "make_packet")


def whole(tree: Path, appointment: Path, out: str) -> float:
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "generate.py", "packet", str(appointment), "--out", out],
        cwd=tree,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - began


def phases(tree: Path, appointment: Path, out: str) -> dict[str, float]:
    code = PHASES.replace("sys.argv_appointment", repr(str(appointment))).replace("sys.argv_out", repr(out))
    done = subprocess.run([sys.executable, "-c", code], cwd=tree, check=True, capture_output=True, text=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def bare() -> float:
    began = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - began


def report(name: str, runs: list[float]) -> str:
    return f"  {name:<30} best {min(runs) * 1000:6.0f} ms   median {statistics.median(runs) * 1000:6.0f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10)
    parser.add_argument("--appointment", type=Path, default=APPOINTMENT, help="relative to each tree")
    parser.add_argument("--against", type=Path, help="another checkout, alternated round by round")
    args = parser.parse_args()
    trees = [ROOT] + ([args.against.resolve()] if args.against else [])
    measured: dict[Path, dict[str, list[float]]] = {tree: {} for tree in trees}
    interpreter: list[float] = []
    env_note = os.environ.get("PACKETGEN_CLOCK", "")
    with tempfile.TemporaryDirectory() as out:
        for _ in range(args.n):
            for tree in trees:
                runs = measured[tree]
                runs.setdefault("whole process", []).append(whole(tree, args.appointment, out))
                for name, seconds in phases(tree, args.appointment, out).items():
                    runs.setdefault(name, []).append(seconds)
            interpreter.append(bare())
    print(f"`generate.py packet {args.appointment}`, {args.n} rounds{' (clock ' + env_note + ')' if env_note else ''}")
    for tree in trees:
        print(f"{tree.name if tree != ROOT else 'this tree'}:")
        runs = measured[tree]
        for name in ("whole process", *ORDER):
            print(report(name, runs[name]))
        phased = [sum(runs[name][i] for name in ORDER) for i in range(args.n)]
        print(report("sum of the phases", phased))
    print(report("bare interpreter (-c pass)", interpreter))


if __name__ == "__main__":
    main()
