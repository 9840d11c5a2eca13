#!/usr/bin/env python3
"""Structure USMCA product-specific rules (Annex 4-B, as published in HTSUS General Note 11).

Reads two data files, each a list of blocks headed by an ``@@`` line:

* ``scripts/data/gn11_usmca_excerpts.txt``: the rule texts as retrieved from reproductions of
  General Note 11, one block per page with its URL. Rules read from them are ``"verified": true``.
* ``scripts/data/gn11_usmca_secondary.txt``: rule texts as transcribed by a secondary source (a
  public repository, named with its path and commit on each block). Rules read from them keep
  ``"verified": false`` and name that source; a rule read from a page wins over the same rule here.

and rewrites ``src/allyshore/origin/rules/chNN.json`` for every chapter they hold (chapter 87 goes
to ``ch87_gn11.json``, ``ch87.json`` being derived from SOR/2020-155 s.13):

* every rule read in full whose every alternative the parser can express exactly becomes an entry
  with the exact text, its source, its validity window (dated "Beginning on ... until ..." rules)
  and the structured alternatives;
* a rule the parser cannot express exactly (a product named inside a subheading, "a change to a
  good ... from any other good within that subheading", "except from more than one of the
  following", exceptions described in words, conditions it cannot state as an attestation) is left
  out and listed, never approximated;
* a rule cut off by the end of a retrieved excerpt is left out;
* entries already in a file that the parser does not produce (hand-entered rules) are kept
  unchanged, except an unverified placeholder whose code a produced rule now covers.

Patterns understood (each alternative ``(A)``, ``(B)``, ... or ``(a)``, ``(b)``, ...):

* ``A change to heading|subheading|tariff item X [through Y] [or Z] from any other chapter|heading|
  subheading|tariff item [, including another (sub)heading within that group] [, except from LIST]``
* ``A change to any other good of ... X from ...`` (the other goods of X; a subdivision that also
  names goods of X is left out)
* ``... from any heading|subheading outside that group [, except from LIST]``  (``group``)
* ``... from LIST, whether or not there is also a change from any other heading [, including another
  heading within that group] [, except from LIST]`` or ``... from any (sub)heading outside that
  group`` (``also_from``); ``... from LIST or any other chapter`` (``also_from``)
* ``... from any other heading within chapter NN, whether or not there is also a change from any
  other chapter`` (NN the good's chapter: a change of heading) and ``... from any other subheading
  within that group or LIST, whether or not there is also a change from any other subheading``
  (a change of subheading)
* ``No [required] change in tariff classification [required] to|for a good of [any of] ... X``,
  with or without a regional value content
* ``, provided there is [also] a regional value content of not less than: (1)|(i) T percent where
  the transaction value method is used; or (2)|(ii) N percent where the net cost method is used`` or
  ``... not less than N percent under the net cost method``
* ``, provided that ... percent by weight ...`` (a content condition the engine cannot check): an
  ``other_requirements`` attestation; ``from headings LIST, provided that at least N percent by
  weight of the materials of LIST is originating`` is a change of heading with that attestation
* ``[Subheading rule: ]Beginning on DATE [until DATE|, and thereafter], the following rule(s) of
  origin shall apply to ... X: (a) ...`` (an entry valid from the first date to the day before the
  second)

Run from the project root:  python scripts/parse_gn11_rules.py [--check]
(``--check`` writes nothing and fails when a file would change.)
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "scripts" / "data" / "gn11_usmca_excerpts.txt"
SECONDARY = ROOT / "scripts" / "data" / "gn11_usmca_secondary.txt"
OUT = ROOT / "src" / "allyshore" / "origin" / "rules"
SOURCE = "HTSUS General Note 11 (USMCA product-specific rules, Annex 4-B), as reproduced at {url}"
SECONDARY_SOURCE = (
    "HTSUS General Note 11 (USMCA product-specific rules, Annex 4-B) as transcribed by the secondary source "
    "github.com/{repo}, {path} at commit {commit}; not checked against an official reproduction"
)
PLACEHOLDER = "USMCA Annex 4-B as published in HTSUS General Note 11; text NOT confirmed"
HS_EDITION = "HS 2017 (HTSUS)"
FILES = {"87": "ch87_gn11.json"}  # ch87.json is derived from SOR/2020-155 s.13 by derive_origin_rules.py
DESCRIPTIONS = {
    "39": "Chapter 39: plastics and articles thereof",
    "48": "Chapter 48: paper and paperboard (headings 48.17-48.22 only)",
    "73": "Chapter 73: articles of iron or steel",
    "74": "Chapter 74: copper and articles thereof",
    "76": "Chapter 76: aluminum and articles thereof",
    "86": "Chapter 86: railway or tramway rolling stock (headings 86.01-86.02 only)",
    "87": "Chapter 87 goods outside the vehicle and auto-part rules of SOR/2020-155 s.13 (headings 87.09-87.16), "
    "from HTSUS General Note 11",
    "94": "Chapter 94: furniture, bedding, luminaires, prefabricated buildings",
}

RULE_START = re.compile(r"^(\d{1,3})[.,]\s*(.*)$")
UNNUMBERED = re.compile(r"^- (?:\[(?:from (\d{4}-\d{2}-\d{2})|(\d{4}-\d{2}-\d{2}) to (\d{4}-\d{2}-\d{2}))\] )?(.*)$")
PHASED_START = re.compile(r"^(?:(?:Subheading|Heading) rule: )?Beginning on ")
NOTE_START = re.compile(r"^(Subheading rule|Heading rule|Chapter [Rr]ule|Note on subdivisions?)\b")
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
    page: int | None
    url: str
    truncated: bool
    lines: list[str]
    repo: str = ""
    path: str = ""
    commit: str = ""
    unnumbered: bool = False

    @property
    def secondary(self) -> bool:
        return bool(self.repo)

    @property
    def where(self) -> str:
        return f"page {self.page}" if self.page is not None else f"{self.repo} {self.path.rsplit('/', 1)[-1]}"


@dataclass
class Segment:
    kind: str  # "rule", "phased", "note", "chapter", "fragment"
    number: int | None
    lines: list[str] = field(default_factory=list)
    complete: bool = True
    valid_from: date | None = None
    valid_to: date | None = None

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(line.strip() for line in self.lines)).strip()


def read_blocks(path: Path = DATA) -> list[Block]:
    blocks: list[Block] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.startswith("@@"):
            words = raw[2:].split()
            attrs = dict(part.split("=", 1) for part in words if "=" in part)
            page = int(attrs["page"]) if "page" in attrs else None
            blocks.append(
                Block(
                    attrs["chapter"],
                    page,
                    attrs.get("url", ""),
                    "truncated" in words,
                    [],
                    attrs.get("repo", ""),
                    attrs.get("path", ""),
                    attrs.get("commit", ""),
                    "unnumbered" in words,
                )
            )
        elif raw.startswith("#") and not blocks:
            continue
        elif blocks and raw.strip():
            blocks[-1].lines.append(raw)
    return blocks


def _iso(text: str | None) -> date | None:
    return None if text is None else date.fromisoformat(text)


def segments(block: Block) -> list[Segment]:
    """Split a page into numbered rules, dated rules, notes and chapter heads; text before the first is a fragment."""
    out: list[Segment] = [Segment("fragment", None)]
    for line in block.lines:
        s = line.strip()
        if PAGE_LINE.match(s):
            continue
        m = RULE_START.match(s)
        u = UNNUMBERED.match(s) if block.unnumbered else None
        if m and not s.startswith("("):
            out.append(Segment("rule", int(m.group(1)), [m.group(2)]))
        elif u:
            out.append(Segment("rule", None, [u.group(4)], True, _iso(u.group(1) or u.group(2)), _iso(u.group(3))))
        elif PHASED_START.match(s):
            out.append(Segment("phased", None, [s]))
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

    Raises Unparsed when anything but kinds, codes, 'through', commas, 'or' and 'and' is present.
    """
    rest = text.strip().rstrip(",;.").strip()
    out: list[str] = []
    kind = ""
    pattern = re.compile(rf"^(?:({KIND})\s+)?({CODE})(?:\s+through\s+({CODE}))?\s*(?:,\s*)?(?:(?:or|and)\s+)?")
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
    r"\((?:1|i)\) (\d+(?:\.\d+)?) percent where the transaction value method is used[;,]? or "
    r"\((?:2|ii)\) (\d+(?:\.\d+)?) percent where the net cost (?:method )?is used\.?$"
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


