"""Start-up time of the command line: ``allyshore --help`` and ``allyshore validate`` on a sample.

Each command runs in a fresh Python process (``python -m allyshore ...``), several
times after one warm-up run (so that bytecode caches exist, as they do after
installation); the figures are the median wall-clock time and the median CPU time
(user + system, of the child process) per run, and the same minus a plain
``python -c pass`` baseline (the interpreter's own start). One extra run of each
under ``python -X importtime`` lists which heavy libraries the command imports.

Target: ``--help`` and ``validate`` of a sample under 0.5 s.

Usage: ``python benchmarks/bench_startup.py [--repeat 11] [--no-write]``.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "allyshore" / "data" / "samples" / "infusion-pump.json"
TARGET_SECONDS = 0.5
#: Libraries that a start-up should not pay for unless the command needs them.
HEAVY = (
    "polars",
    "numpy",
    "scipy",
    "networkx",
    "openpyxl",
    "pydantic",
    "jinja2",
    "sqlalchemy",
    "dask",
    "highspy",
    "reportlab",
)


def commands(sample: Path) -> list[tuple[str, list[str], bool]]:
    """(label, arguments after the interpreter, held to the target)."""
    return [
        ("python -c pass (baseline)", ["-c", "pass"], False),
        ("python -c 'import allyshore'", ["-c", "import allyshore"], False),
        (
            "libraries alone: import typer, rich.console, pydantic, polars, numpy",
            ["-c", "import typer, rich.console, pydantic, polars, numpy"],
            False,
        ),
        ("allyshore --help", ["-m", "allyshore", "--help"], True),
        ("allyshore exposure --help", ["-m", "allyshore", "exposure", "--help"], False),
        (f"allyshore validate {sample.name}", ["-m", "allyshore", "validate", str(sample)], True),
    ]


def run_once(args: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, *args], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def heavy_imports(args: list[str]) -> list[str]:
    """The :data:`HEAVY` libraries a run imports (from ``-X importtime``)."""
    done = subprocess.run([sys.executable, "-X", "importtime", *args], capture_output=True, text=True, check=False)
    imported = set(re.findall(r"\|\s+([A-Za-z0-9_.]+)\s*$", done.stderr, flags=re.MULTILINE))
    return [name for name in HEAVY if name in imported]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11, help="timed runs per command (after one warm-up)")
    parser.add_argument("--sample", type=Path, default=SAMPLE, help="network file to validate")
    parser.add_argument("--no-write", action="store_true", help="print the table only")
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _table import machine, versions, write_section  # benchmarks/ is on sys.path when run as a script

    load_at_start = os.getloadavg()[0]
    rows = []
    baseline_wall = baseline_cpu = 0.0
    for label, argv, held in commands(args.sample):
        run_once(argv)  # warm-up: bytecode caches
        runs = [run_once(argv) for _ in range(args.repeat)]
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        if argv == ["-c", "pass"]:
            baseline_wall, baseline_cpu = wall, cpu
        verdict = ("met" if wall < TARGET_SECONDS else "**missed**") if held else ""
        rows.append((label, wall, cpu, wall - baseline_wall, cpu - baseline_cpu, heavy_imports(argv), verdict))
        print(f"{label}: wall {wall:.3f} s, cpu {cpu:.3f} s", flush=True)
    load_at_end = os.getloadavg()[0]

    lines = [
        "## Start-up time (`benchmarks/bench_startup.py`)",
        "",
        f"Machine: {machine()}; load average {load_at_start:.1f} at start, {load_at_end:.1f} at end (shared "
        f"machine). Versions: {versions('allyshore', 'typer', 'click', 'rich', 'polars', 'numpy', 'pydantic')}.",
        f"Median of {args.repeat} fresh processes per command after one warm-up run (bytecode cached); wall clock "
        "and CPU time (user + system of the child), and the same minus the bare interpreter's start. "
        "*Heavy imports* lists the large libraries the command loads (`python -X importtime`). "
        f"Target: `--help` and `validate` under {TARGET_SECONDS} s wall clock.",
        "",
        "| command | wall s | CPU s | wall minus baseline s | CPU minus baseline s | heavy imports | target |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for label, wall, cpu, extra_wall, extra_cpu, heavy, verdict in rows:
        lines.append(
            f"| `{label}` | {wall:.3f} | {cpu:.3f} | {extra_wall:.3f} | {extra_cpu:.3f} | "
            f"{', '.join(heavy) or '-'} | {verdict} |"
        )
    lines += [
        "",
        "Commands import their analysis inside the function that runs it, and `allyshore` exposes its public "
        "names through a lazy `__getattr__`; `validate` needs polars and numpy (typed tables, graph checks) and, "
        "through Typer's parameter coercion, pydantic, but not scipy, networkx or openpyxl unless the network "
        "has a cycle or is a workbook. The *libraries alone* row imports just those libraries: the floor under "
        "`validate` with this stack (Typer 0.2x coerces every non-flag parameter through pydantic).",
    ]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        write_section("startup", text)


if __name__ == "__main__":
    main()
