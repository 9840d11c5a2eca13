"""The results of origin: frozen values with ``to_dict`` (the JSON contracts), flat tables and HTML.

One good's determination (:class:`OriginResult`, from :func:`allyshore.origin.determine_origin`), every finished
good of a network (:class:`NetworkOrigin`, from :func:`allyshore.origin.from_network.determine_network`) and the
advisor's re-sourcing plan (:class:`QualificationPlan`, from :func:`allyshore.origin.advise.advise_qualification`),
the rules library's entries for an HS code (:class:`RuleEntries`) and the certification of origin with the nine
data elements of USMCA Annex 5-A (:class:`Certification`, from :func:`allyshore.origin.certification.certify`), with
the number formatting the explanations use (:func:`fmt`, :func:`format_money`).
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from allyshore.errors import NotFoundError
from allyshore.origin.case import Case, Rule
from allyshore.results import Result, dumps, flat_frame

if TYPE_CHECKING:
    import polars as pl

    from allyshore.origin.bom import MaterialLine
    from allyshore.origin.from_network import NetworkAnalysis


# --------------------------------------------------------------------------- one good


def fmt(value: Fraction, places: int = 1) -> str:
    """Round half-up to ``places`` decimals, as the regulations' examples report RVC (brief s.10).

    >>> fmt(Fraction(48, 88) * 100)
    '54.5'
    >>> fmt(Fraction(1, 8), 2)
    '0.13'
    """
    scale = 10**places
    num, den = value.numerator * scale, value.denominator
    n = (2 * abs(num) + den) // (2 * den)  # half-up on the magnitude
    sign = "-" if num < 0 and n else ""
    whole, frac = divmod(n, scale)
    return f"{sign}{whole}.{frac:0{places}d}" if places else f"{sign}{whole}"


def format_money(value: Fraction) -> str:
    return fmt(value, 2)


@dataclass(frozen=True, slots=True)
class RvcOutcome(Result):
    method: str  # "transaction_value" | "net_cost"
    value: Fraction  # percent, exact
    threshold: Fraction
    base: Fraction  # TV or NC
    vnm: Fraction

    @property
    def met(self) -> bool:
        return self.value >= self.threshold  # "not less than" (s.7, Schedule 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "value": float(self.value),
            "threshold": float(self.threshold),
            self.method: float(self.base),
            "vnm": float(self.vnm),
        }


@dataclass(frozen=True, slots=True)
class ShiftOutcome(Result):
    passed: bool
    failing_materials: tuple[str, ...]
    de_minimis_applied: bool
    de_minimis_share: Fraction | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "failing_materials": list(self.failing_materials),
            "de_minimis": {
                "applied": self.de_minimis_applied,
                "share": None if self.de_minimis_share is None else float(self.de_minimis_share),
            },
        }


@dataclass(frozen=True, slots=True)
class OriginResult(Result):
    """Whether a good is originating under USMCA, by which criterion and alternative, and why.

    ``explanation`` holds one sentence per step, each citing the section of SOR/2020-155
    (the Uniform Regulations) it applies. ``failed_requirements`` names the requirements
    that failed (for example ``"rvc"``, ``"tariff_shift"``, ``"lvc"``, ``"steel_aluminum"``).
    ``cautions`` holds what a reader must know before relying on the verdict: a rule supplied by
    the user (``rule_source`` ``"user"``) or marked unverified, or a self-produced material decided
    under such a rule; a certificate of origin repeats them.
    """

    originating: bool
    criterion: str | None
    alternative: int | None
    rvc: RvcOutcome | None
    tariff_shift: ShiftOutcome | None
    explanation: tuple[str, ...]
    hs: str = ""
    description: str = ""
    rule_source: str | None = None
    rule_verified: bool | None = None
    failed_requirements: tuple[str, ...] = ()
    attestations: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    rule_scope: str = ""
    rule_citation: str = ""
    cautions: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of issue 3 (``--json``), plus optional keys."""
        return {
            "originating": self.originating,
            "criterion": self.criterion,
            "alternative": self.alternative,
            "rvc": None if self.rvc is None else self.rvc.to_dict(),
            "tariff_shift": None if self.tariff_shift is None else self.tariff_shift.to_dict(),
            "explanation": list(self.explanation),
            "good": {"hs": self.hs, "description": self.description},
            "rule": {
                "source": self.rule_source,
                "verified": self.rule_verified,
                **({"scope": self.rule_scope} if self.rule_scope else {}),
                **({"citation": self.rule_citation} if self.rule_citation else {}),
            },
            "failed_requirements": list(self.failed_requirements),
            "attestations": list(self.attestations),
            "cautions": list(self.cautions),
            **({"details": self.details} if self.details else {}),
        }

    def to_frame(self) -> Any:
        import polars as pl

        return pl.DataFrame(
            {
                "hs": [self.hs],
                "originating": [self.originating],
                "criterion": [self.criterion],
                "alternative": [self.alternative],
                "rvc_method": [None if self.rvc is None else self.rvc.method],
                "rvc": [None if self.rvc is None else float(self.rvc.value)],
                "threshold": [None if self.rvc is None else float(self.rvc.threshold)],
            }
        )

    def _repr_html_(self) -> str:
        verdict = "originating" if self.originating else "not originating"
        items = "".join(f"<li>{html.escape(s)}</li>" for s in self.explanation)
        crit = f" (criterion {self.criterion})" if self.criterion else ""
        return f"<div><strong>HS {html.escape(self.hs)}: {verdict}{crit}</strong><ol>{items}</ol></div>"


