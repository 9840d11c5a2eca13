"""The project store: immutable, timestamped records in SQLite or any SQLAlchemy database.

Open it with :func:`open_store` (an app factory: nothing is connected at import
time). The default is a SQLite file, ``./allyshore.db`` in the working
directory; ``ALLYSHORE_DATABASE_URL`` or an explicit URL selects any other
database, for example ``postgresql+psycopg://user@host:5432/allyshore`` when
several users share it. The schema is created and upgraded by the Alembic
migrations shipped in :mod:`allyshore.store.migrations`, on open.

Origin determinations are kept as records that are never updated, replaced,
truncated or deleted (USMCA Art. 5.8 asks for five years of records; 19 CFR
182.15 for importers): the ORM refuses it, and database triggers refuse it for
any other client. Each record carries a SHA-256 ``content_hash`` of its canonical
content and is chained to the record before it by an HMAC under the store's key,
kept outside the database (:mod:`allyshore.store.chain`, :mod:`allyshore.store.keys`),
so a change made behind the store's back, even by someone who re-hashes it, is
detected by :meth:`Store.verify_records` and shown as ``verified`` on every
record read. What is and is not protected: docs/security.md.

>>> store = open_store("sqlite://")
>>> record = store.save_determination(
...     inputs={"good": {"hs": "9018.90"}},
...     result={"originating": True, "criterion": "B", "explanation": ["SOR s.3(2): ..."]},
...     subject="infusion pump", hs="901890", rule_version="case rule",
... )
>>> [r.id for r in store.list_determinations()], store.get_determination(record.id).verified
([1], True)
>>> store.verify_records().message()
'1 record(s) verified'
>>> store.close()
"""

from __future__ import annotations

from allyshore.store.keys import KEY_ENV, KEY_FILE_ENV, MissingKeyError
from allyshore.store.records import DeterminationHistory, DeterminationRecord, StoreVerification
from allyshore.store.store import DEFAULT_DATABASE_FILE, ENV_VAR, Store, database_url, open_store

__all__ = [
    "DEFAULT_DATABASE_FILE",
    "ENV_VAR",
    "KEY_ENV",
    "KEY_FILE_ENV",
    "DeterminationHistory",
    "DeterminationRecord",
    "MissingKeyError",
    "Store",
    "StoreVerification",
    "database_url",
    "open_store",
]
