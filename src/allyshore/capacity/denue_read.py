"""Read INEGI's DENUE files as published: the bulk ZIP, the CSV inside it, or the DENUE API's JSON.

A file is read in batches (never whole): :func:`open_source` hashes it and detects its text encoding in one
streaming pass, then :func:`iter_batches` yields polars frames of text columns named by DENUE's bulk-CSV
mnemonics (``id``, ``clee``, ``codigo_act``, ``per_ocu`` ...), whatever the edition called them.

Formats (docs/capacity.md, "Data: DENUE"):

* the bulk ZIP (``denue_00_31-33_csv.zip``, ``denue_19_csv.zip`` ...): the data is the member
  ``conjunto_de_datos/denue_inegi_*.csv``; the archive also holds the data dictionary and metadata, which
  are not data;
* that CSV on its own, Windows-1252 (INEGI's files) or UTF-8 (detected over the whole file and reported);
* the JSON list the DENUE API returns (``Id``, ``CLEE``, ``Nombre``, ``Razon_social``, ``Clase_actividad``,
  ``Estrato``, ``Latitud``, ``Longitud`` ...). API pages are small; they are read whole.

Headers are matched after folding case, accents and spaces, so ``PER_OCU``, ``per_ocu`` and the
descriptive Spanish labels of the 2010-2015 editions (``Descripcion estrato personal ocupado``,
``Código de la clase de actividad SCIAN`` ...) all give ``per_ocu`` / ``codigo_act``. Contact fields
(``telefono``, ``correoelec``, ``www`` and their API names) are never read.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv

from allyshore.errors import InputError

__all__ = [
    "CONTACT_FIELDS",
    "MNEMONICS",
    "DenueSource",
    "fold",
    "iter_batches",
    "open_source",
]

#: The DENUE mnemonics the import reads (2016+ bulk-CSV names), plus two API-only ones.
MNEMONICS: Final = (
    "id", "clee", "nom_estab", "raz_social", "codigo_act", "nombre_act", "per_ocu",
    "tipo_vial", "nom_vial", "numero_ext", "letra_ext", "numero_int", "tipo_asent", "nomb_asent",
    "tipoCenCom", "nom_CenCom", "cod_postal", "cve_ent", "entidad", "cve_mun", "municipio", "localidad",
    "latitud", "longitud", "fecha_alta", "ubicacion", "areageo",
)  # fmt: skip

#: Contact fields, present in the files, never read (dropped on import).
CONTACT_FIELDS: Final = frozenset(
    {"telefono", "correoelec", "www", "correo_e", "sitio_internet", "numero de telefono", "numero de telefono 1",
     "correo electronico", "correo electronico 1", "sitio en internet"}
)  # fmt: skip

# Header aliases, folded (see fold()): folded header -> mnemonic. A mnemonic named by several columns of
# one file (2013: a coded stratum column and a label column) takes the first non-blank value, in this order.
_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "id": ("id", "llave denue"),
    "clee": ("clee",),
    "nom_estab": ("nom_estab", "nombre", "nombre de la unidad economica"),
    "raz_social": ("raz_social", "razon_social", "razon social"),
    "codigo_act": ("codigo_act", "clase_actividad_id", "id_actividad", "id_clase_actividad",
                   "codigo de la clase de actividad scian", "codigo de la clase de actividad"),
    "nombre_act": ("nombre_act", "clase_actividad", "nombre de clase de la actividad",
                   "nombre de la clase de actividad", "nombre de clase dela actividad"),
    "per_ocu": ("per_ocu", "estrato", "descripcion estrato personal ocupado",
                "descripcion de estrato de personal ocupado", "personal ocupado (estrato)"),
    "tipo_vial": ("tipo_vial", "tipo_vialidad", "tipo de vialidad"),
    "nom_vial": ("nom_vial", "calle", "nombre de la vialidad"),
    "numero_ext": ("numero_ext", "num_exterior", "numero exterior o kilometro", "numero exterior o km"),
    "letra_ext": ("letra_ext", "letra exterior"),
    "numero_int": ("numero_int", "num_interior", "numero interior", "numero o letra interior"),
    "tipo_asent": ("tipo_asent", "tipo de asentamiento humano"),
    "nomb_asent": ("nomb_asent", "colonia", "nombre de asentamiento humano", "tipo y nombre del asentamiento humano"),
    "tipoCenCom": ("tipocencom", "tipo_corredor_industrial", "tipo centro comercial"),
    "nom_CenCom": ("nom_cencom", "nom_corredor_industrial",
                   "corredor industrial, centro comercial o mercado publico"),
    "cod_postal": ("cod_postal", "cp", "codigo postal"),
    "cve_ent": ("cve_ent", "clave entidad", "clave entidad federativa"),
    "entidad": ("entidad", "entidad federativa"),
    "cve_mun": ("cve_mun", "clave municipio"),
    "municipio": ("municipio",),
    "localidad": ("localidad",),
    "latitud": ("latitud",),
    "longitud": ("longitud",),
    "fecha_alta": ("fecha_alta", "fecha de incorporacion al denue"),
    "ubicacion": ("ubicacion",),
    "areageo": ("areageo",),
}  # fmt: skip

_FOLDED: Final = {alias: (mnemonic, rank) for mnemonic, names in _ALIASES.items() for rank, alias in enumerate(names)}

#: Bytes undefined in Windows-1252: a non-UTF-8 file holding one is read as Latin-1 instead.
_CP1252_HOLES: Final = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_CHUNK: Final = 1 << 20
#: Bytes per CSV block read by pyarrow (about 150,000 DENUE rows of 42 columns; larger blocks parse faster).
BLOCK_SIZE: Final = 64 << 20
_CSV_MEMBER: Final = re.compile(r"(^|/)denue_inegi_[^/]*\.csv$", re.IGNORECASE)

ENCODING_NAMES: Final = {"utf-8": "UTF-8", "cp1252": "Windows-1252", "latin-1": "Latin-1"}


def fold(text: str) -> str:
    """A header or label compared without case, accents, BOM or repeated spaces.

    >>> fold("  Código de la clase de actividad SCIAN ")
    'codigo de la clase de actividad scian'
    >>> fold("\\ufeffPER_OCU")
    'per_ocu'
    """
    decomposed = unicodedata.normalize("NFKD", text.replace("\ufeff", ""))
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.lower().split())


@dataclass(frozen=True)
class DenueSource:
    """One input file: its format (``zip``, ``csv`` or ``json``), the CSV member of a ZIP, its SHA-256 and
    the text encoding detected (``utf-8``, ``cp1252`` or ``latin-1``; JSON is always UTF-8)."""

    path: Path
    file_format: str
    member: str | None
    sha256: str
    encoding: str
    size: int

    @property
    def encoding_name(self) -> str:
        return ENCODING_NAMES.get(self.encoding, self.encoding)

    def open_text_bytes(self) -> IO[bytes]:
        """The CSV (or JSON) bytes, decompressed from the ZIP when there is one."""
        if self.member is None:
            return open(self.path, "rb")
        archive = zipfile.ZipFile(self.path)
        member: IO[bytes] = _ClosingMember(archive, archive.open(self.member))  # type: ignore[assignment]
        return member


class _ClosingMember(io.BufferedIOBase):
    """A ZIP member that closes its archive with it."""

    def __init__(self, archive: zipfile.ZipFile, member: IO[bytes]) -> None:
        super().__init__()
        self._archive = archive
        self._member = member

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        return self._member.read(-1 if size is None else size)

    def read1(self, size: int = -1) -> bytes:
        return self._member.read(size)

    def close(self) -> None:
        self._member.close()
        self._archive.close()
        super().close()


class _ToUtf8(io.RawIOBase):
    """A byte stream in ``encoding`` read as UTF-8, decoded and re-encoded a chunk at a time (the CSV parser
    reads UTF-8 fastest; Python's codecs do the transcoding in C)."""

    def __init__(self, raw: IO[bytes], encoding: str) -> None:
        super().__init__()
        self._raw = raw
        self._decoder = codecs.getincrementaldecoder(encoding)()
        self._pending = b""
        self._at = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        while self._at >= len(self._pending) and not self._done:
            chunk = self._raw.read(_CHUNK * 4)
            self._done = not chunk
            self._pending = self._decoder.decode(chunk, final=self._done).encode("utf-8")
            self._at = 0
        size = min(len(buffer), len(self._pending) - self._at)
        buffer[:size] = memoryview(self._pending)[self._at : self._at + size]
        self._at += size
        return size

    def close(self) -> None:
        self._raw.close()
        super().close()


def _csv_member(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n for n in archive.namelist() if _CSV_MEMBER.search(n)]
    except zipfile.BadZipFile as exc:
        raise InputError(f"{path}: not a readable ZIP file ({exc}); give INEGI's DENUE ZIP or the CSV in it") from exc
    if len(names) != 1:
        found = "none" if not names else ", ".join(names)
        raise InputError(
            f"{path}: expected one data file conjunto_de_datos/denue_inegi_*.csv in the ZIP, found {found} "
            "(the data dictionary and metadata files are not data); extract the CSV and import it"
        )
    return names[0]


def _scan(stream: IO[bytes], digest: hashlib._Hash | None) -> str:
    """Read ``stream`` to its end: feed ``digest`` and detect the encoding (UTF-8 if every byte decodes)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8 = True
    holes = False
    while chunk := stream.read(_CHUNK):
        if digest is not None:
            digest.update(chunk)
        if utf8:
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                utf8 = False
        holes = holes or any(hole in chunk for hole in _CP1252_HOLES)  # memchr, not a regex: 100x faster
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    return "utf-8" if utf8 else ("latin-1" if holes else "cp1252")


def open_source(path: str | Path) -> DenueSource:
    """Hash ``path``, find its format (by content: a ZIP, a JSON list, else a CSV) and its encoding."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file; give a DENUE ZIP, CSV or API JSON file")
    with open(path, "rb") as handle:
        head = handle.read(4096)
    size = path.stat().st_size
    if head.startswith(b"PK\x03\x04"):
        member = _csv_member(path)
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        with zipfile.ZipFile(path) as archive, archive.open(member) as data:
            encoding = _scan(data, None)
        return DenueSource(path, "zip", member, digest.hexdigest(), encoding, size)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        encoding = _scan(handle, digest)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    file_format = "json" if stripped[:1] in (b"[", b"{") else "csv"
    if file_format == "json" and encoding != "utf-8":
        raise InputError(f"{path}: a JSON file must be UTF-8 (found {ENCODING_NAMES[encoding]} bytes)")
    return DenueSource(path, file_format, None, digest.hexdigest(), encoding, size)