def rule_to_dict(rule: Rule) -> dict[str, Any]:
    return {
        "text": rule.text,
        "source": rule.source,
        "verified": rule.verified,
        **({"scope": rule.scope} if rule.scope else {}),
        **({"citation": rule.citation} if rule.citation else {}),
        "alternatives": [
            {
                "tariff_shift": None
                if a.tariff_shift is None
                else {
                    "level": a.tariff_shift.level,
                    "except_from": list(a.tariff_shift.except_from),
                    **({"also_from": list(a.tariff_shift.also_from)} if a.tariff_shift.also_from else {}),
                    **({"group": a.tariff_shift.group} if a.tariff_shift.group else {}),
                },
                "rvc": None
                if a.rvc is None
                else {
                    k: float(v)
                    for k, v in (("transaction_value", a.rvc.transaction_value), ("net_cost", a.rvc.net_cost))
                    if v is not None
                },
                **({"other_requirements": list(a.other_requirements)} if a.other_requirements else {}),
            }
            for a in rule.alternatives
        ],
    }


@dataclass(frozen=True)
class RuleEntries(Result):
    """The product-specific rules of origin the rules library holds for an HS code, every date and scope
    (from :func:`allyshore.origin.rules.rule_entries`). Its JSON is the list of entries (the ``origin rule --json``
    contract); its tables are ``rules``, one row per entry, and ``alternatives``, one row per alternative of each."""

    hs: str
    entries: tuple[dict[str, Any], ...]

    def to_json(self, *, indent: int | None = 2) -> str:
        return dumps(list(self.entries), indent=indent)

    def frames(self) -> dict[str, pl.DataFrame]:
        rules: list[Mapping[str, Any]] = [{k: v for k, v in e.items() if k != "alternatives"} for e in self.entries]
        alternatives: list[Mapping[str, Any]] = [
            {"hs": e["hs"], "scope": e["scope"], "valid_from": e["valid_from"], "alternative": i, **alternative}
            for e in self.entries
            for i, alternative in enumerate(e["alternatives"], 1)
        ]
        return {"rules": flat_frame(rules), "alternatives": flat_frame(alternatives)}


# --------------------------------------------------------------------------- the goods of a network


def _rvc_dict(method: str | None, rvc: float | None, threshold: float | None, margin: float | None) -> Any:
    return None if rvc is None else {"method": method, "value": rvc, "threshold": threshold, "margin": margin}


@dataclass(frozen=True)
class DesignationOutcome(Result):
    """A good decided under one choice of designated intermediate materials.

    ``basis``: ``look_through`` (none designated), ``as_given`` (the ``designated_intermediate``
    column), ``designate_qualifying`` (the outermost in-house sub-assemblies that qualify on their
    own) or ``designate_all`` (every one, within the s.8(6) proviso). ``items``: those designated.
    """

    basis: str
    items: tuple[str, ...]
    status: str
    criterion: str | None
    method: str | None
    rvc: float | None
    threshold: float | None
    margin: float | None
    reason: str = ""

    @property
    def applied(self) -> str:
        return "designated" if self.items else "look_through"

    @property
    def originating(self) -> bool:
        return self.status == "originating"

    def to_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "basis": self.basis,
            "items": list(self.items),
            "status": self.status,
            "originating": self.originating,
            "criterion": self.criterion,
            "rvc": _rvc_dict(self.method, self.rvc, self.threshold, self.margin),
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Designation(Result):
    """What was applied to a good: the mode asked for, the designation chosen, and why (with the sections)."""

    mode: str  # given | none | all | auto
    basis: str
    items: tuple[str, ...]
    in_house: tuple[str, ...]  # every in-house sub-assembly (item ids) below the good
    explanation: str

    json_keys = ("mode", "applied", "basis", "items", "in_house", "explanation")

    @property
    def applied(self) -> str:
        return "designated" if self.items else "look_through"


