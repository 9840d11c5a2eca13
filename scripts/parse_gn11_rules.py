#!/usr/bin/env python3
"""Structure USMCA product-specific rules (Annex 4-B, as published in HTSUS General Note 11).

Reads ``scripts/data/gn11_usmca_excerpts.txt`` (the rule texts as retrieved, one block per page with
its source URL) and rewrites ``src/allyshore/origin/rules/chNN.json`` for every chapter it holds:

* every numbered rule read in full whose every alternative the parser can express exactly becomes
  an entry with the exact text, its source, ``"verified": true`` and the structured alternatives;
* a rule the parser cannot express exactly (a product named inside a subheading, "a change to a good
  ... from any other good within that subheading", "except from more than one of the following",
  exceptions described in words, conditions other than regional value content) is left out and
  listed, never approximated;
* a rule cut off by the end of a retrieved excerpt is left out;
* entries already in the file that the parser does not produce (hand-entered or unverified rules)
  are kept unchanged; a parsed rule replaces an entry with the same code and scope.

Patterns understood (each alternative ``(A)``, ``(B)``, ...):

* ``A change to heading|subheading|tariff item X [through Y] from any other chapter|heading|
  subheading|tariff item [, including another subheading within that group] [, except from LIST]``
* ``... from any heading|subheading outside that group [, except from LIST]``  (``group``)
* ``... from LIST, whether or not there is also a change from any other heading`` (``also_from``)
* ``No [required] change in tariff classification [required] to|for a good of ... X``
* ``, provided there is [also] a regional value content of not less than: (1) T percent where the
  transaction value method is used; or (2) N percent where the net cost method is used`` or
  ``... not less than N percent under the net cost method``

Run from the project root:  python scripts/parse_gn11_rules.py [--check]
(``--check`` writes nothing and fails when a file would change.)
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scripts" / "data" / "gn11_usmca_excerpts.txt"
OUT = ROOT / "src" / "allyshore" / "origin" / "rules"
SOURCE = "HTSUS General Note 11 (USMCA product-specific rules, Annex 4-B), as reproduced at {url}"
HS_EDITION = "HS 2017 (HTSUS)"

RULE_START = re.compile(r"^(\d{1,3})[.,]\s*(.*)$")
NOTE_START = re.compile(r"^(Subheading rule|Heading rule|Chapter [Rr]ule)\b")
CHAPTER_HEAD = re.compile(r"^Chapter (\d{1,2})\s*$")
PAGE_LINE = re.compile(r"^page \d+\s+USMCA\s*$")
CODE = r"\d{4}\.\d{2}\.\d{2}|\d{4}\.\d{2}|\d{4}|\d{1,2}"
KIND = r"chapters?|headings?|subheadings?|tariff items?"
LEVELS = {"chapter": "chapter", "heading": "heading", "subheading": "subheading", "tariff item": "item"}


class Unparsed(ValueError):
    """The text holds a construction the structured form cannot express exactly."""


@dataclass
class Block:
    chapter: str
    page: int
    url: str
    truncated: bool
    lines: list[str]


@dataclass
class Segment:
    kind: str  # "rule", "note", "chapter", "fragment"
    number: int | None
    lines: list[str] = field(default_factory=list)
    complete: bool = True

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(line.strip() for line in self.lines)).strip()


def read_blocks(path: Path = DATA) -> list[Block]:
    blocks: list[Block] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("@@"):
            attrs = dict(part.split("=", 1) for part in raw[2:].split() if "=" in part)
            blocks.append(Block(attrs["chapter"], int(attrs["page"]), attrs["url"], "truncated" in raw.split(), []))
        elif raw.startswith("#") and not blocks:
            continue
        elif blocks and raw.strip():
            blocks[-1].lines.append(raw)
    return blocks


def segments(block: Block) -> list[Segment]:
    """Split a page into numbered rules, notes and chapter heads; text before the first is a fragment."""
    out: list[Segment] = [Segment("fragment", None)]
    for line in block.lines:
        s = line.strip()
        if PAGE_LINE.match(s):
            continue
        m = RULE_START.match(s)
        if m and not s.startswith("("):
            out.append(Segment("rule", int(m.group(1)), [m.group(2)]))
        elif NOTE_START.match(s):
            out.append(Segment("note", None, [s]))
        elif CHAPTER_HEAD.match(s):
            out.append(Segment("chapter", None, [s]))
        else:
            out[-1].lines.append(s)
    if block.truncated:
        out[-1].complete = False
    out[0].complete = False  # continues a rule of the previous page
    return [seg for seg in out if seg.lines]


# --------------------------------------------------------------------------- codes


def norm_code(code: str, kind: str) -> str:
    digits = code.replace(".", "")
    if kind.startswith("chapter"):
        return digits.zfill(2)
    return digits


def code_list(text: str) -> list[str]:
    """'tariff items 8466.93.15, 8466.93.30 or 8466.93.53, or subheadings 8501.32 or 8501.52' -> codes.

    Raises Unparsed when anything but kinds, codes, 'through', commas and 'or' is present.
    """
    rest = text.strip().rstrip(",;.").strip()
    out: list[str] = []
    kind = ""
    pattern = re.compile(rf"^(?:({KIND})\s+)?({CODE})(?:\s+through\s+({CODE}))?\s*(?:,\s*)?(?:or\s+)?")
    while rest:
        m = pattern.match(rest)
        if not m or not m.group(0):
            raise Unparsed(f"code list: {text!r}")
        kind = m.group(1) or kind
        if not kind:
            raise Unparsed(f"code list without a kind: {text!r}")
        low = norm_code(m.group(2), kind)
        out.append(f"{low}-{norm_code(m.group(3), kind)}" if m.group(3) else low)
        rest = rest[m.end() :].strip()
    if not out:
        raise Unparsed(f"empty code list: {text!r}")
    return out


def target_code(kind: str, low: str, high: str | None) -> str:
    """The library key: '84.63', '8402.90', '8535.90.40', or a range of them."""

    def one(code: str) -> str:
        if kind.startswith("heading"):
            digits = code.replace(".", "")
            if len(digits) != 4:
                raise Unparsed(f"heading {code}")
            return f"{digits[:2]}.{digits[2:]}"
        return code

    return one(low) + (f"-{one(high)}" if high else "")


# --------------------------------------------------------------------------- one rule


RVC_BOTH = re.compile(
    r"^provided there is (?:also )?a regional value content of not less than:? "
    r"\(1\) (\d+(?:\.\d+)?) percent where the transaction value method is used[;,] or "
    r"\(2\) (\d+(?:\.\d+)?) percent where the net cost (?:method )?is used\.?$"
)
RVC_NC = re.compile(
    r"^provided there is (?:also )?a regional value content of not less than "
    r"(\d+(?:\.\d+)?) percent under the net cost method[.;]?$"
)


def _num(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def parse_rvc(text: str) -> dict[str, int | float] | None:
    text = text.strip().rstrip(";").strip()
    if not text:
        return None
    m = RVC_BOTH.match(text)
    if m:
        return {"transaction_value": _num(m.group(1)), "net_cost": _num(m.group(2))}
    m = RVC_NC.match(text)
    if m:
        return {"net_cost": _num(m.group(1))}
    raise Unparsed(f"condition: {text!r}")


def _clean(text: str) -> str:
    """Normalise the typing slips of the reproductions for parsing (the legal text is kept as read)."""
    t = re.sub(r"\s+", " ", text).strip()
    t = re.sub(r"(^|\s)(\d)\) ", r"\1(\2) ", t)  # "2) 50 percent" -> "(2) 50 percent"
    t = re.sub(r"\(([A-H])\)(?=\S)", r"(\1) ", t)  # "(A)A change" -> "(A) A change"
    t = t.replace("ofnot", "of not").replace("thatgroup", "that group").replace("includinganother", "including another")
    return t


def split_alternatives(text: str) -> list[str]:
    """'(A) ...; or (B) ...' -> clauses; a text without letters is one clause."""
    marks = list(re.finditer(r"(?:^|\s)\(([A-H])\)\s", text))
    if not marks:
        return [text]
    letters = [m.group(1) for m in marks]
    if letters != [chr(ord("A") + i) for i in range(len(letters))] or marks[0].start() != 0:
        raise Unparsed("alternatives out of sequence")
    parts = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        parts.append(text[m.end() : end].strip())
    return [re.sub(r"(?:;\s*or|;|\.)$", "", p).strip() for p in parts]


HEAD_CHANGE = re.compile(
    rf"^A change to ({KIND}) ({CODE})(?: through ({CODE}))? from (.*)$",
)
HEAD_NONE = re.compile(
    rf"^No (?:required )?change in tariff classification (?:required )?(?:to|for) a good of "
    rf"({KIND}) ({CODE})(?: through ({CODE}))?,? ?(.*)$"
)


def parse_source(text: str) -> dict[str, Any]:
    """The tariff shift of 'from ...' (without the RVC proviso)."""
    t = text.strip().rstrip(",")
    m = re.match(
        r"^(.*?), whether or not there is also a change from any other (chapter|heading|subheading|tariff item)$", t
    )
    if m:
        return {"level": LEVELS[m.group(2)], "except_from": [], "also_from": code_list(m.group(1))}
    m = re.match(r"^any other (chapter|heading|subheading|tariff item)(.*)$", t)
    if m:
        shift: dict[str, Any] = {"level": LEVELS[m.group(1)], "except_from": []}
        rest = m.group(2).strip()
        if m.group(1) == "subheading" and rest.startswith(", including another subheading within that group"):
            rest = rest[len(", including another subheading within that group") :].strip()
        if rest.startswith(", except from "):
            shift["except_from"] = code_list(rest[len(", except from ") :])
            rest = ""
        if rest:
            raise Unparsed(f"shift: {text!r}")
        return shift
    m = re.match(r"^any (heading|subheading) outside that group(.*)$", t)
    if m:
        shift = {"level": m.group(1), "except_from": [], "group": "GROUP"}
        rest = m.group(2).strip()
        if rest.startswith(", except from "):
            shift["except_from"] = code_list(rest[len(", except from ") :])
        elif rest:
            raise Unparsed(f"shift: {text!r}")
        return shift
    raise Unparsed(f"shift: {text!r}")


def parse_rule(text: str) -> tuple[str, list[dict[str, Any]]]:
    """The library key and the structured alternatives of one rule's text; Unparsed when not exact."""
    clauses = split_alternatives(_clean(text))
    key: str | None = None
    alternatives: list[dict[str, Any]] = []
    for clause in clauses:
        clause = re.sub(r"\.$", "", clause.strip())
        m = HEAD_CHANGE.match(clause)
        none = HEAD_NONE.match(clause) if not m else None
        if not m and not none:
            raise Unparsed(f"clause: {clause[:80]!r}")
        head = m or none
        assert head is not None
        kind, low, high, rest = head.group(1), head.group(2), head.group(3), head.group(4)
        if kind.rstrip("s") == "chapter":
            raise Unparsed("a change to a chapter")
        this_key = target_code(kind, low, high)
        if key is not None and this_key != key:
            raise Unparsed(f"alternatives name different goods: {key} and {this_key}")
        key = this_key
        if none:
            shift = None
            rvc = parse_rvc(rest)
            if rvc is None:
                raise Unparsed("no change in tariff classification without a condition")
        else:
            source, _, proviso = rest.partition(", provided ")
            if not proviso and " provided " in source:
                raise Unparsed(f"proviso: {rest!r}")
            shift = parse_source(source)
            rvc = parse_rvc("provided " + proviso) if proviso else None
            if shift.get("group") == "GROUP":
                if not high:
                    raise Unparsed("'outside that group' for a single code")
                digits = 4 if kind.startswith("heading") else 6 if kind.startswith("subheading") else 8
                shift["group"] = f"{norm_code(low, kind)[:digits]}-{norm_code(high, kind)[:digits]}"
        alternatives.append({"tariff_shift": shift, "rvc": rvc})
    assert key is not None
    return key, alternatives


