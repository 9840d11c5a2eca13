"""The keyed hash chain of determination records: each record's MAC, the link to the one before, the check.

Every record saved with a key carries

* ``content_hash``: SHA-256 of its canonical content (what a certificate cites);
* ``previous_mac``: the ``record_mac`` of the record before it (by id), or, for the first keyed record,
  the *legacy seal*, a SHA-256 over the ids and content hashes of every record saved before keys
  (:func:`legacy_seal`; over nothing in a store that started keyed);
* ``record_mac``: HMAC-SHA256, under the store's key, of the record's id, content hash and
  ``previous_mac`` (:func:`record_mac`);
* ``key_id``: a fingerprint of the key (:func:`key_id`), so that a wrong key is named as such.

Changing a record's content breaks its content hash; re-hashing it breaks its MAC, which cannot be
recomputed without the key; removing, inserting or reordering records breaks the next record's link.
Removing records from the end leaves no broken link: the store's witness file catches it
(:mod:`allyshore.store.keys`). The functions here are pure: the store feeds them rows.

>>> key = bytes(32)
>>> first = record_mac(key, record_id=1, content_hash="ab" * 32, previous=legacy_seal(()))
>>> checks = check_links([Link(1, "ab" * 32, legacy_seal(()), first, key_id(key))], key)
>>> checks[1].status, checks[1].verified
('verified', True)
>>> checks = check_links([Link(1, "ab" * 32, legacy_seal(()), "00" * 32, key_id(key))], key)
>>> checks[1].status, checks[1].verified
('tampered', False)
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

#: Version of the MAC message layout, part of every MAC.
CHAIN_VERSION = 2

#: Record states and what ``verified`` says about each (``None``: cannot be known).
STATUSES: Mapping[str, bool | None] = {
    "verified": True,  # keyed: content hash, MAC and link all hold
    "legacy-sealed": True,  # saved before keys; its content hash holds and the first keyed record seals it
    "legacy-unkeyed": None,  # saved before keys and not (or no longer) sealed: anyone could have re-hashed it
    "no-key": None,  # keyed, but no key was given to check the MAC (the link was checked)
    "tampered": False,  # content does not match its hash, or the MAC does not match (re-hashed without the key)
    "chain-broken": False,  # does not follow the record before it: records were removed, inserted or reordered
}


class Link(NamedTuple):
    """The columns of one record that the chain covers."""

    id: int
    content_hash: str
    previous_mac: str | None
    record_mac: str | None
    key_id: str | None


@dataclass(frozen=True)
class RecordCheck:
    """The verification of one record: a status of :data:`STATUSES` and the reason, in words."""

    id: int
    status: str
    reason: str

    @property
    def verified(self) -> bool | None:
        """True when the record holds, False when it was tampered with, None when it cannot be known."""
        return STATUSES[self.status]


def _json(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode("utf-8")


def key_id(key: bytes) -> str:
    """A 16-hex-digit fingerprint of a key; it reveals nothing of the key (an HMAC of a fixed text)."""
    return hmac.new(key, b"allyshore store key id", hashlib.sha256).hexdigest()[:16]


def record_mac(key: bytes, *, record_id: int, content_hash: str, previous: str) -> str:
    """HMAC-SHA256 under ``key`` of the record's id, content hash and the previous record's MAC."""
    message = {"v": CHAIN_VERSION, "id": record_id, "content_hash": content_hash, "previous": previous}
    return hmac.new(key, _json(message), hashlib.sha256).hexdigest()


def legacy_seal(legacy: Iterable[tuple[int, str]]) -> str:
    """SHA-256 over the (id, content hash) of the records saved before keys, in id order: the first keyed
    record's ``previous_mac``. Over no records it is the chain's fixed start."""
    return hashlib.sha256(_json({"legacy": [[int(i), str(h)] for i, h in legacy]})).hexdigest()


def check_links(
    links: Sequence[Link], key: bytes | None, content_ok: Mapping[int, bool] | None = None
) -> dict[int, RecordCheck]:
    """Check every record's MAC and link, in id order; ``content_ok`` adds whether each record's content still
    matches its ``content_hash`` (records not in it are taken as matching). Returns the check of each id."""
    checks: dict[int, RecordCheck] = {}
    legacy: list[Link] = []
    last_keyed: Link | None = None
    content_ok = content_ok or {}
    for link in sorted(links, key=lambda r: r.id):
        if not content_ok.get(link.id, True):
            checks[link.id] = RecordCheck(link.id, "tampered", "its content does not match its content hash")
        if link.record_mac is None:
            if last_keyed is not None:
                checks.setdefault(
                    link.id,
                    RecordCheck(
                        link.id,
                        "tampered",
                        f"an unkeyed record after keyed record {last_keyed.id}: it was inserted behind the store",
                    ),
                )
            else:
                legacy.append(link)
            continue
        first_keyed = last_keyed is None
        expected = legacy_seal((r.id, r.content_hash) for r in legacy) if last_keyed is None else last_keyed.record_mac
        if link.previous_mac != expected:
            if first_keyed:
                reason = (
                    f"the records saved before keys that it seals ({len(legacy)}) were changed, removed or added"
                    if legacy
                    else "it starts the chain but does not follow its start: records before it were removed"
                )
            else:
                reason = f"it does not follow record {last_keyed.id if last_keyed else '?'}: records between them were removed or reordered"
            checks.setdefault(link.id, RecordCheck(link.id, "chain-broken", reason))
        elif key is None:
            checks.setdefault(link.id, RecordCheck(link.id, "no-key", "keyed, but no key was given to check its MAC"))
        elif link.key_id != key_id(key):
            checks.setdefault(
                link.id, RecordCheck(link.id, "tampered", f"keyed with another key (key id {link.key_id})")
            )
        elif not hmac.compare_digest(
            record_mac(key, record_id=link.id, content_hash=link.content_hash, previous=link.previous_mac or ""),
            link.record_mac,
        ):
            checks.setdefault(
                link.id,
                RecordCheck(link.id, "tampered", "its MAC does not match: changed, or re-hashed without the key"),
            )
        else:
            checks.setdefault(link.id, RecordCheck(link.id, "verified", "content hash, MAC and link hold"))
        if first_keyed:
            sealed = checks[link.id].status == "verified"
            for old in legacy:
                checks.setdefault(
                    old.id,
                    RecordCheck(old.id, "legacy-sealed", f"saved before keys; sealed by keyed record {link.id}")
                    if sealed
                    else RecordCheck(
                        old.id, "legacy-unkeyed", f"saved before keys; the seal of keyed record {link.id} does not hold"
                    ),
                )
        last_keyed = link
    if last_keyed is None:
        for old in legacy:
            checks.setdefault(
                old.id,
                RecordCheck(old.id, "legacy-unkeyed", "saved before keys and not yet sealed by a keyed record"),
            )
    return checks


def first_broken(checks: Mapping[int, RecordCheck]) -> RecordCheck | None:
    """The check of the lowest id whose record failed (``verified`` False), if any."""
    failed = [c for c in checks.values() if c.verified is False]
    return min(failed, key=lambda c: c.id) if failed else None