@dataclass(frozen=True)
class GoodOrigin(Result):
    """The origin of one finished good made at one plant."""

    item_id: str
    site_id: str
    name: str
    hs: str
    country: str
    status: str  # originating | not_originating | undetermined
    criterion: str | None
    method: str | None
    rvc: float | None
    threshold: float | None
    margin: float | None  # RVC points above (+) or below (-) the threshold
    deciding_materials: tuple[str, ...]
    materials: tuple[MaterialLine, ...]
    units_per_year: float
    reason: str = ""
    result: OriginResult | None = field(default=None, repr=False, compare=False)
    case: Case | None = field(default=None, repr=False, compare=False)
    designation: Designation | None = None
    alternatives: tuple[DesignationOutcome, ...] = ()
    record_id: int | None = field(default=None, compare=False)  # the saved record of its determination, if any

    @property
    def originating(self) -> bool:
        return self.status == "originating"

    def material(self, material_id: str) -> MaterialLine:
        """The material line with this id, at any BOM level."""
        from allyshore.origin.bom import walk

        for m in walk(self.materials):
            if m.id == material_id:
                return m
        raise NotFoundError(f"no material {material_id!r} in the case of {self.item_id!r}")

    def to_dict(self) -> dict[str, Any]:
        return {
            "item_id": self.item_id,
            "site_id": self.site_id,
            "name": self.name,
            "hs": self.hs,
            "country": self.country,
            "status": self.status,
            "originating": self.originating,
            "criterion": self.criterion,
            "rvc": _rvc_dict(self.method, self.rvc, self.threshold, self.margin),
            "deciding_materials": list(self.deciding_materials),
            "materials": [m.to_dict() for m in self.materials],
            "units_per_year": self.units_per_year,
            "reason": self.reason,
            "determination": None if self.result is None else self.result.to_dict(),
            "designation": None if self.designation is None else self.designation.to_dict(),
            "alternatives": [a.to_dict() for a in self.alternatives],
            "record_id": self.record_id,
        }