# --------------------------------------------------------------------------- pages -> entries


@dataclass
class Parsed:
    entries: list[dict[str, Any]]
    skipped: list[str]


def notes_by_rule(segs: list[Segment]) -> dict[int, str]:
    out: dict[int, str] = {}
    for seg in segs:
        if seg.kind != "note" or not seg.complete:
            continue
        m = re.search(r"subdivisions? (\d+)(?: through (\d+))?", seg.text)
        if m:
            for n in range(int(m.group(1)), int(m.group(2) or m.group(1)) + 1):
                out[n] = seg.text
    return out


def parse_blocks(blocks: list[Block]) -> Parsed:
    entries: list[dict[str, Any]] = []
    skipped: list[str] = []
    for block in blocks:
        segs = segments(block)
        notes = notes_by_rule(segs)
        chapter = block.chapter
        for seg in segs:
            if seg.kind == "chapter":
                chapter = CHAPTER_HEAD.match(seg.text).group(1).zfill(2)  # type: ignore[union-attr]
            if seg.kind != "rule":
                continue
            where = f"chapter {chapter} rule {seg.number} (page {block.page})"
            if not seg.complete:
                skipped.append(f"{where}: cut off by the end of the retrieved excerpt")
                continue
            try:
                key, alternatives = parse_rule(seg.text)
            except Unparsed as exc:
                skipped.append(f"{where}: not expressible exactly ({exc})")
                continue
            if not key.replace(".", "").startswith(chapter):
                skipped.append(f"{where}: code {key} outside chapter {chapter}")
                continue
            note = f"General Note 11, chapter {int(chapter)}, subdivision {seg.number}."
            if seg.number in notes:
                note += (
                    f" {notes[seg.number]} (The underscoring is not reproduced in the copy read;"
                    " for a good for use in a motor vehicle check the automotive rules as well.)"
                )
            entries.append(
                {
                    "hs": key,
                    "text": seg.text,
                    "source": SOURCE.format(url=block.url),
                    "verified": True,
                    "note": note,
                    "alternatives": alternatives,
                    "scope": "",
                }
            )
    return Parsed(entries, skipped)


