#!/usr/bin/env python3
"""Derive the automotive rules (SOR/2020-155 s.13) and the Part 6 tables from the regulation text.

Reads ../shared/reference/SOR-2020-155.txt (the CUSMA Rules of Origin Regulations, official
consolidation current to 2025-07-25) and writes

* src/allyshore/origin/rules/ch87.json — the product-specific rules of s.13 for headings 87.01-87.08
  (HS 2012), one entry per HS code, end-use scope, product and validity window, each with its
  exact legal text, the structured form, and ``"verified": true`` because the text is copied
  from the regulation itself. Clauses the parser cannot structure are reported and skipped.
* src/allyshore/origin/rules/automotive_tables.json — the HS codes of Tables A.1, A.2, B, C, D, E,
  F, G and S of Part 6.

Run from the project root:  python scripts/derive_origin_rules.py [path/to/SOR-2020-155.txt]
"""

from __future__ import annotations

import json
import re
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT.parent / "shared" / "reference" / "SOR-2020-155.txt"
OUT = ROOT / "src" / "allyshore" / "origin" / "rules"
SOURCE = "SOR/2020-155 s.13 (CUSMA Rules of Origin Regulations; USMCA Annex 4-B Appendix)"

CODE = re.compile(r"^(\d{2}\.\d{2}|\d{4}\.\d{2}(?:\.[a-z]{2})?)(?:\s*[-–]\s*(\d{4}\.\d{2}|\d{2}\.\d{2}))?\s*$")
WINDOW = re.compile(r"(\d+(?:\.\d+)?)%, beginning on (\w+ \d+, \d{4})(?: and ending on (\w+ \d+, \d{4}))?")
MARKER = re.compile(r"^\(([0-9]+|[a-z]|[ivx]+)\)\s*$")


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
    """The tariff shift of one clause; None when no change is required; 'unparsed' when unknown."""
    c = clause.lower()
    if "no required change in tariff classification" in c:
        return None
    level_match = re.search(r"from any other (chapter|heading|subheading)", c)
    shift: dict[str, Any] = {"level": level_match.group(1) if level_match else "heading", "except_from": []}
    exc = re.search(r"except from ([^;,]*)", c)
    if exc:
        shift["except_from"] = _codes(exc.group(1))
    also = re.search(
        r"from (?:subheadings? |headings? |parts thereof of subheading |parts of [^,]*? of subheading |"
        r"any other good of subheading |mounted brake linings or parts of brakes or servo-brakes of subheading )"
        r"([\d.,\s]+(?:through [\d.]+)?(?:,? or [\d.]+)*)[^,]*,? whether or not",
        c,
    )
    if also:
        shift["also_from"] = _codes(also.group(1))
        shift["level"] = "heading"
    elif not level_match and "from any other subheading" not in c:
        return "unparsed"
    if "within chapter" in c or "outside" in c:
        return "unparsed"
    return shift


def _rvc(clause: str) -> tuple[list[tuple[float, date | None, date | None]], bool] | None:
    """RVC thresholds of a clause: [(percent, valid_from, valid_to)], and whether TV is also offered."""
    clause = clause.replace(" per cent", "%")
    c = clause.lower()
    if "provided there is" not in c:
        return None
    windows = [(float(p), _date(a), _date(b) if b else None) for p, a, b in WINDOW.findall(clause)]
    if windows:
        return windows, False
    nc = re.search(r"(\d+(?:\.\d+)?)% under the net cost method", c)
    tv = re.search(r"(\d+(?:\.\d+)?)% under the transaction value method", c)
    if nc:
        return [(float(nc.group(1)), None, None)], bool(tv) and tv is not None
    return None


def _product(clause: str) -> str:
    c = clause.strip().lower()
    m = re.match(
        r"(?:a change to|no required change in tariff classification to|for) (.*?) (?:of (?:subheading|heading|tariff item)|from)",
        c,
    )
    if not m:
        return ""
    p = m.group(1)
    generic = r"^(a good|any other good|subheading|heading|tariff item|a passenger vehicle|a light truck|a heavy truck|a motor vehicle|a vehicle that)"
    if re.match(generic, p) or re.match(r"^[\d.]+$", p):
        return ""
    return p


def _scope(head: str) -> str:
    h = head.lower()
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


def _blocks(lines: list[str]) -> list[tuple[str, list[str]]]:
    """Split s.13's table into (code, lines) blocks."""
    out: list[tuple[str, list[str]]] = []
    for line in lines:
        m = CODE.match(line.strip())
        if m and not line.strip().startswith(("(",)):
            code = m.group(1) + (f"-{m.group(2)}" if m.group(2) else "")
            out.append((code, []))
        elif out:
            out[-1][1].append(line.strip())
    return out