@dataclass(frozen=True)
class NetworkOrigin(Result):
    """USMCA origin of every finished good of a network (:func:`determine_network`)."""

    network: str
    goods: tuple[GoodOrigin, ...]
    as_of: date | None
    assumptions: tuple[str, ...]
    analysis: NetworkAnalysis | None = field(default=None, repr=False, compare=False)
    designate: str = "given"

    def __iter__(self) -> Iterator[GoodOrigin]:
        return iter(self.goods)

    def good(self, item_id: str, site_id: str | None = None) -> GoodOrigin:
        for g in self.goods:
            if g.item_id == item_id and (site_id is None or g.site_id == site_id):
                return g
        raise NotFoundError(f"no finished good {item_id!r} in the origin results of {self.network!r}")

    @property
    def record_ids(self) -> dict[tuple[str, str], int]:
        """(item_id, site_id) -> the id of the saved record of each good's determination (saved goods only)."""
        return {(g.item_id, g.site_id): g.record_id for g in self.goods if g.record_id is not None}

    def with_records(self, record_ids: Mapping[tuple[str, str], int]) -> NetworkOrigin:
        """The same result with the saved record of each good named by (item_id, site_id)."""
        goods = tuple(replace(g, record_id=record_ids.get((g.item_id, g.site_id), g.record_id)) for g in self.goods)
        return replace(self, goods=goods)

    def to_dict(self) -> dict[str, Any]:
        counts = {s: sum(g.status == s for g in self.goods) for s in ("originating", "not_originating", "undetermined")}
        return {
            "network": self.network,
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "designate": self.designate,
            "summary": {"goods": len(self.goods), **counts},
            "goods": [g.to_dict() for g in self.goods],
            "assumptions": list(self.assumptions),
        }

    def to_frame(self) -> pl.DataFrame:
        import polars as pl

        schema = {
            "item_id": pl.String,
            "site_id": pl.String,
            "hs": pl.String,
            "status": pl.String,
            "criterion": pl.String,
            "method": pl.String,
            "rvc": pl.Float64,
            "threshold": pl.Float64,
            "margin": pl.Float64,
            "deciding_materials": pl.String,
            "units_per_year": pl.Float64,
            "designation": pl.String,
            "designated": pl.String,
        }
        rows = [
            (
                g.item_id,
                g.site_id,
                g.hs,
                g.status,
                g.criterion,
                g.method,
                g.rvc,
                g.threshold,
                g.margin,
                ", ".join(g.deciding_materials),
                g.units_per_year,
                None if g.designation is None else g.designation.applied,
                None if g.designation is None else ", ".join(g.designation.items),
            )
            for g in self.goods
        ]
        return pl.DataFrame(rows, schema=schema, orient="row")

    def frames(self) -> dict[str, pl.DataFrame]:
        """goods: one row per good (verdict, RVC, threshold, margin, deciding materials, designation, record)."""
        import polars as pl

        records = pl.Series("record_id", [g.record_id for g in self.goods], dtype=pl.Int64)
        return {"goods": self.to_frame().with_columns(records)}

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(g.item_id)}</td><td>{html.escape(g.site_id)}</td><td>{html.escape(g.hs)}</td>"
            f"<td>{html.escape(g.status.replace('_', ' '))}</td>"
            f"<td>{'' if g.rvc is None else f'{g.rvc:.1f}% / {g.threshold:g}%'}</td>"
            f"<td>{html.escape(', '.join(g.deciding_materials))}</td></tr>"
            for g in self.goods
        )
        return (
            "<table><thead><tr><th>good</th><th>plant</th><th>HS</th><th>verdict</th><th>RVC / threshold</th>"
            f"<th>deciding materials</th></tr></thead><tbody>{rows}</tbody></table>"
        )


# --------------------------------------------------------------------------- the advisor's plan


@dataclass(frozen=True)
class Resourcing(Result):
    """One change of the plan: an input item, at the plant that consumes it, moved to one candidate source.

    ``value_before``/``value_after`` are the material's value for origin (s.8(1): price + freight) per unit
    of the good; ``landed_before``/``landed_after`` its landed cost per unit of the good, whose difference is
    the added cost. ``within`` names the in-house sub-assemblies it sits in (empty: a direct input of the
    good); ``quantity`` is its units per unit of the good through the BOM.
    """

    item_id: str
    from_sources: tuple[str, ...]
    to_site: str
    to_country: str
    value_before: float  # USD per unit of the good
    value_after: float
    originating_after: bool
    at_site: str = ""
    within: tuple[str, ...] = ()
    quantity: float = 1.0
    landed_before: float | None = None
    landed_after: float | None = None

    json_keys = (
        "item_id", "from_sources", "to_site", "to_country", "value_before", "value_after", "added_cost_per_unit",
        "originating_after", "at_site", "within", "quantity", "landed_before", "landed_after",
    )  # fmt: skip

    @property
    def added_cost_per_unit(self) -> float:
        """Landed cost added per unit of the good (price + freight when no landed cost is known)."""
        if self.landed_before is not None and self.landed_after is not None:
            return self.landed_after - self.landed_before
        return self.value_after - self.value_before