def parse_condition(text: str) -> str:
    """'that ... percent by weight ...' -> the condition, reported as an attestation."""
    t = text.strip().rstrip(".;").strip()
    if not t.startswith("that ") or " percent by weight " not in t or "regional value content" in t:
        raise Unparsed(f"condition: {text!r}")
    return t[len("that ") :]


def _clean(text: str) -> str:
    """Normalise the typing slips of the reproductions for parsing (the legal text is kept as read)."""
    t = re.sub(r"\s+", " ", text).strip()
    t = re.sub(r"(^|\s)(\d)\) ", r"\1(\2) ", t)  # "2) 50 percent" -> "(2) 50 percent"
    t = re.sub(r"(^|\s)([a-h])\) ", r"\1(\2) ", t)  # "c) No change" -> "(c) No change"
    t = re.sub(r"\(([A-H])\)(?=\S)", r"(\1) ", t)  # "(A)A change" -> "(A) A change"
    t = t.replace("ofnot", "of not").replace("thatgroup", "that group").replace("includinganother", "including another")
    return t


def split_alternatives(text: str) -> list[str]:
    """'(A) ...; or (B) ...' (or '(a) ...; (b) ...') -> clauses; a text without letters is one clause."""
    marks = list(re.finditer(r"(?:^|\s)\(([A-Ha-h])\)\s", text))
    if not marks:
        return [text]
    letters = [m.group(1) for m in marks]
    first = "A" if letters[0].isupper() else "a"
    if letters != [chr(ord(first) + i) for i in range(len(letters))] or marks[0].start() != 0:
        raise Unparsed("alternatives out of sequence")
    parts = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(text)
        parts.append(text[m.end() : end].strip())
    return [re.sub(r"(?:[;,]\s*or|;|\.)$", "", p).strip() for p in parts]


