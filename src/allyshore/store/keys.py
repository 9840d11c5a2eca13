"""The store's key, kept outside the database, and its witness of the chain's end.

Where the key is, in this order:

1. ``key_file`` given to :func:`~allyshore.store.open_store` (``--key-file`` on the command line);
2. ``$ALLYSHORE_STORE_KEY_FILE``, a path;
3. ``$ALLYSHORE_STORE_KEY``, the key itself: 64 hexadecimal digits (no file, no witness);
4. by default, for a SQLite file ``DIR/NAME.db``, the file ``DIR/NAME.db.key`` beside it; for a
   database server, ``~/.config/allyshore/store-keys/<dialect>-<host>-<port>-<database>-<digest>.key``
   (``$XDG_CONFIG_HOME`` replaces ``~/.config``); an in-memory SQLite store has a key of its own,
   in memory.

A key file holds 32 random bytes as 64 hexadecimal digits. It is created with mode 0600 on the
first save to a store that has no keyed records (never over an existing store's records: a missing
key is then an error). Beside it, ``KEY.head`` (the *witness*) holds, per store (by its URL, a
SQLite file by its absolute path), the id and MAC of the last record this machine saved or
verified, so that records removed from the end of the chain are noticed (the chain itself cannot
show a missing last link).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import URL

from allyshore.errors import InputError

#: Environment variable naming the key file.
KEY_FILE_ENV = "ALLYSHORE_STORE_KEY_FILE"
#: Environment variable holding the key itself (64 hexadecimal digits).
KEY_ENV = "ALLYSHORE_STORE_KEY"

_HEX_KEY = re.compile(r"^[0-9a-fA-F]{64}$")
KEY_HINT = "a key is 64 hexadecimal digits, e.g. from: python -c 'import secrets; print(secrets.token_hex(32))'"


class MissingKeyError(InputError):
    """The store's key is needed (to save into, verify or certify from a keyed store) and is not there."""


@dataclass(frozen=True)
class KeySource:
    """Where a store's key is: a file (``path``), or a value given directly (``value``: env or in memory);
    ``store`` names the store in the witness file."""

    path: Path | None
    value: bytes | None
    label: str
    store: str = ""

    @property
    def witness(self) -> Path | None:
        """The witness file beside the key file (none for a key given as a value)."""
        return None if self.path is None else self.path.with_name(self.path.name + ".head")


def parse_key(text: str, where: str) -> bytes:
    """The key in ``text`` (64 hexadecimal digits, surrounding whitespace ignored)."""
    stripped = text.strip()
    if not _HEX_KEY.match(stripped):
        raise InputError(f"{where}: not a store key ({KEY_HINT})")
    return bytes.fromhex(stripped)


def _default_key_path(url: URL) -> Path | None:
    if url.get_backend_name() == "sqlite":
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return None
        return Path(database).expanduser().with_name(Path(database).name + ".key")
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    digest = hashlib.sha256(url.render_as_string(hide_password=True).encode()).hexdigest()[:10]
    parts = [url.get_backend_name(), url.host or "local", str(url.port or ""), url.database or "", digest]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", "-".join(p for p in parts if p))
    return base / "allyshore" / "store-keys" / f"{slug}.key"


def _store_name(url: URL) -> str:
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        return f"sqlite:///{Path(url.database or '').expanduser().resolve()}"
    return url.render_as_string(hide_password=True)


def key_source(url: URL, key_file: str | Path | None = None) -> KeySource:
    """Where the key of the store at ``url`` is (see the module's docstring for the order)."""
    store = _store_name(url)
    if key_file is not None:
        return KeySource(Path(key_file).expanduser(), None, str(key_file), store)
    if os.environ.get(KEY_FILE_ENV):
        named = Path(os.environ[KEY_FILE_ENV]).expanduser()
        return KeySource(named, None, f"{named} (${KEY_FILE_ENV})", store)
    if os.environ.get(KEY_ENV):
        return KeySource(None, parse_key(os.environ[KEY_ENV], f"${KEY_ENV}"), f"${KEY_ENV}", store)
    path = _default_key_path(url)
    if path is None:
        return KeySource(None, secrets.token_bytes(32), "an in-memory key", store)
    return KeySource(path, None, str(path), store)


def read_key(source: KeySource) -> bytes | None:
    """The key, or None when its file does not exist (yet)."""
    if source.value is not None:
        return source.value
    assert source.path is not None
    try:
        text = source.path.read_text(encoding="ascii", errors="replace")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"{source.path}: cannot read the store key ({exc.strerror})") from None
    return parse_key(text, str(source.path))


def create_key(source: KeySource) -> bytes:
    """Create the key file (mode 0600) unless another process just did; return the key in the file.

    The key is written to a temporary file that is then hard-linked into place, so a concurrent
    reader never sees a half-written key and two first saves never make two keys.
    """
    assert source.path is not None
    path = source.path
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=".key-", dir=path.parent)  # mkstemp: mode 0600
    try:
        with os.fdopen(handle, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32) + "\n")
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        Path(temporary).unlink(missing_ok=True)
    key = read_key(source)
    assert key is not None
    return key


def _witnessed(witness: Path) -> dict[str, dict[str, object]]:
    try:
        document = json.loads(witness.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise InputError(f"{witness}: not a store witness file ({exc}); remove it to start a new one") from None
    if not isinstance(document, dict):
        raise InputError(f"{witness}: not a store witness file; remove it to start a new one")
    return document


def read_witness(source: KeySource) -> tuple[int, str] | None:
    """The (id, record MAC) of the last record of this store that this machine saved or verified, if any."""
    witness = source.witness
    if witness is None:
        return None
    entry = _witnessed(witness).get(source.store)
    if entry is None:
        return None
    try:
        return int(entry["id"]), str(entry["record_mac"])  # type: ignore[call-overload]
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{witness}: not a store witness file ({exc}); remove it to start a new one") from None


def write_witness(source: KeySource, record_id: int, mac: str) -> None:
    """Record (id, MAC) as this store's chain end seen here, unless the witness already names a later record."""
    witness = source.witness
    if witness is None:
        return
    known = read_witness(source)
    if known is not None and known[0] >= record_id:
        return
    document = {**_witnessed(witness), source.store: {"id": record_id, "record_mac": mac}}
    handle, temporary = tempfile.mkstemp(prefix=".head-", dir=witness.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=1, sort_keys=True)
        os.replace(temporary, witness)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
