"""The result of resolving a supplier list against DENUE: thresholds, one decision per supplier, a summary,
and (for a labelled list) precision and recall."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from allyshore.errors import Problem
from allyshore.results import NOT_IN_JSON, Result, jsonable, record


@dataclass(frozen=True)
class Thresholds:
    """The decision rule: ``score >= accept`` matched (unless ambiguous), ``review <= score < accept`` to review,
    below ``review`` unmatched. A match is ambiguous when another establishment of the same block scores within
    ``ambiguity_margin`` of the best one and at or above ``accept``."""

    accept: float
    review: float
    ambiguity_margin: float
    scorer: str
    fields: tuple[str, ...]
    h3_resolution: int
    h3_ring: int
    scian_digits: int


@dataclass(frozen=True)
class SupplierMatch:
    """The decision for one supplier row."""

    row: int
    supplier_id: str | None
    name: str
    municipality: str | None
    status: str  # matched | review | unmatched
    establishment_id: str | None
    matched_name: str | None
    matched_legal_name: str | None
    matched_municipality: str | None
    score: float | None
    method: str | None  # exact | fuzzy
    field: str | None  # name | legal_name: which DENUE field scored
    block: str | None
    runner_up_score: float | None
    address_score: float | None  # set when the address settled a tie between establishments of one name
    reason: str


@dataclass(frozen=True)
class Evaluation:
    """Precision and recall of the decisions against the list's ``expected_establishment_id``.

    ``precision`` = correct matches / matches; ``recall`` = correct matches / suppliers that have a true
    establishment; ``recall_with_review`` also counts a correct candidate sent to review."""

    labelled: int
    positives: int
    negatives: int
    matched_correct: int
    matched_wrong: int
    review_correct: int
    review_wrong: int
    precision: float | None
    recall: float | None
    recall_with_review: float | None
    false_match_rate_on_negatives: float | None


@dataclass(frozen=True)
class ResolveResult(Result):
    """Every supplier's decision (``suppliers``, in file order), the thresholds used and a summary."""

    thresholds: Thresholds
    suppliers: tuple[SupplierMatch, ...]
    edition: str | None
    establishments_searched: int
    evaluation: Evaluation | None = None
    warnings: tuple[Problem, ...] = field(default=(), metadata=NOT_IN_JSON)

    def count(self, status: str) -> int:
        return sum(1 for s in self.suppliers if s.status == status)

    @property
    def summary(self) -> dict[str, Any]:
        by_method = {
            m: sum(1 for s in self.suppliers if s.status == "matched" and s.method == m) for m in ("exact", "fuzzy")
        }
        return {
            "suppliers": len(self.suppliers),
            "matched": self.count("matched"),
            "review": self.count("review"),
            "unmatched": self.count("unmatched"),
            "matched_exact": by_method["exact"],
            "matched_fuzzy": by_method["fuzzy"],
            "edition": self.edition,
            "establishments_searched": self.establishments_searched,
        }

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "thresholds": record(self.thresholds),
            "suppliers": [record(s) for s in self.suppliers],
            "summary": self.summary,
        }
        if self.evaluation is not None:
            out["evaluation"] = record(self.evaluation)
        if self.warnings:
            out["warnings"] = [jsonable(p) for p in self.warnings]
        return out