HEAD_CHANGE = re.compile(
    rf"^A change to (any other good of )?({KIND}) ((?:{CODE})(?:(?: through |,? or | and )(?:{CODE}))*) from (.*)$",
)
HEAD_NONE = re.compile(
    rf"^No (?:required )?change in tariff classification (?:required )?(?:to|for) (a good of (?:any of )?|any other good of )"
    rf"({KIND}) ((?:{CODE})(?: through (?:{CODE}))?),? ?(.*)$"
)
WHETHER = re.compile(
    r"^(.*?), whether or not there is also a change from any other (chapter|heading|subheading|tariff item)"
    r"(, including another (?:heading|subheading) within that group)?(, except from .*)?$"
)


def parse_source(text: str, chapter: str = "") -> dict[str, Any]:
    """The tariff shift of 'from ...' (without the proviso); ``chapter`` is the good's chapter."""
    t = text.strip().rstrip(",")
    m = re.match(
        r"^any other subheading within that group or (.*), whether or not there is also a change from any other subheading$",
        t,
    )
    if m:  # materials of another subheading pass, within the group or not: a change of subheading
        return {"level": "subheading", "except_from": [], "also_from": code_list(m.group(1))}
    m = re.match(
        r"^any other heading within chapter (\d{1,2}), whether or not there is also a change from any other chapter$", t
    )
    if m:
        if m.group(1).zfill(2) != chapter:
            raise Unparsed(f"shift: {text!r}")
        return {"level": "heading", "except_from": []}
    m = re.match(r"^(.*?), whether or not there is also a change from any (heading|subheading) outside that group$", t)
    if m:
        return {"level": m.group(2), "except_from": [], "also_from": code_list(m.group(1)), "group": "GROUP"}
    m = WHETHER.match(t)
    if m:
        if m.group(3) and m.group(2) not in m.group(3):
            raise Unparsed(f"shift: {text!r}")
        shift: dict[str, Any] = {"level": LEVELS[m.group(2)], "except_from": [], "also_from": code_list(m.group(1))}
        if m.group(4):
            shift["except_from"] = code_list(m.group(4)[len(", except from ") :])
        return shift
    m = re.match(r"^(.*?) or any other (chapter|heading|subheading|tariff item)$", t)
    if m and not m.group(1).startswith("any "):
        return {"level": LEVELS[m.group(2)], "except_from": [], "also_from": code_list(m.group(1))}
    m = re.match(r"^any other (chapter|heading|subheading|tariff item)(.*)$", t)
    if m:
        shift = {"level": LEVELS[m.group(1)], "except_from": []}
        rest = m.group(2).strip()
        within = f", including another {m.group(1)} within that group"
        if m.group(1) in ("subheading", "heading") and rest.startswith(within):
            rest = rest[len(within) :].strip()
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


