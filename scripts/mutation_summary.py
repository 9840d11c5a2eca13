"""Summarise a mutmut run per module and check the kill rate (``make mutation``, docs/testing.md).

Reads the ``mutants/**/*.py.meta`` files mutmut writes. A mutant counts as killed when the tests failed on it
(or timed out: the mutant made the code loop); as survived when they passed; "no tests" when no selected test
reaches the mutated function; "not checked" when the run stopped before it (a partial run: the kill rate is then
over the mutants checked, and the module fails the check). Prints one row per module and the surviving mutants,
and exits 1 when a module kills fewer than ``--min`` percent (default 90) of its mutants or has some not checked.

With ``--unchecked MODULE`` it prints instead the names of that module's mutants not checked yet, one a line,
for ``mutmut run <names>`` to resume a stopped run (``make mutation-resume``): naming the module's glob would check
every mutant again.

Usage: python scripts/mutation_summary.py [--min 90] [--markdown] [--unchecked MODULE]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

MUTANT = re.compile(r"^(.*?)\.x(?:_|\u01c1)")  # module.x_function__mutmut_N or module.xǁClassǁmethod__mutmut_N
KILLED = {1: "killed", 3: "killed", 36: "timeout", -24: "timeout", 24: "timeout", 152: "timeout", 255: "timeout"}
OTHER = {0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 37: "type check", None: "not checked"}


def status(code: int | None) -> str:
    if code in KILLED:
        return "killed"
    return OTHER.get(code, "suspicious")


def summarise(root: Path) -> dict[str, dict[str, list[str]]]:
    """module -> status -> mutant names."""
    out: dict[str, dict[str, list[str]]] = {}
    for meta in sorted(root.glob("**/*.py.meta")):
        codes = json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {})
        for name, code in codes.items():
            found = MUTANT.match(name)
            module = found.group(1) if found else name
            out.setdefault(module, {}).setdefault(status(code), []).append(name)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min", type=float, default=90.0, help="lowest kill rate per module, percent")
    parser.add_argument("--root", type=Path, default=Path("mutants"))
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--unchecked", metavar="MODULE", help="print the mutants of MODULE not checked yet")
    args = parser.parse_args(argv)
    table = summarise(args.root)
    if args.unchecked:
        print("\n".join(table.get(args.unchecked, {}).get("not checked", [])))
        return 0
    if not table:
        print(f"no mutmut results under {args.root}", file=sys.stderr)
        return 1
    failed = []
    if args.markdown:
        print("| module | mutants | killed | survived | no tests | kill rate | not checked |")
        print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for module, by_status in table.items():
        counts = Counter({k: len(v) for k, v in by_status.items()})
        checked = sum(counts.values()) - counts["not checked"]
        if checked == 0:
            continue
        rate = 100.0 * counts["killed"] / checked
        if args.markdown:
            print(
                f"| {module} | {checked} | {counts['killed']} | {counts['survived']} | {counts['no tests']} | "
                f"{rate:.1f}% | {counts['not checked']} |"
            )
        else:
            print(
                f"{module:40s} {checked:5d} mutants {counts['killed']:5d} killed {counts['survived']:4d} survived "
                f"{counts['no tests']:4d} untested {rate:6.1f}%"
                + (f" ({counts['not checked']} not checked)" if counts["not checked"] else "")
            )
        if rate < args.min or counts["not checked"]:
            failed.append(module)
    if not args.markdown:
        for by_status in table.values():
            for name in by_status.get("survived", []) + by_status.get("no tests", []) + by_status.get("suspicious", []):
                print(f"  not killed: {name}")
    if failed:
        print(f"kill rate below {args.min:g}% or mutants not checked in: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
