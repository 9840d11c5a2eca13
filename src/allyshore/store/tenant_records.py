"""An organisation's origin determination records (migration 0007): the platform's door to them.

:class:`TenantRecords` is to the determination records what :class:`~allyshore.store.tenancy.TenantStore` is to
networks and runs: made with one organisation (``TenantRecords(store, org_id)``), every query it makes filters by
that organisation and every record it returns is checked again (:meth:`allyshore.store.Store.get_determination`
and :meth:`~allyshore.store.Store.list_determinations` take the organisation and refuse another's row), so an id
of another organisation is "not found", exactly as a missing one. Each saved record is written in one transaction
with its audit row. The records stay in the store's one keyed chain (the chain is the store's, not the
organisation's: :meth:`~allyshore.store.Store.verify_records` checks it whole).

The command line keeps its records in the local organisation (:data:`allyshore.store.store.LOCAL_ORG`, 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from allyshore.errors import InputError, NotFoundError
from allyshore.store.records import DeterminationHistory, DeterminationRecord
from allyshore.store.store import LOCAL_ORG, Store
from allyshore.store.tenancy import Principal, _audit

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


class TenantRecords:
    """The determination records of one organisation of the platform."""

    def __init__(self, store: Store, org_id: int) -> None:
        if int(org_id) == LOCAL_ORG:
            raise InputError("organisation 0 is the command line's local organisation, not one of the platform")
        self.store = store
        self.org_id = int(org_id)

    def records(self, *, hs: str | None = None, limit: int | None = None) -> DeterminationHistory:
        """The organisation's records, newest first (each verified against its hash, key and chain)."""
        return self.store.list_determinations(hs=hs, limit=limit, org_id=self.org_id)

    def record(self, record_id: int) -> DeterminationRecord:
        """One of the organisation's records; NotFoundError for a missing id or one of another organisation."""
        try:
            return self.store.get_determination(int(record_id), org_id=self.org_id)
        except NotFoundError:  # the store's message names the database: not for a caller of the platform
            raise NotFoundError(f"no origin record {record_id}") from None

    def determine_and_save(self, case: Mapping[str, Any], *, actor: Principal) -> DeterminationRecord:
        """Decide an origin case document and save the determination, with the case, as the organisation's
        record (audited in the same transaction)."""

        def audited(connection: Connection, record_id: int) -> None:
            _audit(connection, self.org_id, actor.email, "origin.record.create", str(record_id), kind="case")

        _, record = self.store.determine_and_save(case, org_id=self.org_id, also=audited)
        return record
