#!/usr/bin/env python3
"""Derive the automotive rules (SOR/2020-155 s.13) and the Part 6 tables from the regulation text.

Reads ../shared/reference/SOR-2020-155.txt (the CUSMA Rules of Origin Regulations, official
consolidation current to 2025-07-25) and writes

* src/allyshore/origin/rules/ch87.json — the product-specific rules of s.13 for headings 87.01-87.08
  (HS 2012), one entry per HS code, end-use scope, product and validity window, each with its
  exact legal text, the structured form, and ``"verified": true`` because the text is copied
  from the regulation itself. Clauses the parser cannot structure are reported and skipped.

  Heading 87.08 names goods inside a subheading (mounted brake linings, gear boxes, drive-axles,
  McPherson struts, suspension systems, radiators, silencers, steering wheels, columns or boxes,
  body stampings, chassis): each gets its own entry, scope "END USE; GOOD", holding the clauses
  written for it, the clauses written for every good of the subheading ("a change to subheading
  8708.94 from ...") and the "any other good" clauses placed before it; the entry without a good
  holds the "any other good" clauses (or, when there are none, those for every good). Threshold
  windows ("60%, beginning on July 1, 2020 and ending on / until June 30, 2024") give one entry per
  window. The typing slips read otherwise than printed are listed in SLIPS and noted on their entries.
* src/allyshore/origin/rules/automotive_tables.json — the HS codes of Tables A.1, A.2, B, C, D, E,
  F, G and S of Part 6.

Run from the project root:  python scripts/derive_origin_rules.py [path/to/SOR-2020-155.txt]
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "reference" / "SOR-2020-155.txt"
OUT = ROOT / "src" / "allyshore" / "origin" / "rules"
SOURCE = "SOR/2020-155 s.13 (CUSMA Rules of Origin Regulations; USMCA Annex 4-B Appendix)"

CODE = re.compile(r"^(\d{2}\.\d{2}|\d{4}\.\d{2}(?:\.[a-z]{2})?)(?:\s*[-–]\s*(\d{4}\.\d{2}|\d{2}\.\d{2}))?\s*$")
WINDOW = re.compile(
    r"(\d+(?:\.\d+)?)(?:%| percent)(?: under the net cost method)?, beginning on (\w+ \d+, \d{4})"
    r"(?:,? (?:and ending on|until) (\w+ \d+, \d{4}))?"
)
MARKER = re.compile(r"^\(([0-9]+|[a-z]|[ivx]+)\)\s*$")
NUM = re.compile(r"^\(\d+\)\s*$")
#: Typing slips of the regulation text, read as the regulation plainly intends (each is noted on its entries).
SLIPS: dict[tuple[str, str], tuple[str, str, str]] = {
    ("8708.94", "70%, beginning on July 1, 2023"): (
        "70%, beginning on July 1, 2023",
        "70%, beginning on July 1, 2027",
        "s.13, 8708.94 (2)(b)(iii) prints '70%, beginning on July 1, 2023', which overlaps windows (i) and (ii); "
        "read as July 1, 2027, the third step of every other heavy-truck rule of s.13, of (2)(c) beside it, of "
        "s.15(2)(c) and of USMCA Annex 4-B Appendix Article 4 (70% seven years after entry into force).",
    ),
}
ALL, RESIDUAL = "", "*"  # clause targets: every good of the code; any other good (not named before)


def _date(text: str) -> date:
    return datetime.strptime(text, "%B %d, %Y").date()


def _norm(code: str) -> str:
    return code.replace(".", "")


def _codes(text: str) -> list[str]:
    """HS codes and ranges in a phrase: 'subheading 8482.10 through 8482.80 or 8708.99' -> ['848210-848280', '870899']."""
    out: list[str] = []
    for m in re.finditer(r"(\d{4}\.\d{2}|\d{2}\.\d{2})(?:\s+through\s+(\d{4}\.\d{2}|\d{2}\.\d{2}))?", text):
        low = _norm(m.group(1))
        out.append(f"{low}-{_norm(m.group(2))}" if m.group(2) else low)
    return out


def _shift(clause: str) -> dict[str, Any] | str | None:
    """The tariff shift of one clause; None when no change is required; 'unparsed' when unknown.

    * "from any other heading [, except from X]": level, ``except_from``;
    * "from X, whether or not there is also a change from any other heading": X in ``also_from``;
    * "from X or any other subheading" (8708.80 McPherson struts): X in ``also_from``, level subheading.
    """
    c = clause.lower()
    if "no required change in tariff classification" in c:
        return None
    if "within chapter" in c or "outside" in c:
        return "unparsed"
    level = re.search(r"from any other (chapter|heading|subheading)\b", c)
    also = re.search(
        r"\bfrom (.+?),? whether or not there is also a change from any other (chapter|heading|subheading)", c
    )
    either = re.search(r"\bfrom (.+?) or any other (chapter|heading|subheading)\b", c)
    shift: dict[str, Any] = {"level": "", "except_from": []}
    if also:
        shift["level"], shift["also_from"] = also.group(2), _codes(also.group(1))
    elif either:
        shift["level"], shift["also_from"] = either.group(2), _codes(either.group(1))
    elif level:
        shift["level"] = level.group(1)
        exc = re.search(r"except from ([^;,]*)", c)
        if exc:
            shift["except_from"] = _codes(exc.group(1))
    else:
        return "unparsed"
    return shift


def _rvc(clause: str) -> tuple[list[tuple[float, date | None, date | None]], float | None] | None:
    """RVC thresholds of a clause: [(net cost percent, valid_from, valid_to)] and the TV percent if offered."""
    c = clause.replace(" per cent", "%").lower()
    if "provided there is" not in c:
        return None
    windows = [(float(p), _date(a.title()), _date(b.title()) if b else None) for p, a, b in WINDOW.findall(c)]
    if windows:
        return windows, None
    nc = re.search(r"(\d+(?:\.\d+)?)% under the net cost method", c)
    tv = re.search(r"(\d+(?:\.\d+)?)% under the transaction value method", c)
    if nc:
        return [(float(nc.group(1)), None, None)], float(tv.group(1)) if tv else None
    return None


def _scope(text: str) -> str:
    h = text.lower()
    for needle, scope in (
        ("passenger vehicle or light truck", "original equipment, passenger vehicle or light truck"),
        ("heavy truck", "original equipment, heavy truck"),
        ("any other vehicle or as an aftermarket part", "other vehicles and aftermarket"),
        ("solely or principally for off-road use", "off-road vehicle"),
        ("15 or fewer persons", "15 or fewer persons"),
        ("16 or more persons", "16 or more persons"),
        ("any other good", "other goods"),
        ("a passenger vehicle", "passenger vehicle"),
        ("a light truck", "light truck"),
    ):
        if needle in h:
            return scope
    return ""


def _product(text: str) -> str:
    """A good named by a part ('For a body stamping of ...'): its name, or '' for 'a good' / 'any other good'."""
    m = re.match(r"for (?:a|an|any other) (.+?) of (?:subheading|heading)", text.strip().lower())
    return "" if m is None or m.group(1) == "good" else m.group(1)


def _target(clause: str) -> str:
    """Which goods a clause of heading 87.08 is for: ALL, RESIDUAL ('any other good') or a named product."""
    text = clause.strip()
    m = re.match(
        r"(?:a change to|no required change in tariff classification to) (.+?),? of (?:subheading|tariff item) \d",
        text.lower(),
    )
    if m is None or m.group(1) in ("a good", "subheading", "heading"):
        return ALL
    name = re.sub(r"^(?:a|an) ", "", text[m.start(1) : m.end(1)], flags=re.IGNORECASE)
    return RESIDUAL if name.lower() == "any other good" else name


@dataclass
class Clause:
    code: str
    marker: str
    text: str

    @property
    def legal(self) -> str:
        return f"({self.marker}) {self.text}" if self.marker else self.text


@dataclass
class Part:
    family: str
    number: str
    head: str = ""
    clauses: list[Clause] = field(default_factory=list)
    code: str = ""  # the code of a clause-less part (its head is its only clause)


def _parts(lines: list[str]) -> list[Part]:
    """The parts of the s.13 table: per code family, each numbered part with its head and lettered clauses.

    Threshold windows ('(i) 62.5%, beginning on ...') stay in their clause's text; code lines inside a
    family (8708.99.aa, 8708.99.bb) switch the code of the clauses that follow.
    """
    parts: list[Part] = []
    code, family = "", ""
    tokens = [line.strip() for line in lines if line.strip()]
    i = 0
    while i < len(tokens):
        token = tokens[i]
        m = CODE.match(token)
        if m and not token.startswith("("):
            code = m.group(1) + (f"-{m.group(2)}" if m.group(2) else "")
            if code[:7] != family:
                family = code[:7]
                parts.append(Part(family, "", code=code))
            i += 1
            continue
        if NUM.match(token) and parts[-1].family == family and not _is_window(tokens, i):
            parts.append(Part(family, token, code=code))
        elif MARKER.match(token):
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if _is_window(tokens, i):
                part = parts[-1]
                if part.clauses:
                    part.clauses[-1].text += f" {token} {nxt}"
                else:
                    part.head += f" {token} {nxt}"
                i += 2
                continue
            parts[-1].clauses.append(Clause(code, token.strip("()"), nxt))
            i += 2
            continue
        else:
            part = parts[-1]
            if part.clauses:
                part.clauses[-1].text += " " + token
            else:
                part.head = (part.head + " " + token).strip()
                part.code = part.code or code
        i += 1
    return parts


def _is_window(tokens: list[str], i: int) -> bool:
    """A marker whose text is a threshold ('60%, beginning on ...', '60% under the transaction value method')."""
    nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
    return bool(re.match(r"^\d+(?:\.\d+)?(?:%| per cent| percent)", nxt))


def _fix_slips(family: str, text: str, notes: list[str]) -> str:
    for (code, wrong), (old, new, note) in SLIPS.items():
        if family.startswith(code) and wrong in text:
            text = text.replace(old, new)
            notes.append(note)
    return text


def _entries(
    family: str, code: str, scope: str, product: str, clauses: list[Clause], legal: str, notes: list[str]
) -> tuple[list[dict[str, Any]], list[str]]:
    """Library entries (one per validity window) for the goods ``clauses`` apply to."""
    parsed: list[tuple[Any, tuple[list[tuple[float, date | None, date | None]], float | None] | None]] = []
    for clause in clauses:
        text = _fix_slips(family, clause.text, notes)
        shift = _shift(text)
        rvc = _rvc(text)
        if shift == "unparsed" or (rvc is None and "provided there is" in text.lower()):
            return [], [f"{code} {scope} {product} ({clause.marker or 'text'}) not structured".strip()]
        parsed.append((shift, rvc))
        own = _norm(family[:7])
        described = re.search(r"from ((?:parts|any other good|mounted)[^;]*?) of subheadings? \d", text)
        if isinstance(shift, dict) and own in shift.get("also_from", []) and described:
            notes.append(
                f"The materials of subheading {family[:7]} allowed by description ('{described.group(1)}') are "
                "taken to be every material of that subheading: an HS code cannot tell a part, or another good, "
                "from the good itself within one subheading."
            )
        if "8482.99.aa" in text:
            notes.append(
                "Tariff item 8482.99.aa (a national item of subheading 8482.99, named but not defined in the "
                "regulation) is applied as subheading 8482.99."
            )
    windows = sorted(
        {(a, b) for _, r in parsed if r is not None and len(r[0]) > 1 for _, a, b in r[0]},
        key=lambda w: w[0] or date.min,
    )
    for (_, b1), (a2, _) in pairwise(windows):
        if b1 is None or a2 is None or b1 >= a2:
            return [], [f"{code} {scope} {product}: overlapping threshold windows"]
    spans: list[tuple[date | None, date | None]] = windows or [(None, None)]
    out = []
    for valid_from, valid_to in spans:
        alternatives = []
        for shift, rvc in parsed:
            threshold: dict[str, float] | None = None
            if rvc is not None:
                levels, tv = rvc
                pct = next((p for p, a, b in levels if (a, b) == (valid_from, valid_to)), None)
                pct = levels[0][0] if len(levels) == 1 else pct
                if pct is None:
                    return [], [f"{code} {scope} {product}: windows differ between alternatives"]
                threshold = {"net_cost": pct, **({"transaction_value": tv} if tv is not None else {})}
            alternatives.append({"tariff_shift": shift, "rvc": threshold})
        entry: dict[str, Any] = {
            "hs": code,
            "scope": "; ".join(x for x in (scope, product) if x),
            "valid_from": valid_from.isoformat() if valid_from else None,
            "valid_to": valid_to.isoformat() if valid_to else None,
            "text": legal,
            "source": SOURCE,
            "verified": True,
            "alternatives": alternatives,
        }
        if notes:
            entry["note"] = " ".join(dict.fromkeys(notes))
        out.append(entry)
    return out, []


def _goods(clauses: list[Clause]) -> list[tuple[str, list[Clause]]]:
    """(product, clauses) per group of goods of one code: each named product, then the rest ('')."""
    targets = [_target(c.text) for c in clauses]
    named = list(dict.fromkeys(t for t in targets if t not in (ALL, RESIDUAL)))
    if not named:
        return [("", clauses)]
    first = {p: targets.index(p) for p in named}
    out = [
        (
            p,
            [
                c
                for c, t in zip(clauses, targets, strict=True)
                if t in (ALL, p) or (t == RESIDUAL and targets.index(t) < first[p])
            ],
        )
        for p in named
    ]
    rest = [c for c, t in zip(clauses, targets, strict=True) if t in (ALL, RESIDUAL)]
    if rest:
        out.append(("", rest))
    return out


def derive(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    lines = text.splitlines()
    start = next(
        i
        for i, line in enumerate(lines)
        if line.startswith("Except as provided for in section 19, the product-specific")
    )
    end = next(i for i in range(start, len(lines)) if lines[i].strip() == "14")
    body = [x for x in lines[start + 1 : end] if x.strip() not in ("Harmonized system 2012", "Description")]
    rules: list[dict[str, Any]] = []
    skipped: list[str] = []
    for part in _parts(body):
        if not part.clauses and not part.head:
            continue  # a code line followed by numbered parts
        clauses = part.clauses or [Clause(part.code, "", part.head)]
        head = part.head if part.clauses else ""
        whole = " ".join([head, *(c.text for c in clauses)])
        scope = _scope(whole)
        part_product = _product(part.head) if part.family.startswith("8708") else ""
        by_code: dict[str, list[Clause]] = {}
        for clause in clauses:
            by_code.setdefault(clause.code, []).append(clause)
        for code, group in by_code.items():
            legal = re.sub(r"\s+", " ", " ".join([head, *(c.legal for c in group)])).strip()
            goods = _goods(group) if part.family.startswith("8708") else [("", group)]
            named = [p for p, _ in goods if p]
            for product, chosen in goods:
                notes: list[str] = []
                if named and not product:
                    notes.append(
                        f"Goods named in this part have their own entries (scope '{scope}; <name>'): "
                        + "; ".join(named)
                        + ". This entry holds the alternatives not limited to a named good (for any other good)."
                    )
                if " and (" in legal and re.search(r"; and \([a-z]\) (?:a change|no required)", legal):
                    notes.append(
                        "The alternatives are joined by 'and' in the regulation; read as 'or', as in the parallel parts."
                    )
                entries, problems = _entries(part.family, code, scope, product or part_product, chosen, legal, notes)
                rules += entries
                skipped += problems
    seen: set[tuple[str, str, str | None]] = set()
    unique = []
    for r in rules:
        key = (r["hs"], r["scope"], r["valid_from"])
        if key in seen:
            skipped.append(f"{r['hs']} {r['scope']} (duplicate window, ambiguous structure)")
            continue
        seen.add(key)
        unique.append(r)
    return unique, skipped


TABLES = ("A.1", "A.2", "B", "C", "D", "E", "F", "G", "S")


def derive_tables(text: str) -> dict[str, list[dict[str, Any]]]:
    lines = text.splitlines()
    starts = {t: next(i for i, line in enumerate(lines) if line.strip() == f"TABLE {t}") for t in TABLES}
    order = sorted(starts.items(), key=lambda kv: kv[1])
    out: dict[str, list[dict[str, Any]]] = {}
    for n, (table, i) in enumerate(order):
        j = (
            order[n + 1][1]
            if n + 1 < len(order)
            else next(k for k in range(i, len(lines)) if lines[k].startswith("PART 7"))
        )
        codes = []
        for line in lines[i:j]:
            m = re.match(r"^(ex )?(\d{4}\.\d{2}(?:\.\d{2})?)\s*$", line.strip())
            if m:
                codes.append({"hs": m.group(2), "ex": bool(m.group(1))})
        out[table] = codes
    return out


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    text = path.read_text(encoding="utf-8-sig")
    rules, skipped = derive(text)
    doc = {
        "chapter": "87",
        "hs_edition": "HS 2012",
        "description": "Vehicles and certain auto parts, SOR/2020-155 s.13 (derived by scripts/derive_origin_rules.py).",
        "rules": rules,
    }
    (OUT / "ch87.json").write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tables = {
        "source": "SOR/2020-155 Part 6, Tables A.1 to G and S (HS 2012)",
        "tables": derive_tables(text),
    }
    (OUT / "automotive_tables.json").write_text(json.dumps(tables, indent=1) + "\n", encoding="utf-8")
    print(f"{len(rules)} rule entries written; {len(skipped)} clauses not structured:")
    for s in skipped:
        print("  -", s)


if __name__ == "__main__":
    main()
