"""The USMCA certification of origin: the nine minimum data elements of USMCA Annex 5-A.

USMCA prescribes no form (Art. 5.2(4)): a certification is valid on any document
that carries the minimum data elements of Annex 5-A. :func:`certify` builds
them from one or more origin determinations (an
:class:`~allyshore.origin.results.OriginResult`, its ``to_dict()`` form, or a
saved record's ``result``) and the parties named by the certifier; it refuses
what the Annex does not allow (a good that is not originating, a blanket period
of more than 12 months, a certifier without contact details, a party outside
the territories of the Parties). Rendering to PDF and JSON is done by
:mod:`allyshore.origin.certificate_pdf`.

>>> cert = certify(
...     [{"originating": True, "criterion": "B", "good": {"hs": "9018.90.60", "description": "Infusion pump"}}],
...     {"certifier_role": "producer",
...      "certifier": {"name": "Bombas del Norte SA de CV", "title": "Trade compliance manager",
...                    "address": "Av. Industrial 100, Apodaca, NL", "country": "MX",
...                    "phone": "+52 81 5555 0100", "email": "origen@example.mx"},
...      "exporter": "same as certifier", "importer": None,
...      "signature": {"name": "Ana Ruiz", "date": "2026-11-23"}},
...     blanket_from="2027-01-01", blanket_to="2027-12-31")
>>> [e["element"] for e in cert.to_dict()["data_elements"]][:3]
['1. Certifier', '2. Certifier details', '3. Exporter']
>>> cert.goods[0].hs_classification, cert.goods[0].origin_criterion
('9018.90', 'B')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Literal

import pydantic
from pydantic import BaseModel, ConfigDict, Field

from allyshore.countries import USMCA_PARTIES, resolve_country
from allyshore.errors import InputError, Problem, ValidationError
from allyshore.origin.results import Certification, CertifiedGood, Party, PartyEntry

ROLES = ("importer", "exporter", "producer")
VARIOUS = "Various"
ON_REQUEST = "Available upon request by the importing authorities"
SAME = "Same as certifier"
CRITERIA = frozenset("ABCDE")


# --------------------------------------------------------------------------- edge models (the parties file)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PartyIn(_Model):
    name: str = Field(min_length=1)
    address: str = Field(min_length=1, description="Street address, city and state or province.")
    country: str = Field(min_length=2, description="Country: ISO alpha-2, alpha-3 or English name.")
    email: str = ""
    phone: str = ""
    title: str = Field("", description="Job title (required for the certifier, Annex 5-A element 2).")
    tax_id: str = Field("", description="Tax or importer/exporter number, optional.")


class SignatureIn(_Model):
    name: str = Field(min_length=1, description="Name of the person signing for the certifier.")
    date: date
    title: str = ""


class PartiesIn(_Model):
    certifier_role: Literal["importer", "exporter", "producer"]
    certifier: PartyIn
    exporter: PartyIn | Literal["same as certifier", "unknown"] | None = None
    producer: PartyIn | Literal["same as certifier", "various", "available upon request"] | None = None
    importer: PartyIn | Literal["same as certifier", "unknown"] | None = None
    signature: SignatureIn
    invoice: str | None = Field(None, description="Invoice number, for a certification of a single shipment.")


# --------------------------------------------------------------------------- building


def _add_months(day: date, months: int) -> date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    import calendar

    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _date(value: date | str | None, what: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InputError(f"{what}: {value!r} is not a date (use YYYY-MM-DD)") from None


def _party(model: PartyIn, column: str, problems: list[Problem], *, in_region: bool, certifier: bool = False) -> Party:
    country = resolve_country(model.country)
    if country is None:
        problems.append(Problem("parties", f"unknown country {model.country!r}", column=f"{column}.country"))
        country = model.country
    elif in_region and country not in USMCA_PARTIES:
        problems.append(
            Problem(
                "parties",
                f"the address must be in the territory of a Party (US, MX, CA), not {country}",
                column=f"{column}.country",
                hint="Annex 5-A: the exporter's address is the place of export, the producer's the place of "
                "production, the importer's in a Party's territory",
            )
        )
    if certifier:
        for name in ("title", "phone", "email"):
            if not getattr(model, name):
                problems.append(
                    Problem(
                        "parties",
                        f"the certifier's {name} is required (Annex 5-A element 2)",
                        column=f"{column}.{name}",
                    )
                )
    return Party(model.name, model.address, country, model.email, model.phone, model.title, model.tax_id)


def _unverified(record: Any) -> str | None:
    """Why a saved record may not be certified (it failed, or cannot pass, the store's verification), or None."""
    verified = getattr(record, "verified", None)
    if verified is True:
        return None
    status = getattr(record, "verification", "unchecked")
    check = getattr(record, "check", None)
    reason = check.reason if check is not None else "its content does not match its content hash"
    if verified is False:
        return (
            f"saved record {record.id} failed verification ({status}: {reason}): it was changed behind the store "
            "and cannot be certified; `allyshore origin verify` lists every broken record"
        )
    if status == "legacy-unkeyed":
        return (
            f"saved record {record.id} was saved before records were keyed and no keyed record seals it yet: "
            "save a new determination (the first keyed record seals the earlier ones) or certify from the case "
            "file (--case CASE.json --save)"
        )
    return f"saved record {record.id} cannot be verified ({status}: {reason}): give the store's key (--key-file)"


def _good(result: Any, index: int, problems: list[Problem]) -> CertifiedGood | None:
    record_id = content = None
    if hasattr(result, "content_hash") and hasattr(result, "result"):  # a saved DeterminationRecord
        record_id, content = result.id, result.content_hash
        refusal = _unverified(result)
        if refusal is not None:
            problems.append(Problem("determination", refusal, column=f"determinations[{index}]"))
            return None
        data: Mapping[str, Any] = result.result
    elif hasattr(result, "to_dict"):
        data = result.to_dict()
    else:
        data = result
    where = f"determinations[{index}]"
    if not data.get("originating"):
        problems.append(
            Problem(
                "determination",
                "the good is not originating: a certification of origin may only be made for originating goods",
                column=where,
            )
        )
        return None
    criterion = data.get("criterion")
    if criterion not in CRITERIA:
        problems.append(Problem("determination", f"no origin criterion A-E (got {criterion!r})", column=where))
        return None
    good = data.get("good") or {}
    digits = "".join(ch for ch in str(good.get("hs") or "") if ch.isdigit())
    if len(digits) < 6:
        problems.append(Problem("determination", "the good's HS classification needs 6 digits", column=where))
        return None
    rule = data.get("rule") or {}
    source = rule.get("source") if isinstance(rule, Mapping) else None
    verified = rule.get("verified") if isinstance(rule, Mapping) else None
    return CertifiedGood(
        description=str(good.get("description") or f"HS {digits[:4]}.{digits[4:6]}"),
        hs_classification=f"{digits[:4]}.{digits[4:6]}",
        origin_criterion=str(criterion),
        record_id=record_id,
        content_hash=content,
        rule_source=source,
        rule_verified=verified if isinstance(verified, bool) else None,
        cautions=_cautions(data, str(criterion), source, verified),
    )


def _cautions(data: Mapping[str, Any], criterion: str, source: Any, verified: Any) -> tuple[str, ...]:
    """The determination's cautions; for one saved before results carried them, from its rule's marks."""
    given = data.get("cautions")
    if isinstance(given, list | tuple):
        return tuple(str(c) for c in given)
    if criterion not in ("B", "D"):  # criteria A, C and E do not rest on the product-specific rule
        return ()
    if source in ("user", "case"):
        return (
            "Caution: the determination rests on a rule of origin supplied by the user, not taken from the rules "
            "library, and unverified; confirm it against HTSUS General Note 11 / USMCA Annex 4-B before signing.",
        )
    if verified is False:
        return (
            "Caution: the determination rests on a rule marked unverified in the rules library; confirm it against "
            "HTSUS General Note 11 / USMCA Annex 4-B before signing.",
        )
    return ()


def parse_parties(data: Mapping[str, Any], source: str | None = None) -> PartiesIn:
    """Validate a parties document; every problem is reported with its path."""
    try:
        return PartiesIn.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = [
            Problem("parties", err["msg"], column=".".join(str(p) for p in err["loc"]) or "(document)", source=source)
            for err in exc.errors(include_url=False)
        ]
        raise ValidationError(problems, what="certification parties") from None


def certify(
    determinations: Sequence[Any],
    parties: PartiesIn | Mapping[str, Any],
    *,
    blanket_from: date | str | None = None,
    blanket_to: date | str | None = None,
    source: str | None = None,
) -> Certification:
    """Build the USMCA certification of origin (USMCA Art. 5.2, Annex 5-A) for originating goods.

    Parameters
    ----------
    determinations
        One per good: an ``OriginResult``, its ``to_dict()``, or a saved ``DeterminationRecord``.
    parties
        The certifier's role and details, the exporter, producer and importer, and the signatory
        (see :class:`PartiesIn`; the CLI reads it from a JSON file).
    blanket_from, blanket_to
        Annex 5-A element 8: the period, of at most 12 months, covered by a blanket certification
        of identical goods. Leave both out for a single shipment.

    Raises
    ------
    ValidationError
        A good is not originating, a required detail is missing, a party is outside the region,
        or the blanket period is longer than 12 months.
    """
    model = parties if isinstance(parties, PartiesIn) else parse_parties(parties, source)
    problems: list[Problem] = []
    if not determinations:
        problems.append(Problem("determination", "a certification needs at least one determination"))
    goods = [g for i, d in enumerate(determinations) if (g := _good(d, i, problems)) is not None]
    role = model.certifier_role
    certifier = _party(model.certifier, "certifier", problems, in_region=role != "importer", certifier=True)
    if role == "importer" and certifier.country not in USMCA_PARTIES:
        problems.append(Problem("parties", "an importer certifier must be in a Party's territory", column="certifier"))

    def entry(value: Any, column: str) -> PartyEntry | None:
        if value is None and column == role:  # the certifier's own role needs no repeating
            return certifier
        if isinstance(value, PartyIn):
            return _party(value, column, problems, in_region=True)
        if value == "same as certifier":
            return certifier
        if value == "various":
            return VARIOUS
        if value == "available upon request":
            return ON_REQUEST
        return None  # unknown / null

    exporter = entry(model.exporter, "exporter")
    if exporter is None and role != "producer":
        problems.append(
            Problem(
                "parties",
                "the exporter's details are required unless the producer certifies without knowing the exporter "
                "(Annex 5-A element 3)",
                column="exporter",
            )
        )
    producer = entry(model.producer, "producer")
    if producer is None:
        problems.append(
            Problem(
                "parties",
                "name the producer, or state 'various' or 'available upon request' (Annex 5-A element 4)",
                column="producer",
            )
        )
    importer = entry(model.importer, "importer")

    start, end = _date(blanket_from, "blanket period start"), _date(blanket_to, "blanket period end")
    if (start is None) != (end is None):
        problems.append(Problem("certification", "a blanket period needs both its start and its end date"))
    elif start is not None and end is not None:
        if end < start:
            problems.append(Problem("certification", "the blanket period ends before it starts"))
        elif end >= _add_months(start, 12):
            problems.append(
                Problem(
                    "certification",
                    f"a blanket period covers at most 12 months (Annex 5-A element 8; USMCA Art. 5.2(4)(b)); "
                    f"{start.isoformat()} to {end.isoformat()} is longer",
                    hint=f"end on or before {(_add_months(start, 12) - (date(2000, 1, 2) - date(2000, 1, 1))).isoformat()}",
                )
            )
    if problems:
        raise ValidationError(
            [Problem(p.table, p.message, p.row, p.column, p.hint, p.source or source) for p in problems],
            what="certification of origin",
        )
    return Certification(
        certifier_role=role,
        certifier=certifier,
        exporter=exporter,
        producer=producer or VARIOUS,
        importer=importer,
        goods=tuple(goods),
        blanket_from=start,
        blanket_to=end,
        signatory=model.signature.name,
        signatory_title=model.signature.title or model.certifier.title,
        signed_on=model.signature.date,
        invoice=model.invoice,
    )