@dataclass(frozen=True)
class QualificationPlan(Result):
    """The least-cost re-sourcing that qualifies a good (``qualifies`` False when none exists).

    ``added_cost_per_unit`` is the landed cost the changes add (``cost_basis`` ``"landed"``), or their price
    + freight when the landed-cost engine could not price them (``"price"``, see ``cost_notes``).
    ``duty_saved_per_unit`` is what the good's own landed cost falls at its destinations once it is
    USMCA-originating (import duties and fees avoided); None when not counted (``cost_notes`` says why).
    """

    item_id: str
    site_id: str
    qualifies: bool
    already_originating: bool
    changes: tuple[Resourcing, ...]
    added_cost_per_unit: float
    units_per_year: float
    rvc_before: float | None
    rvc_after: float | None
    method_after: str | None
    threshold_after: float | None
    criterion_after: str | None
    candidates_considered: int
    message: str
    before: GoodOrigin | None = field(default=None, repr=False, compare=False)
    after: OriginResult | None = field(default=None, repr=False, compare=False)
    cost_basis: str = "landed"
    duty_saved_per_unit: float | None = None
    cost_notes: tuple[str, ...] = ()
    designation_after: GoodOrigin | None = field(default=None, repr=False, compare=False)

    json_keys = (
        "item_id", "site_id", "qualifies", "already_originating", "changes", "added_cost_per_unit",
        "added_cost_per_year", "units_per_year", "rvc_before", "rvc_after", "method_after", "threshold_after",
        "criterion_after", "candidates_considered", "message", ("determination_after", "after"), "cost_basis",
        "duty_saved_per_unit", "duty_saved_per_year", "net_cost_per_year", "cost_notes",
        ("designation_after", "designation_applied"),
    )  # fmt: skip

    @property
    def designation_applied(self) -> Designation | None:
        """The designation of intermediate materials the good qualifies under after the plan (None: not decided)."""
        return None if self.designation_after is None else self.designation_after.designation

    @property
    def added_cost_per_year(self) -> float:
        return self.added_cost_per_unit * self.units_per_year

    @property
    def duty_saved_per_year(self) -> float | None:
        return None if self.duty_saved_per_unit is None else self.duty_saved_per_unit * self.units_per_year

    @property
    def net_cost_per_year(self) -> float | None:
        """Added landed cost of the inputs less the duty the good saves, per year (None when not counted)."""
        saved = self.duty_saved_per_year
        return None if saved is None else self.added_cost_per_year - saved

    def to_frame(self) -> pl.DataFrame:
        import polars as pl

        schema = {
            "item_id": pl.String,
            "at_site": pl.String,
            "within": pl.String,
            "from_sources": pl.String,
            "to_site": pl.String,
            "to_country": pl.String,
            "quantity": pl.Float64,
            "value_before": pl.Float64,
            "value_after": pl.Float64,
            "added_cost_per_unit": pl.Float64,
            "originating_after": pl.Boolean,
        }
        rows = [
            (
                c.item_id,
                c.at_site,
                " > ".join(c.within),
                ", ".join(c.from_sources),
                c.to_site,
                c.to_country,
                c.quantity,
                c.value_before,
                c.value_after,
                c.added_cost_per_unit,
                c.originating_after,
            )
            for c in self.changes
        ]
        return pl.DataFrame(rows, schema=schema, orient="row")

    def frames(self) -> dict[str, pl.DataFrame]:
        """summary (one row: the plan's figures, its notes joined) and changes (one row per re-sourcing)."""
        summary = {k: v for k, v in self.to_dict().items() if k not in ("changes", "determination_after")}
        return {"summary": flat_frame([summary]), "changes": self.to_frame()}

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{html.escape(c.item_id)}</td><td>{html.escape(', '.join(c.from_sources))}</td>"
            f"<td>{html.escape(c.to_site)} ({html.escape(c.to_country)})</td><td>{c.added_cost_per_unit:+.2f}</td></tr>"
            for c in self.changes
        )
        return (
            f"<div><strong>{html.escape(self.item_id)} @ {html.escape(self.site_id)}</strong>: "
            f"{html.escape(self.message)}<table><tr><th>input</th><th>from</th><th>to</th><th>USD/unit</th></tr>"
            f"{rows}</table></div>"
        )


# --------------------------------------------------------------------------- the certification of origin

#: Annex 5-A, element 9: the statement that must accompany the certifier's signature and date.
CERTIFICATION_STATEMENT = (
    "I certify that the goods described in this document qualify as originating and the information "
    "contained in this document is true and accurate. I assume responsibility for proving such "
    "representations and agree to maintain and present upon request or to make available during a "
    "verification visit, documentation necessary to support this certification."
)
SOURCE = "USMCA Article 5.2 and Annex 5-A (Minimum Data Elements)"
UNKNOWN = "Unknown"


@dataclass(frozen=True)
class Party(Result):
    """A person named on the certification (name, address with country, e-mail, telephone)."""

    name: str
    address: str
    country: str
    email: str = ""
    phone: str = ""
    title: str = ""
    tax_id: str = ""

    json_keys = ("name", "title", "address", "country", "phone", "email", "tax_id")

    def lines(self) -> tuple[str, ...]:
        from allyshore.countries import country_name

        out = [self.name + (f", {self.title}" if self.title else ""), f"{self.address}, {country_name(self.country)}"]
        contact = ", ".join(x for x in (self.phone, self.email) if x)
        if contact:
            out.append(contact)
        if self.tax_id:
            out.append(f"Tax id: {self.tax_id}")
        return tuple(out)