def _header(source: DenueSource) -> list[str]:
    with source.open_text_bytes() as stream:
        head = stream.read(1 << 16)
    text = head.decode("utf-8-sig" if source.encoding == "utf-8" else source.encoding, errors="replace")
    first = next(csv.reader(io.StringIO(text)), None)
    if not first:
        raise InputError(f"{source.path}: empty file, no header row")
    return first


def _plan(names: list[str], where: str) -> dict[str, list[str]]:
    """mnemonic -> the file's columns that give it, best first; an error when the activity, stratum or
    coordinates cannot be found under any known name."""
    found: dict[str, list[tuple[int, str]]] = {}
    for name in names:
        hit = _FOLDED.get(fold(name))
        if hit is not None:
            found.setdefault(hit[0], []).append((hit[1], name))
    plan = {mnemonic: [name for _, name in sorted(columns)] for mnemonic, columns in found.items()}
    missing = [m for m in ("codigo_act", "per_ocu", "latitud", "longitud") if m not in plan]
    if "id" not in plan and "clee" not in plan:
        missing.append("id or clee")
    if missing:
        raise InputError(
            f"{where}: no column for {', '.join(missing)} (header: {', '.join(names[:12])}"
            f"{' ...' if len(names) > 12 else ''}); give a DENUE bulk CSV, its ZIP or the API's JSON "
            "(docs/capacity.md lists the headers read)"
        )
    return plan