def _head_codes(kind: str, codes: str) -> list[tuple[str, str | None]]:
    """'8402.11 through 8402.20' -> [(low, high)]; '4016.99.30 or 4016.99.55' -> two single codes."""
    out: list[tuple[str, str | None]] = []
    for part in re.split(r",? or | and ", codes):
        low, _, high = part.partition(" through ")
        out.append((low.strip(), high.strip() or None))
    return out


def parse_rule_keys(text: str) -> tuple[list[str], list[dict[str, Any]]]:
    """The library keys (one per good the rule names) and the structured alternatives of one rule's text."""
    clauses = split_alternatives(_clean(text))
    keys: list[str] | None = None
    alternatives: list[dict[str, Any]] = []
    for clause in clauses:
        clause = re.sub(r"\.$", "", clause.strip())
        m = HEAD_CHANGE.match(clause)
        none = HEAD_NONE.match(clause) if not m else None
        if not m and not none:
            raise Unparsed(f"clause: {clause[:80]!r}")
        if m:
            kind, codes, rest = m.group(2), m.group(3), m.group(4)
        else:
            assert none is not None
            kind, codes, rest = none.group(2), none.group(3), none.group(4)
        if kind.rstrip("s") == "chapter":
            raise Unparsed("a change to a chapter")
        heads = _head_codes(kind, codes)
        these = [target_code(kind, low, high) for low, high in heads]
        if keys is not None and these != keys:
            raise Unparsed(f"alternatives name different goods: {keys} and {these}")
        keys = these
        chapter = heads[0][0].replace(".", "")[:2]
        if none:
            shift = None
            rvc = parse_rvc(rest)
            alternative: dict[str, Any] = {"tariff_shift": shift, "rvc": rvc}
        else:
            source, _, proviso = rest.partition(", provided ")
            if not proviso and " provided " in source:
                raise Unparsed(f"proviso: {rest!r}")
            requirement = parse_condition(proviso) if proviso.startswith("that ") else None
            rvc = parse_rvc("provided " + proviso) if proviso and requirement is None else None
            if requirement is not None and re.match(rf"^headings ({CODE})", source):
                code_list(source)  # 'from headings LIST, provided that ... by weight ...': a change of heading
                shift = {"level": "heading", "except_from": []}
            else:
                shift = parse_source(source, chapter)
            if shift.get("group") == "GROUP":
                low, high = heads[0]
                if len(heads) > 1 or not high:
                    raise Unparsed("'outside that group' for a single code")
                digits = 4 if kind.startswith("heading") else 6 if kind.startswith("subheading") else 8
                shift["group"] = f"{norm_code(low, kind)[:digits]}-{norm_code(high, kind)[:digits]}"
            alternative = {"tariff_shift": shift, "rvc": rvc}
            if requirement is not None:
                alternative["other_requirements"] = [requirement]
        alternatives.append(alternative)
    assert keys is not None
    return keys, alternatives


def parse_rule(text: str) -> tuple[str, list[dict[str, Any]]]:
    """The library key and the structured alternatives of one rule's text; Unparsed when not exact."""
    keys, alternatives = parse_rule_keys(text)
    if len(keys) != 1:
        raise Unparsed(f"the rule names several goods: {keys}")
    return keys[0], alternatives


PHASED = re.compile(
    rf"^(?:(?:Subheading|Heading) rule: )?Beginning on ([A-Z][a-z]+ \d{{1,2}}, \d{{4}})"
    rf"(?:,? and thereafter| until ([A-Z][a-z]+ \d{{1,2}}, \d{{4}})), the following rules? of origin shall apply to "
    rf"({KIND}) ({CODE})(?: through ({CODE}))?: (.*)$"
)


