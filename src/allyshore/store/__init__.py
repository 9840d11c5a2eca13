"""The project store: immutable, timestamped records in SQLite or any SQLAlchemy database.

Open it with :func:`open_store` (an app factory: nothing is connected at import
time). The default is a SQLite file, ``./allyshore.db`` in the working
directory; ``ALLYSHORE_DATABASE_URL`` or an explicit URL selects any other
database, for example ``postgresql+psycopg://user@host:5432/allyshore`` when
several users share it. The schema is created and upgraded by the Alembic
migrations shipped in :mod:`allyshore.store.migrations`, on open.

Origin determinations are kept as records that are never updated or deleted
(USMCA Art. 5.8 asks for five years of records; 19 CFR 182.15 for importers):
the ORM refuses it, and a database trigger refuses it for any other client.
Each record carries a SHA-256 ``content_hash`` of its canonical content, so a
change made behind the store's back is detected by :meth:`DeterminationRecord.verify`.

>>> store = open_store("sqlite://")
>>> record = store.save_determination(
...     inputs={"good": {"hs": "9018.90"}},
...     result={"originating": True, "criterion": "B", "explanation": ["SOR s.3(2): ..."]},
...     subject="infusion pump", hs="901890", rule_version="case rule",
... )
>>> [r.id for r in store.list_determinations()], store.get_determination(record.id).verify()
([1], True)
>>> store.close()
"""

from __future__ import annotations

from allyshore.store.records import DeterminationHistory, DeterminationRecord
from allyshore.store.store import DEFAULT_DATABASE_FILE, ENV_VAR, Store, database_url, open_store

__all__ = [
    "DEFAULT_DATABASE_FILE",
    "ENV_VAR",
    "DeterminationHistory",
    "DeterminationRecord",
    "Store",
    "database_url",
    "open_store",
]