PartyEntry = Party | str  # a party, or one of the statements the Annex allows in its place


@dataclass(frozen=True)
class CertifiedGood(Result):
    """Annex 5-A elements 6 and 7 for one good, with the determination that supports it."""

    description: str
    hs_classification: str  # 6-digit HS, dotted: "9018.90"
    origin_criterion: str
    record_id: int | None = None
    content_hash: str | None = None
    rule_source: str | None = None
    rule_verified: bool | None = None
    cautions: tuple[str, ...] = ()


def _party_dict(entry: PartyEntry | None) -> dict[str, Any] | str | None:
    return entry.to_dict() if isinstance(entry, Party) else entry


def _party_text(entry: PartyEntry | None) -> str:
    if entry is None:
        return UNKNOWN
    return "\n".join(entry.lines()) if isinstance(entry, Party) else entry


@dataclass(frozen=True)
class Certification(Result):
    """A USMCA certification of origin holding the nine minimum data elements of Annex 5-A."""

    certifier_role: str
    certifier: Party
    exporter: PartyEntry | None
    producer: PartyEntry
    importer: PartyEntry | None
    goods: tuple[CertifiedGood, ...]
    blanket_from: date | None
    blanket_to: date | None
    signatory: str
    signatory_title: str
    signed_on: date
    invoice: str | None = None
    statement: str = CERTIFICATION_STATEMENT

    @property
    def cautions(self) -> tuple[str, ...]:
        """What the certifier must weigh before signing: goods decided under a user-supplied or unverified rule."""
        return tuple(f"{g.description} (HS {g.hs_classification}): {c}" for g in self.goods for c in g.cautions)

    def elements(self) -> list[tuple[str, str]]:
        """The nine data elements in Annex 5-A order, as (label, text) pairs."""
        goods = "\n".join(
            f"{g.description}: HS {g.hs_classification}" + (f" (invoice {self.invoice})" if self.invoice else "")
            for g in self.goods
        )
        criteria = "\n".join(f"{g.description}: {g.origin_criterion}" for g in self.goods)
        period = (
            f"{self.blanket_from.isoformat()} to {self.blanket_to.isoformat()}"
            if self.blanket_from and self.blanket_to
            else "Single shipment" + (f", invoice {self.invoice}" if self.invoice else "")
        )
        return [
            ("1. Certifier", f"This certification is made by the {self.certifier_role}."),
            ("2. Certifier details", "\n".join(self.certifier.lines())),
            ("3. Exporter", _party_text(self.exporter)),
            ("4. Producer", _party_text(self.producer)),
            ("5. Importer", _party_text(self.importer)),
            ("6. Description and HS tariff classification", goods),
            ("7. Origin criterion", criteria),
            ("8. Blanket period", period),
            (
                "9. Authorized signature and date",
                f"{self.signatory}"
                + (f", {self.signatory_title}" if self.signatory_title else "")
                + f", {self.signed_on.isoformat()}",
            ),
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "document": "USMCA certification of origin",
            "source": SOURCE,
            "certifier_role": self.certifier_role,
            "certifier": self.certifier.to_dict(),
            "exporter": _party_dict(self.exporter) or UNKNOWN,
            "producer": _party_dict(self.producer),
            "importer": _party_dict(self.importer) or UNKNOWN,
            "goods": [g.to_dict() for g in self.goods],
            "blanket_period": None
            if self.blanket_from is None or self.blanket_to is None
            else {"from": self.blanket_from.isoformat(), "to": self.blanket_to.isoformat()},
            "invoice": self.invoice,
            "signature": {
                "name": self.signatory,
                "title": self.signatory_title,
                "date": self.signed_on.isoformat(),
            },
            "statement": self.statement,
            "data_elements": [{"element": label, "value": text} for label, text in self.elements()],
            "cautions": list(self.cautions),
        }

    def to_frame(self) -> Any:
        import polars as pl

        return pl.DataFrame(
            {"element": [e for e, _ in self.elements()], "value": [v for _, v in self.elements()]},
            schema={"element": pl.String, "value": pl.String},
        )

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th>{html.escape(label)}</th><td>{html.escape(text).replace(chr(10), '<br>')}</td></tr>"
            for label, text in self.elements()
        )
        return f"<table><caption>USMCA certification of origin</caption>{rows}</table>"