def _sort_key(entry: dict[str, Any]) -> tuple[str, int, str]:
    low = entry["hs"].split("-", 1)[0].replace(".", "")
    return (low, -len(entry["hs"]), entry.get("scope", ""))


def render(parsed: Parsed, folder: Path = OUT) -> dict[Path, str]:
    """The new text of every chapter file the parsed rules touch."""
    by_chapter: dict[str, list[dict[str, Any]]] = {}
    for e in parsed.entries:
        by_chapter.setdefault(e["hs"].replace(".", "")[:2], []).append(e)
    out: dict[Path, str] = {}
    for chapter, new in sorted(by_chapter.items()):
        path = folder / f"ch{chapter}.json"
        if path.exists():
            doc = json.loads(path.read_text(encoding="utf-8"))
        else:
            doc = {"chapter": chapter, "hs_edition": HS_EDITION, "description": f"Chapter {chapter}", "rules": []}
        produced = {(e["hs"], e["scope"]) for e in new}
        kept = [r for r in doc["rules"] if (r["hs"], r.get("scope", "")) not in produced]
        doc["rules"] = sorted(kept + new, key=_sort_key)
        out[path] = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    return out


def main(argv: list[str]) -> int:
    check = "--check" in argv
    parsed = parse_blocks(read_blocks())
    files = render(parsed)
    changed = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if check:
        for p in changed:
            print(f"would change {p.relative_to(ROOT)}")
        return 1 if changed else 0
    for p in changed:
        p.write_text(files[p], encoding="utf-8")
    print(f"{len(parsed.entries)} rules structured; {len(parsed.skipped)} left out:")
    for s in parsed.skipped:
        print("  -", s)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
