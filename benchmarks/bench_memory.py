"""Benchmark of peak memory: ``validate``, ``exposure`` and ``convert`` on a generated 1M-row network.

Generates ``generate_network(edges=N, seed=7, validate=False)`` once, writes it as a JSON file and as a CSV
folder, then runs each command in a fresh process (``python -m allyshore ...``) and reads its peak resident
memory (max RSS, from ``wait4``) and wall time. With ``--baseline-src DIR`` (the ``src`` folder of another
checkout, e.g. ``git archive`` of an older commit) the same commands run on that code too, for a
before/after table. Writes the ``memory`` section of ``docs/benchmarks.md``.

Usage: ``python benchmarks/bench_memory.py [--edges 1000000] [--baseline-src /tmp/base/src]``.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"


def measure(args: list[str], src: Path, cwd: Path) -> tuple[float, float, int]:
    """Seconds, peak RSS in MB and exit code of ``python -m allyshore ARGS`` run on the code in ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "160"}
    start = time.perf_counter()
    with open(os.devnull, "w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "allyshore", *args], cwd=cwd, env=env, stdout=sink, stderr=subprocess.PIPE
        )
        _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        assert process.stderr is not None
        print(f"{' '.join(args)}: exit {code}\n{process.stderr.read().decode()[-2000:]}", file=sys.stderr)
    return seconds, usage.ru_maxrss / 1024, code  # ru_maxrss is in KiB on Linux


GENERATE = (
    "import sys\nfrom allyshore.generate import generate_network\nfrom allyshore.io import write_network\n"
    "network = generate_network(edges=int(sys.argv[1]), seed=int(sys.argv[2]), validate=False)\n"
    "if len(sys.argv) > 3:\n    write_network(network, sys.argv[3])\n"
)


def measure_writer(edges: int, seed: int, src: Path, cwd: Path) -> tuple[float, float]:
    """Peak RSS (MB) of generating the network alone, and of generating it and writing it as JSON."""
    peaks = []
    for extra in ([], ["writer.json"]):
        (cwd / "writer.json").unlink(missing_ok=True)
        env = {**os.environ, "PYTHONPATH": str(src)}
        process = subprocess.Popen([sys.executable, "-c", GENERATE, str(edges), str(seed), *extra], cwd=cwd, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        peaks.append(usage.ru_maxrss / 1024)
    return peaks[0], peaks[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--baseline-src", type=Path, help="src folder of the code to compare with")
    parser.add_argument("--baseline-label", default="before")
    parser.add_argument("--workdir", type=Path, help="where to write the network files (default: a temp folder)")
    args = parser.parse_args()
    sys.path.insert(0, str(SRC))
    from _table import machine, versions, write_section  # benchmarks/ is on sys.path when run as a script
    from allyshore.generate import generate_network
    from allyshore.io import write_network

    work = args.workdir or Path(tempfile.mkdtemp(prefix="bench-memory-"))
    work.mkdir(parents=True, exist_ok=True)
    network = generate_network(edges=args.edges, seed=args.seed, validate=False)
    counts = network.summary()
    write_network(network, work / "net.json")
    write_network(network, work / "net_csv")
    del network
    json_mb = (work / "net.json").stat().st_size / 1e6
    csv_mb = sum(f.stat().st_size for f in (work / "net_csv").iterdir()) / 1e6
    commands = [
        ("validate net.json", ["validate", "net.json"]),
        ("exposure net.json", ["exposure", "net.json"]),
        ("convert net_csv out.json", ["convert", "net_csv", "out.json"]),
        ("convert net.json out.json", ["convert", "net.json", "out.json"]),
    ]
    codes = [(args.baseline_label, args.baseline_src)] if args.baseline_src else []
    codes.append(("after" if args.baseline_src else "this code", SRC))
    load_start = os.getloadavg()[0]
    results: dict[tuple[str, str], tuple[float, float, int]] = {}
    for label, src in codes:
        for name, command in commands:
            (work / "out.json").unlink(missing_ok=True)  # each run writes a new file
            results[(label, name)] = measure(command, src, work)
            seconds, peak, code = results[(label, name)]
            print(f"{label:>10} {name:<28} {peak:8.0f} MB {seconds:7.1f} s exit {code}", file=sys.stderr)
    writer = {label: measure_writer(args.edges, args.seed, src, work) for label, src in codes}
    for label, (alone, written) in writer.items():
        print(f"{label:>10} generate {alone:8.0f} MB, generate + write JSON {written:8.0f} MB", file=sys.stderr)
    load_end = os.getloadavg()[0]
    header = "| command | " + " | ".join(f"{label} peak RSS MB | {label} s" for label, _ in codes) + " |"
    lines = [
        "## Peak memory of validate, exposure and convert (`benchmarks/bench_memory.py`)",
        "",
        f"Machine: {machine()}; load average {load_start:.1f} at start, {load_end:.1f} at the end (shared "
        f"machine). {versions('polars', 'numpy', 'openpyxl')}.",
        "",
        f"Network: `generate_network(edges={args.edges}, seed={args.seed}, validate=False)` "
        f"({', '.join(f'{k} {v:,}' for k, v in counts.items())}), written as `net.json` ({json_mb:.0f} MB) "
        f"and as the CSV folder `net_csv` ({csv_mb:.0f} MB). Each command runs once in a fresh process "
        "(`python -m allyshore ...`, output to /dev/null); *peak RSS* is the process's maximum resident set "
        "size (`wait4`), wall seconds beside it. Target: `convert` to JSON under 1.5 GB.",
        "",
        header,
        "|---|" + "---:|---:|" * len(codes),
    ]
    for name, _ in commands:
        cells = []
        for label, _ in codes:
            seconds, peak, code = results[(label, name)]
            cells.append(f"{peak:,.0f}{'' if code in (0, 1) else f' (exit {code})'} | {seconds:.1f}")
        lines.append(f"| `{name}` | " + " | ".join(cells) + " |")
    lines += [
        "",
        "The JSON writer alone (`write_network(network, 'x.json')` in the process that generated the network; "
        "peak RSS of generating and writing, less that of generating alone):",
        "",
        "| code | generate only, peak RSS MB | generate + write JSON, peak RSS MB | writer's own share MB |",
        "|---|---:|---:|---:|",
    ]
    for label, (alone, written) in writer.items():
        lines.append(f"| {label} | {alone:,.0f} | {written:,.0f} | {max(written - alone, 0):,.0f} |")
    lines += [
        "",
        "A share of 0 means writing the JSON never needed more memory than generating the network did. "
        "`convert` from a JSON file peaks while reading the file (compare `validate` of the same file).",
    ]
    write_section("memory", "\n".join(lines))


if __name__ == "__main__":
    main()