def _split(lines: list[str], level: re.Pattern[str]) -> tuple[list[str], list[list[str]]]:
    head: list[str] = []
    parts: list[list[str]] = []
    last = ""
    for line in lines:
        token = line.strip()
        # "(i)" after "(h)" is the ninth letter, not a roman numeral.
        if level is LET and token == "(i)" and last == "(h)":
            last = token
            parts.append([])
            continue
        if level.match(line):
            last = token
            parts.append([])
        elif parts:
            parts[-1].append(line)
        else:
            head.append(line)
    return head, parts


NUM = re.compile(r"^\(\d+\)\s*$")
LET = re.compile(r"^\([a-h]\)\s*$")


def _clauses(lines: list[str]) -> list[str]:
    """Top-level clauses of a scope: lettered alternatives, or the whole text when none."""
    head, parts = _split(lines, LET)
    joined_head = " ".join(head)
    if not parts:
        return [joined_head]
    texts = [" ".join(p) for p in parts]
    if all(WINDOW.search(t) for t in texts):  # the letters are threshold windows, not alternatives
        return [joined_head + " " + " ".join(f"({chr(97 + i)}) {t}" for i, t in enumerate(texts))]
    if joined_head.lower().startswith(("a change", "no required")):
        return [joined_head + " " + " ".join(texts)]
    return (
        [joined_head + " " + t if not t.lower().startswith(("a change", "no required")) else t for t in texts]
        if False
        else texts
    )


def derive(text: str) -> tuple[list[dict[str, Any]], list[str]]:
    lines = text.splitlines()
    start = next(
        i
        for i, line in enumerate(lines)
        if line.startswith("Except as provided for in section 19, the product-specific")
    )
    end = next(i for i in range(start, len(lines)) if lines[i].strip() == "14")
    rules: list[dict[str, Any]] = []
    skipped: list[str] = []
    last_scope, family = "", ""
    for code, block in _blocks(lines[start + 1 : end]):
        head, scopes = _split(block, NUM)
        if code[:7] != family:
            last_scope, family = "", code[:7]
        # Text before the first numbered part continues the scope of the previous part of the same
        # subheading (s.13 interleaves tariff items 8708.99.aa and .bb with subheading 8708.99).
        has_head = any(x.strip() and not MARKER.match(x) for x in head)
        scope_parts = ([head] if has_head or not scopes else []) + scopes
        for part in scope_parts:
            text_ = " ".join(x for x in part if not MARKER.match(x)).strip()
            scope = _scope(text_) or last_scope
            last_scope = scope
            clauses = _clauses(part)
            # The first clause may carry the scope head ("For a good of ... , (a) ..."): drop that head.
            groups: dict[str, list[str]] = {}
            for clause in clauses:
                if not clause.strip():
                    continue
                groups.setdefault(_product(clause), []).append(clause)
            for product, items in groups.items():
                alternatives = []
                windows: list[tuple[float, date | None, date | None]] | None = None
                bad = False
                for clause in items:
                    shift = _shift(clause)
                    rvc = _rvc(clause)
                    if shift == "unparsed" or (rvc is None and "provided there is" in clause.lower()):
                        bad = True
                        break
                    if rvc is None:
                        alternatives.append({"tariff_shift": shift, "rvc": None})
                        continue
                    w, tv = rvc
                    if len(w) > 1:
                        windows = w
                        alternatives.append({"tariff_shift": shift, "rvc": "WINDOW"})
                    else:
                        pct = w[0][0]
                        r: dict[str, float] = {"net_cost": pct}
                        if tv:
                            tvm = re.search(
                                r"(\d+(?:\.\d+)?)% under the transaction value method",
                                clause.replace(" per cent", "%").lower(),
                            )
                            assert tvm is not None
                            r["transaction_value"] = float(tvm.group(1))
                        alternatives.append({"tariff_shift": shift, "rvc": r})
                if bad or not alternatives or all(a["tariff_shift"] is None and a["rvc"] is None for a in alternatives):
                    if "change" in " ".join(items).lower():
                        skipped.append(f"{code} {scope} {product}".strip())
                    continue
                scope_text = "; ".join(x for x in (scope, product) if x)
                legal = re.sub(r"\s+", " ", text_)
                for valid_from, valid_to, pct in (
                    [(a, b, p) for p, a, b in windows] if windows else [(None, None, None)]
                ):
                    alts = [{**a, "rvc": {"net_cost": pct}} if a["rvc"] == "WINDOW" else a for a in alternatives]
                    rules.append(
                        {
                            "hs": code.replace(".aa", ".aa"),
                            "scope": scope_text,
                            "valid_from": valid_from.isoformat() if valid_from else None,
                            "valid_to": valid_to.isoformat() if valid_to else None,
                            "text": legal,
                            "source": SOURCE,
                            "verified": True,
                            "alternatives": alts,
                        }
                    )
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