def parse_phased(text: str) -> tuple[str, date, date | None, list[dict[str, Any]]]:
    """'Beginning on July 1, 2020 until July 1, 2023, the following rule ... shall apply to heading 7313: (a) ...'."""
    m = PHASED.match(_clean(text))
    if not m:
        raise Unparsed(f"dated rule: {text[:80]!r}")
    start = datetime.strptime(m.group(1), "%B %d, %Y").date()
    end = datetime.strptime(m.group(2), "%B %d, %Y").date() - timedelta(days=1) if m.group(2) else None
    key = target_code(m.group(3), m.group(4), m.group(5))
    keys, alternatives = parse_rule_keys(m.group(6))
    if keys != [key]:
        raise Unparsed(f"dated rule for {key} names {keys}")
    return key, start, end, alternatives


# --------------------------------------------------------------------------- pages -> entries


@dataclass
class Parsed:
    entries: list[dict[str, Any]]
    skipped: list[str]


def notes_by_rule(segs: list[Segment]) -> dict[int, str]:
    """Notes naming their subdivisions ('subdivisions 84 through 85'), or 'the rule below' (the next rule)."""
    out: dict[int, str] = {}
    pending: list[str] = []
    for seg in segs:
        if seg.kind == "rule" and seg.number is not None and pending:
            out[seg.number] = " ".join([*pending, *([out[seg.number]] if seg.number in out else [])])
            pending = []
        if seg.kind != "note" or not seg.complete:
            continue
        m = re.search(r"subdivisions? (\d+)(?: (?:through|and) (\d+))?", seg.text)
        if m:
            for n in range(int(m.group(1)), int(m.group(2) or m.group(1)) + 1):
                out[n] = f"{out[n]} {seg.text}" if n in out else seg.text
        elif "the rule below" in seg.text:
            pending.append(seg.text)
    return out


def _source(block: Block) -> str:
    if block.secondary:
        return SECONDARY_SOURCE.format(repo=block.repo, path=block.path, commit=block.commit)
    return SOURCE.format(url=block.url)


def parse_blocks(blocks: list[Block]) -> Parsed:
    entries: list[dict[str, Any]] = []
    skipped: list[str] = []
    for block in blocks:
        segs = segments(block)
        notes = notes_by_rule(segs)
        chapter = block.chapter
        unnumbered = 0
        for seg in segs:
            if seg.kind == "chapter":
                chapter = CHAPTER_HEAD.match(seg.text).group(1).zfill(2)  # type: ignore[union-attr]
            if seg.kind not in ("rule", "phased"):
                continue
            if seg.kind == "phased":
                label = f"dated rule '{seg.text[:60]}...'"
            elif seg.number is None:
                unnumbered += 1
                label = f"unnumbered rule {unnumbered}"
            else:
                label = f"rule {seg.number}"
            where = f"chapter {chapter} {label} ({block.where})"
            if not seg.complete:
                skipped.append(f"{where}: cut off by the end of the retrieved excerpt")
                continue
            valid_from, valid_to = seg.valid_from, seg.valid_to
            try:
                if seg.kind == "phased":
                    key, valid_from, valid_to, alternatives = parse_phased(seg.text)
                    keys = [key]
                else:
                    keys, alternatives = parse_rule_keys(seg.text)
            except Unparsed as exc:
                skipped.append(f"{where}: not expressible exactly ({exc})")
                continue
            if any(not key.replace(".", "").startswith(chapter) for key in keys):
                skipped.append(f"{where}: code {keys} outside chapter {chapter}")
                continue
            if seg.kind == "phased":
                note = f"General Note 11, chapter {int(chapter)}, rule applying from {valid_from}" + (
                    f" to {valid_to}." if valid_to else "."
                )
            elif seg.number is None:
                note = f"General Note 11, chapter {int(chapter)} (the source does not give the subdivision number)."
            else:
                note = f"General Note 11, chapter {int(chapter)}, subdivision {seg.number}."
            if block.secondary:
                note = "Secondary source. " + note
                if valid_from is not None and seg.kind == "rule":
                    note += " The validity dates are those the source gives for this text."
            if seg.number in notes:
                note += f" {notes[seg.number]}"
                if "underscoring" in notes[seg.number]:
                    note += (
                        " (The underscoring is not reproduced in the copy read;"
                        " for a good for use in a motor vehicle check the automotive rules as well.)"
                    )
            for key in keys:
                entry: dict[str, Any] = {
                    "hs": key,
                    "text": seg.text,
                    "source": _source(block),
                    "verified": not block.secondary,
                    "note": note,
                    "alternatives": alternatives,
                    "scope": "",
                }
                if valid_from is not None:
                    entry["valid_from"] = valid_from.isoformat()
                if valid_to is not None:
                    entry["valid_to"] = valid_to.isoformat()
                entries.append(entry)
    return Parsed(entries, skipped)


