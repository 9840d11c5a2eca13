"""Issuing a USMCA certification of origin from saved determinations and case files.

A workflow over two parts: the store keeps origin's determinations (so ``store`` imports ``origin``), and a
certification reads them back, verified, to certify them with :func:`allyshore.origin.certification.certify`
and render them with :mod:`allyshore.origin.certificate_pdf`. It lives above both, so origin never imports the
store.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from allyshore.errors import InputError, Problem, ValidationError
from allyshore.io.text import read_text_file
from allyshore.origin import determine_origin
from allyshore.origin.certificate_pdf import certificate_pdf, write_certification
from allyshore.origin.certification import PartiesIn, certify
from allyshore.origin.results import Certification
from allyshore.store import Store, open_store
from allyshore.store.store import LOCAL_ORG


def issue_certification(
    *,
    parties: Path,
    record_ids: Sequence[int] = (),
    cases: Sequence[Path] = (),
    blanket_from: date | str | None = None,
    blanket_to: date | str | None = None,
    out: Path = Path("certification-of-origin"),
    save: bool = False,
    database_url: str | None = None,
    key_file: str | Path | None = None,
) -> tuple[Certification, tuple[Path, Path]]:
    """Certify saved records and/or case files and write ``OUT.pdf`` and ``OUT.json``.

    Records are read from the store, after checking its whole chain (every record's MAC and link,
    and the witness of its end) and each certified record's content: a store that fails is refused
    (run ``allyshore origin verify`` to see every broken record). Case files are determined now (and
    saved when ``save``). Nothing is written unless the certification is valid.
    """
    if not record_ids and not cases:
        raise InputError("give at least one saved determination (--record ID) or case file (--case CASE.json)")
    parties_document = parties_json(read_text_file(parties, "parties"), str(parties))
    determinations: list[Any] = []
    if record_ids or save:
        with open_store(database_url, key_file=key_file) as store:
            determinations += verified_records(store, record_ids)
            for path in cases:
                determinations.append(store.determine_and_save(path)[1] if save else determine_origin(path))
    else:
        determinations += [determine_origin(path) for path in cases]
    certification = certify(
        determinations, parties_document, blanket_from=blanket_from, blanket_to=blanket_to, source=str(parties)
    )
    return certification, write_certification(certification, out)


def parties_json(text: str, source: str) -> Any:
    """The parties document of a certification from its JSON text (``source`` names it in the problem)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            [Problem("parties", f"not valid JSON: {exc.msg}", row=exc.lineno, source=source)],
            what="certification parties",
        ) from None


def verified_records(store: Store, record_ids: Sequence[int], *, org_id: int = LOCAL_ORG) -> list[Any]:
    """The saved records ``record_ids`` of organisation ``org_id``, after checking the store's whole chain (every
    record's MAC and link, and the witness of its end); a store that fails is refused."""
    if not record_ids:
        return []
    chain = store.verify_records(content=False)
    if not chain.ok:
        raise InputError(
            f"cannot certify from the store at {store.url}: {chain.message()}; "
            "`allyshore origin verify` lists every broken record"
        )
    return [store.get_determination(i, org_id=org_id) for i in record_ids]


def certify_saved(
    store: Store,
    record_ids: Sequence[int],
    parties: PartiesIn | Mapping[str, Any],
    *,
    org_id: int,
    blanket_from: date | str | None = None,
    blanket_to: date | str | None = None,
) -> tuple[Certification, bytes]:
    """The certification of saved records of organisation ``org_id`` (verified first) and its PDF, written
    nowhere (the web serves it)."""
    certification = certify(
        verified_records(store, record_ids, org_id=org_id),
        parties,
        blanket_from=blanket_from,
        blanket_to=blanket_to,
        source="parties",
    )
    return certification, certificate_pdf(certification)


__all__ = ["certify_saved", "issue_certification", "parties_json", "verified_records"]