def _project(frame: pl.DataFrame, plan: dict[str, list[str]]) -> pl.DataFrame:
    """The frame's columns under their mnemonics (coalescing aliases), every mnemonic present (null if absent)."""
    exprs = []
    for mnemonic in MNEMONICS:
        columns = plan.get(mnemonic, [])
        if not columns:
            exprs.append(pl.lit(None, dtype=pl.String).alias(mnemonic))
            continue
        parts = [pl.col(c).cast(pl.String).str.strip_chars().replace("", None) for c in columns]
        exprs.append((parts[0] if len(parts) == 1 else pl.coalesce(parts)).alias(mnemonic))
    return frame.select(exprs)


def iter_batches(source: DenueSource, block_size: int = BLOCK_SIZE) -> Iterator[tuple[int, pl.DataFrame]]:
    """Yield ``(first_row, frame)``: the rows of ``source`` in batches, as text columns named by
    :data:`MNEMONICS`. ``first_row`` is the row number of the batch's first record as a person counts it:
    in a CSV the header is row 1, so the first record is row 2; in JSON the first object is row 1."""
    if source.file_format == "json":
        yield 1, _json_frame(source)
        return
    names = _header(source)
    plan = _plan(names, str(source.path))
    wanted = sorted({c for columns in plan.values() for c in columns})
    read = pacsv.ReadOptions(block_size=block_size)
    convert = pacsv.ConvertOptions(
        column_types=dict.fromkeys(wanted, pa.string()),
        include_columns=wanted,
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    parse = pacsv.ParseOptions(newlines_in_values=True)
    row = 2
    raw_stream = source.open_text_bytes()
    with raw_stream if source.encoding == "utf-8" else io.BufferedReader(_ToUtf8(raw_stream, source.encoding), _CHUNK) as stream:
        try:
            reader = pacsv.open_csv(stream, read_options=read, parse_options=parse, convert_options=convert)
            for batch in reader:
                if batch.num_rows == 0:
                    continue
                frame = pl.from_arrow(pa.Table.from_batches([batch]))
                assert isinstance(frame, pl.DataFrame)
                yield row, _project(frame, plan)
                row += batch.num_rows
        except pa.ArrowInvalid as exc:
            raise InputError(
                f"{source.path}: not a readable DENUE CSV near data row {row} ({exc}); check that the file is "
                "complete and comma-separated"
            ) from exc


def _json_frame(source: DenueSource) -> pl.DataFrame:
    with source.open_text_bytes() as stream:
        try:
            data = json.loads(stream.read().decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(f"{source.path}: not valid JSON ({exc})") from exc
    if isinstance(data, dict):  # a GeoJSON FeatureCollection of DENUE points, or {"data": [...]}
        if isinstance(data.get("features"), list):
            data = [f.get("properties", {}) if isinstance(f, dict) else f for f in data["features"]]
        elif isinstance(data.get("data"), list):
            data = data["data"]
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise InputError(f"{source.path}: expected a JSON list of DENUE records (objects), as the DENUE API returns")
    names = list(dict.fromkeys(key for item in data for key in item))
    plan = _plan(names, str(source.path))
    wanted = sorted({c for columns in plan.values() for c in columns})
    columns = {name: [None if (v := item.get(name)) is None else str(v) for item in data] for name in wanted}
    frame = pl.DataFrame(columns, schema=dict.fromkeys(wanted, pl.String))
    return _project(frame, plan)
