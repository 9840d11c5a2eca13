"""Build the table of SCIAN 2018 sectors that the DENUE import checks activity codes against.

Source: INEGI's Censos Económicos 2024 export in ``../shared/data/inegi_ce2024_saic_tamaulipas`` (see its
PROVENANCE.md): its column ``Actividad económica`` names the 19 SCIAN sectors the economic census covers,
as "Sector 31-33 Industrias manufactureras" etc. A sector written as a range (31-33, 48-49) gives each
2-digit code of the range its own row (DENUE's 6-digit classes start with 31, 32 or 33, with 48 or 49).

One sector is added by hand, marked ``census=no``: 93 "Actividades legislativas, gubernamentales, de
impartición de justicia y de organismos internacionales y extraterritoriales", a SCIAN sector that DENUE
lists but the economic census does not cover (to verify against INEGI's SCIAN 2018 catalogue).

No list of the 6-digit SCIAN 2018 classes exists in ../shared/data, so none is built: the import checks
the format and the sector only. (The NAICS codes in ../shared/data/hs_naics_concordance are NAICS, not
SCIAN, and are not used for this.)

The output is deterministic, so a test can rebuild it and compare it with the shipped file.

Usage::

    python scripts/build_scian_sectors.py [--data ../shared/data] [--out src/allyshore/data/capacity]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data"
DEFAULT_OUT = ROOT / "src" / "allyshore" / "data" / "capacity"
SOURCE = "inegi_ce2024_saic_tamaulipas/SAIC_Exporta_2025922_13941551.csv"
BY_HAND = {
    "93": "Actividades legislativas, gubernamentales, de impartición de justicia y de organismos "
    "internacionales y extraterritoriales"
}


def build(data: Path) -> str:
    raw = (data / SOURCE).read_bytes()
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[4]
    column = header.index("Actividad económica")
    sectors: dict[str, str] = {}
    for row in rows[5:]:
        if len(row) <= column or not row[0][:4].isdigit():
            continue
        found = re.fullmatch(r"Sector (\d{2})(?:-(\d{2}))? (.+)", row[column].strip())
        if found is None:
            continue
        first, last, name = int(found.group(1)), int(found.group(2) or found.group(1)), found.group(3)
        for code in range(first, last + 1):
            sectors[f"{code:02d}"] = name
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["sector", "name", "census"])
    for code in sorted({**sectors, **BY_HAND}):
        writer.writerow([code, sectors.get(code, BY_HAND.get(code)), "yes" if code in sectors else "no"])
    digest = hashlib.sha256(raw).hexdigest()
    return f"# source: ../shared/data/{SOURCE} sha256 {digest}; 93 by hand (scripts/build_scian_sectors.py)\n" + out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "scian_sectors.csv").write_text(build(args.data), encoding="utf-8")


if __name__ == "__main__":
    main()