def _sort_key(entry: dict[str, Any]) -> tuple[str, int, str, str]:
    low = entry["hs"].split("-", 1)[0].replace(".", "")
    return (low, -len(entry["hs"]), entry.get("scope", ""), entry.get("valid_from") or "")


def _bounds(code: str) -> tuple[str, str]:
    low, _, high = code.partition("-")
    return low.replace(".", ""), (high or low).replace(".", "")


def covers(outer: str, inner: str) -> bool:
    """Whether every code of ``inner`` ('9020.00', '40.15') falls within ``outer`` ('90.20', '40.13-40.15')."""
    (olo, ohi), (ilo, ihi) = _bounds(outer), _bounds(inner)
    width = len(olo)
    return len(ilo) >= width and olo <= ilo[:width] <= ohi and olo <= ihi[:width] <= ohi


def _ident(entry: dict[str, Any]) -> tuple[str, str]:
    return (entry["hs"], entry.get("scope", ""))


def render(parsed: Parsed, folder: Path = OUT) -> dict[Path, str]:
    """The new text of every chapter file the parsed rules touch.

    A rule read from a page replaces any entry with its code and scope; a rule from the secondary
    source replaces only unverified entries, never a rule read from a page or a hand-entered verified one;
    an unverified placeholder whose code a produced rule covers is dropped.
    """
    by_chapter: dict[str, list[dict[str, Any]]] = {}
    for e in parsed.entries:
        by_chapter.setdefault(e["hs"].replace(".", "")[:2], []).append(e)
    out: dict[Path, str] = {}
    for chapter, new in sorted(by_chapter.items()):
        path = folder / FILES.get(chapter, f"ch{chapter}.json")
        if path.exists():
            doc = json.loads(path.read_text(encoding="utf-8"))
        else:
            desc = DESCRIPTIONS.get(chapter, f"Chapter {chapter}")
            doc = {"chapter": chapter, "hs_edition": HS_EDITION, "description": desc, "rules": []}
        official = [e for e in new if e["verified"]]
        official_ids = {_ident(e) for e in official}
        official_dated = {(*_ident(e), e.get("valid_from")) for e in official}
        hand_verified = {_ident(r) for r in doc["rules"] if r.get("verified") and _ident(r) not in official_ids}
        secondary = [
            e
            for e in new
            if not e["verified"]
            and (*_ident(e), e.get("valid_from")) not in official_dated
            and _ident(e) not in hand_verified
        ]
        produced = official + secondary
        ids = {_ident(e) for e in produced}
        kept = [
            r
            for r in doc["rules"]
            if _ident(r) not in ids
            and not (
                r["source"].startswith(PLACEHOLDER)
                and any(e["scope"] == r.get("scope", "") and covers(e["hs"], r["hs"]) for e in produced)
            )
        ]
        doc["rules"] = sorted(kept + produced, key=_sort_key)
        out[path] = json.dumps(doc, indent=1, ensure_ascii=False) + "\n"
    return out


def main(argv: list[str]) -> int:
    check = "--check" in argv
    parsed = parse_blocks(read_blocks(DATA) + read_blocks(SECONDARY))
    files = render(parsed)
    changed = [p for p, text in files.items() if not p.exists() or p.read_text(encoding="utf-8") != text]
    if check:
        for p in changed:
            print(f"would change {p.relative_to(ROOT)}")
        return 1 if changed else 0
    for p in changed:
        p.write_text(files[p], encoding="utf-8")
    verified = sum(e["verified"] for e in parsed.entries)
    print(
        f"{len(parsed.entries)} rules structured ({verified} from the pages, {len(parsed.entries) - verified} from "
        f"the secondary source); {len(parsed.skipped)} left out:"
    )
    for s in parsed.skipped:
        print("  -", s)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
