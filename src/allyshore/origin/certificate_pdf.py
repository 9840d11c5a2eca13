"""Render a USMCA certification of origin as PDF (reportlab) and JSON.

The PDF lays out the nine minimum data elements of USMCA Annex 5-A in order,
the goods with their 6-digit HS classification and origin criterion, the
certification statement, a signature line with the signatory's name and date,
and the page count the statement refers to. Each good cites the saved
determination record (id and SHA-256 content hash) that supports it, when
there is one, so the certifier's records (USMCA Art. 5.8) are traceable.
A good decided under a rule supplied by the user or marked unverified carries a
caution, in a boxed section of the PDF and in the JSON (``cautions``).
"""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from allyshore.io.atomic import atomic_write_bytes
from allyshore.origin.results import SOURCE, Certification

_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("cert-body", parent=_STYLES["BodyText"], fontSize=9, leading=11.5)
_LABEL = ParagraphStyle("cert-label", parent=_BODY, fontName="Helvetica-Bold")
_CAUTION = ParagraphStyle("cert-caution", parent=_BODY, textColor=colors.HexColor("#b00020"))
_SMALL = ParagraphStyle("cert-small", parent=_BODY, fontSize=7.5, leading=9, textColor=colors.HexColor("#444444"))
LINE_CHARS = 1000  # longer lines of user text are cut in the PDF (with a note); the JSON keeps them whole
_GRID: list[Any] = [
    ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
]


def _clip(line: str, limit: int = LINE_CHARS) -> str:
    if len(line) <= limit:
        return line
    return f"{line[:limit]}... [cut here: {len(line) - limit:,} more characters; the JSON file holds the full text]"


def _para(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    """A paragraph of the user's text: markup characters escaped, each line cut at :data:`LINE_CHARS`."""
    return Paragraph("<br/>".join(escape(_clip(line)) for line in text.split("\n")), style)


def _story(certification: Certification, pages: str) -> list[Any]:
    story: list[Any] = [
        Paragraph("USMCA / T-MEC / CUSMA Certification of Origin", _STYLES["Title"]),
        _para(f"Minimum data elements of {SOURCE}. No prescribed form (USMCA Art. 5.2(4)).", _SMALL),
        Spacer(1, 4 * mm),
    ]
    elements = Table(
        [[_para(name, _LABEL), _para(text)] for name, text in certification.elements()],
        colWidths=[52 * mm, 124 * mm],
        splitInRow=1,
    )
    elements_style: list[Any] = [*_GRID, ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f0f0f0"))]
    elements.setStyle(TableStyle(elements_style))
    story += [elements, Spacer(1, 5 * mm)]

    rows: list[list[Any]] = [[_para(h, _LABEL) for h in ("Good", "HS", "Criterion", "Determination record")]]
    for good in certification.goods:
        reference = (
            f"record {good.record_id}, SHA-256 {good.content_hash}"
            if good.record_id is not None and good.content_hash
            else "determined from a case file (not saved)"
        )
        if good.rule_source:
            reference += f"; rule: {good.rule_source}"
        rows.append(
            [
                _para(good.description),
                _para(good.hs_classification),
                _para(good.origin_criterion),
                _para(reference, _SMALL),
            ]
        )
    goods = Table(rows, colWidths=[62 * mm, 20 * mm, 18 * mm, 76 * mm], repeatRows=1, splitInRow=1)
    goods_style: list[Any] = [*_GRID, ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f0f0"))]
    goods.setStyle(TableStyle(goods_style))
    story += [Paragraph("Goods covered", _STYLES["Heading3"]), goods, Spacer(1, 5 * mm)]
    if certification.cautions:
        cautions = Table(
            [[_para(text, _CAUTION)] for text in certification.cautions], colWidths=[176 * mm], splitInRow=1
        )
        cautions.setStyle(
            TableStyle(
                [
                    ("BOX", (0, 0), (-1, -1), 1, colors.HexColor("#b00020")),
                    ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#fff4f4")),
                ]
            )
        )
        story += [Paragraph("Cautions before signing", _STYLES["Heading3"]), cautions, Spacer(1, 5 * mm)]

    signature = Table(
        [
            [_para("Signature", _LABEL), _para("")],
            [_para("Name", _LABEL), _para(certification.signatory)],
            [_para("Title", _LABEL), _para(certification.signatory_title)],
            [_para("Date", _LABEL), _para(certification.signed_on.isoformat())],
        ],
        colWidths=[30 * mm, 100 * mm],
        rowHeights=[14 * mm, None, None, None],
        hAlign="LEFT",
    )
    signature.setStyle(
        TableStyle([("LINEBELOW", (1, 0), (1, 0), 0.8, colors.black), ("VALIGN", (0, 0), (-1, -1), "BOTTOM")])
    )
    story.append(
        KeepTogether(
            [
                Paragraph("Certification", _STYLES["Heading3"]),
                _para(certification.statement),
                Spacer(1, 2 * mm),
                _para(f"This certification consists of {pages} page(s), including all attachments."),
                Spacer(1, 3 * mm),
                signature,
            ]
        )
    )
    return story


def _render(certification: Certification, pages: str) -> tuple[bytes, int]:
    buffer = BytesIO()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.drawString(18 * mm, 10 * mm, f"USMCA certification of origin, page {doc.page} of {pages}")
        canvas.restoreState()

    document = SimpleDocTemplate(
        buffer,
        pagesize=LETTER,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title="USMCA certification of origin",
        author=_clip(certification.certifier.name, 200),
        subject=_clip(", ".join(f"{g.description} (HS {g.hs_classification})" for g in certification.goods), 500),
        invariant=True,
    )
    document.build(_story(certification, pages), onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue(), int(document.page)


def certificate_pdf(certification: Certification) -> bytes:
    """The certification as PDF bytes (US Letter; identical input gives identical bytes)."""
    _, count = _render(certification, "?")  # first layout: count the pages the statement must name
    data, _ = _render(certification, str(count))
    return data


def write_certification(certification: Certification, stem: Path) -> tuple[Path, Path]:
    """Write ``STEM.pdf`` and ``STEM.json`` (each atomically) and return their paths."""
    stem = stem.with_suffix("") if stem.suffix.lower() in (".pdf", ".json") else stem
    pdf_path, json_path = stem.with_name(stem.name + ".pdf"), stem.with_name(stem.name + ".json")
    pdf = certificate_pdf(certification)
    document = json.dumps(certification.to_dict(), indent=2, ensure_ascii=False) + "\n"
    atomic_write_bytes(pdf_path, pdf)
    atomic_write_bytes(json_path, document.encode("utf-8"))
    return pdf_path, json_path
