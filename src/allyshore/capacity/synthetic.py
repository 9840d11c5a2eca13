"""Generated DENUE rows in the exact 42-column bulk-CSV schema, for tests and benchmarks.

The rows are made up (names, streets, phone numbers), but shaped like INEGI's: the 42 columns in file order
(:data:`DENUE_COLUMNS`), manufacturing classes of sectors 32-33 (or any sector asked for), the seven
``per_ocu`` strata, real state codes and names with their accents ("México", "Nuevo León"), a municipality
of each state with its INEGI code and coordinates scattered around it (inside Mexico), industrial parks,
and the contact fields filled in some rows so that dropping them can be tested. Written as Windows-1252
(like INEGI's files) or UTF-8, as a CSV or as the bulk ZIP (``conjunto_de_datos/denue_inegi_*.csv`` beside
a data dictionary). Vectorised: 657,000 rows take a few seconds.

>>> frame = denue_rows(3, seed=1)
>>> frame.width, frame.columns[:4], frame["cve_ent"].str.len_chars().to_list()
(42, ['id', 'clee', 'nom_estab', 'raz_social'], [2, 2, 2])
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
import polars as pl

from allyshore.capacity.schema import BANDS

__all__ = ["DENUE_COLUMNS", "denue_rows", "write_denue_csv", "write_denue_zip"]

#: The 42 columns of the DENUE bulk CSV (2016+ editions), in file order (../shared/data/denue_sample/PROVENANCE.md).
DENUE_COLUMNS: Final = (
    "id", "clee", "nom_estab", "raz_social", "codigo_act", "nombre_act", "per_ocu", "tipo_vial", "nom_vial",
    "tipo_v_e_1", "nom_v_e_1", "tipo_v_e_2", "nom_v_e_2", "tipo_v_e_3", "nom_v_e_3", "numero_ext", "letra_ext",
    "edificio", "edificio_e", "numero_int", "letra_int", "tipo_asent", "nomb_asent", "tipoCenCom", "nom_CenCom",
    "num_local", "cod_postal", "cve_ent", "entidad", "cve_mun", "municipio", "cve_loc", "localidad", "ageb",
    "manzana", "telefono", "correoelec", "www", "tipoUniEco", "latitud", "longitud", "fecha_alta",
)  # fmt: skip

# (state code, state name, municipality code, municipality, approximate lat, lon, weight in manufacturing):
# the capital or main industrial city of each state; weights are illustrative, not DENUE's counts.
_PLACES: Final = (
    ("01", "Aguascalientes", "001", "Aguascalientes", 21.88, -102.29, 2),
    ("02", "Baja California", "004", "Tijuana", 32.50, -116.96, 4),
    ("03", "Baja California Sur", "003", "La Paz", 24.14, -110.31, 1),
    ("04", "Campeche", "002", "Campeche", 19.84, -90.53, 1),
    ("05", "Coahuila de Zaragoza", "030", "Saltillo", 25.42, -101.00, 3),
    ("06", "Colima", "002", "Colima", 19.24, -103.72, 1),
    ("07", "Chiapas", "101", "Tuxtla Gutiérrez", 16.75, -93.12, 3),
    ("08", "Chihuahua", "037", "Juárez", 31.69, -106.42, 4),
    ("09", "Ciudad de México", "015", "Cuauhtémoc", 19.43, -99.15, 6),
    ("10", "Durango", "005", "Durango", 24.02, -104.66, 1),
    ("11", "Guanajuato", "020", "León", 21.12, -101.68, 5),
    ("12", "Guerrero", "001", "Acapulco de Juárez", 16.85, -99.88, 3),
    ("13", "Hidalgo", "048", "Pachuca de Soto", 20.10, -98.76, 2),
    ("14", "Jalisco", "039", "Guadalajara", 20.67, -103.35, 6),
    ("15", "México", "106", "Toluca", 19.29, -99.66, 8),
    ("16", "Michoacán de Ocampo", "053", "Morelia", 19.70, -101.19, 3),
    ("17", "Morelos", "007", "Cuernavaca", 18.92, -99.23, 1),
    ("18", "Nayarit", "017", "Tepic", 21.50, -104.89, 1),
    ("19", "Nuevo León", "039", "Monterrey", 25.67, -100.31, 5),
    ("20", "Oaxaca", "067", "Oaxaca de Juárez", 17.06, -96.73, 4),
    ("21", "Puebla", "114", "Puebla", 19.04, -98.21, 6),
    ("22", "Querétaro", "014", "Querétaro", 20.59, -100.39, 2),
    ("23", "Quintana Roo", "005", "Benito Juárez", 21.16, -86.85, 1),
    ("24", "San Luis Potosí", "028", "San Luis Potosí", 22.15, -100.98, 2),
    ("25", "Sinaloa", "006", "Culiacán", 24.80, -107.39, 1),
    ("26", "Sonora", "030", "Hermosillo", 29.07, -110.96, 2),
    ("27", "Tabasco", "004", "Centro", 17.99, -92.93, 1),
    ("28", "Tamaulipas", "032", "Reynosa", 26.08, -98.29, 2),
    ("29", "Tlaxcala", "033", "Tlaxcala", 19.32, -98.24, 1),
    ("30", "Veracruz de Ignacio de la Llave", "087", "Xalapa", 19.54, -96.91, 4),
    ("31", "Yucatán", "050", "Mérida", 20.97, -89.62, 2),
    ("32", "Zacatecas", "056", "Zacatecas", 22.77, -102.58, 1),
)

# SCIAN manufacturing classes by 2-digit sector (code, name), a selection.
_CLASSES: Final = {
    "31": (("311812", "Panificación tradicional"), ("312112", "Purificación y embotellado de agua"),
           ("313310", "Acabado de productos textiles"), ("315223", "Confección en serie de camisas")),
    "32": (("321910", "Fabricación de productos de madera para la construcción"),
           ("322210", "Fabricación de envases de cartón"),
           ("325412", "Fabricación de preparaciones farmacéuticas"),
           ("326199", "Fabricación de otros productos de plástico sin reforzamiento"),
           ("326290", "Fabricación de otros productos de hule"),
           ("327320", "Fabricación de concreto premezclado")),
    "33": (("332320", "Fabricación de estructuras metálicas"),
           ("332710", "Maquinado de piezas para maquinaria y equipo en general"),
           ("334410", "Fabricación de componentes electrónicos"),
           ("335930", "Fabricación de enchufes, contactos, fusibles y otros accesorios para instalaciones eléctricas"),
           ("336310", "Fabricación de motores y sus partes para vehículos automotrices"),
           ("336320", "Fabricación de equipo eléctrico y electrónico y sus partes para vehículos automotores"),
           ("336390", "Fabricación de otras partes para vehículos automotrices"),
           ("336410", "Fabricación de equipo aeroespacial"),
           ("339112", "Fabricación de material desechable de uso médico"),
           ("337120", "Fabricación de muebles, excepto cocinas integrales, muebles modulares de baño y muebles de oficina")),
}  # fmt: skip

_BAND_WEIGHTS: Final = (0.78, 0.08, 0.07, 0.025, 0.02, 0.015, 0.01)  # illustrative shares of strata 1-7
_WORDS: Final = ("TALLER", "INDUSTRIAS", "MANUFACTURAS", "METALMECÁNICA", "PLÁSTICOS", "COMPONENTES",
                 "FÁBRICA", "MAQUILADORA", "TROQUELADOS", "ENSAMBLES", "HERRERÍA", "MOLDES")  # fmt: skip
_NAMES: Final = ("DEL NORTE", "GARCÍA", "SAN JOSÉ", "LA PEÑA", "DEL BAJÍO", "MONTAÑO", "AZTECA", "ÁGUILA",
                 "OCHOA", "MUÑOZ", "PACÍFICO", "DEL GOLFO", "SANTA MARÍA", "LÓPEZ", "TECNO")  # fmt: skip
_STREETS: Final = ("MIGUEL HIDALGO", "BENITO JUÁREZ", "INDEPENDENCIA", "REVOLUCIÓN", "DE LA INDUSTRIA",
                   "LÁZARO CÁRDENAS", "CONSTITUCIÓN", "VENUSTIANO CARRANZA", "PASEO DEL RÍO", "NIÑOS HÉROES")  # fmt: skip
_ROADS: Final = ("CALLE", "AVENIDA", "BOULEVARD", "CARRETERA", "PRIVADA", "CALZADA")
_SETTLEMENTS: Final = (("COLONIA", "CENTRO"), ("FRACCIONAMIENTO", "LAS FUENTES"), ("BARRIO", "DE GUADALUPE"),
                       ("ZONA INDUSTRIAL", "ZONA INDUSTRIAL"), ("COLONIA", "INDUSTRIAL"),
                       ("PARQUE INDUSTRIAL", "PARQUE INDUSTRIAL FINSA"), ("COLONIA", "JARDINES DEL VALLE"))  # fmt: skip
_SETTLEMENT_WEIGHTS: Final = (0.35, 0.2, 0.1, 0.08, 0.12, 0.05, 0.1)


def _pick(rng: np.random.Generator, values: Sequence[str], n: int, p: Sequence[float] | None = None) -> pl.Series:
    index = rng.choice(len(values), size=n, p=None if p is None else np.asarray(p) / np.sum(p))
    return pl.Series(list(values), dtype=pl.String).gather(index)


def _join(parts: Sequence[pl.Series | str], separator: str = "") -> pl.Series:
    """Series (and constant strings) joined element-wise."""
    series = {f"c{i}": part for i, part in enumerate(parts) if isinstance(part, pl.Series)}
    exprs = [pl.col(f"c{i}") if isinstance(part, pl.Series) else pl.lit(part) for i, part in enumerate(parts)]
    return pl.DataFrame(series).select(pl.concat_str(exprs, separator=separator)).to_series()


def denue_rows(n: int, *, seed: int = 0, sectors: Sequence[str] = ("32", "33"), start_id: int = 1) -> pl.DataFrame:
    """``n`` generated DENUE rows (all text, the 42 columns of :data:`DENUE_COLUMNS`), ids from ``start_id``."""
    rng = np.random.default_rng(seed)
    classes = [c for s in sectors for c in _CLASSES[s]]
    cls = rng.integers(0, len(classes), size=n)
    place = rng.choice(len(_PLACES), size=n, p=np.array([p[6] for p in _PLACES]) / sum(p[6] for p in _PLACES))
    places = pl.DataFrame(
        {k: [p[i] for p in _PLACES] for i, k in enumerate(("ent", "entidad", "mun", "municipio", "lat", "lon"))}
    )[place]
    band = rng.choice(7, size=n, p=_BAND_WEIGHTS)
    ids = np.arange(start_id, start_id + n)
    code = pl.Series([c[0] for c in classes]).gather(cls)
    settle = rng.choice(len(_SETTLEMENTS), size=n, p=_SETTLEMENT_WEIGHTS)
    in_park = np.array([kind == "PARQUE INDUSTRIAL" for kind, _ in _SETTLEMENTS])[settle]
    lat = places["lat"].to_numpy() + rng.normal(0.0, 0.04, n).clip(-0.1, 0.1)
    lon = places["lon"].to_numpy() + rng.normal(0.0, 0.04, n).clip(-0.1, 0.1)
    contact = rng.random(n)
    blank = pl.Series([""] * n, dtype=pl.String)
    id_text = pl.Series(ids.astype(str))
    serial = pl.Series(np.char.zfill(ids.astype(str), 15))
    clee = _join([places["ent"], places["mun"], code, serial, "M1"])
    frame = pl.DataFrame(
        {
            "id": id_text,
            "clee": clee,
            "nom_estab": _join([_pick(rng, _WORDS, n), _pick(rng, _NAMES, n)], " "),
            "raz_social": _join([_pick(rng, _WORDS, n), _pick(rng, _NAMES, n), "SA DE CV"], " "),
            "codigo_act": code,
            "nombre_act": pl.Series([c[1] for c in classes]).gather(cls),
            "per_ocu": pl.Series([BANDS[b][0] for b in range(1, 8)]).gather(band),
            "tipo_vial": _pick(rng, _ROADS, n),
            "nom_vial": _pick(rng, _STREETS, n),
            "tipo_v_e_1": _pick(rng, ("CALLE", "AVENIDA"), n),
            "nom_v_e_1": _pick(rng, _STREETS, n),
            "tipo_v_e_2": _pick(rng, ("CALLE", "NINGUNO"), n),
            "nom_v_e_2": _pick(rng, _STREETS, n),
            "tipo_v_e_3": _pick(rng, ("CALLE", "NINGUNO"), n),
            "nom_v_e_3": _pick(rng, _STREETS, n),
            "numero_ext": pl.Series(rng.integers(1, 3000, n).astype(str)),
            "letra_ext": blank,
            "edificio": blank,
            "edificio_e": blank,
            "numero_int": blank,
            "letra_int": blank,
            "tipo_asent": pl.Series([s[0] for s in _SETTLEMENTS]).gather(settle),
            "nomb_asent": pl.Series([s[1] for s in _SETTLEMENTS]).gather(settle),
            "tipoCenCom": pl.Series(np.where(in_park, "PARQUE INDUSTRIAL", "")),
            "nom_CenCom": pl.Series(np.where(in_park, "FINSA", "")),
            "num_local": blank,
            "cod_postal": pl.Series(np.char.zfill(rng.integers(1000, 99999, n).astype(str), 5)),
            "cve_ent": places["ent"],
            "entidad": places["entidad"],
            "cve_mun": places["mun"],
            "municipio": places["municipio"],
            "cve_loc": pl.Series(["0001"] * n),
            "localidad": places["municipio"],
            "ageb": pl.Series(np.char.zfill(rng.integers(1, 9999, n).astype(str), 4)),
            "manzana": pl.Series(np.char.zfill(rng.integers(1, 999, n).astype(str), 3)),
            "telefono": pl.Series(np.where(contact < 0.5, np.char.add("81", rng.integers(10**7, 10**8, n).astype(str)), "")),
            "correoelec": pl.Series(np.where(contact < 0.3, np.char.add(np.char.add("ventas", id_text.to_numpy().astype(str)), "@ejemplo.com.mx"), "")),
            "www": pl.Series(np.where(contact < 0.1, "WWW.EJEMPLO.COM.MX", "")),
            "tipoUniEco": pl.Series(["Fijo"] * n),
            "latitud": pl.Series(np.round(lat, 8).astype(str)),
            "longitud": pl.Series(np.round(lon, 8).astype(str)),
            "fecha_alta": pl.Series(
                np.char.add(rng.integers(2010, 2026, n).astype(str), np.char.add("-", np.char.zfill(rng.integers(1, 13, n).astype(str), 2)))
            ),
        }
    )  # fmt: skip
    return frame.select(DENUE_COLUMNS)


def _csv_bytes(frame: pl.DataFrame, encoding: str, header: bool) -> bytes:
    buffer = io.BytesIO()
    frame.write_csv(buffer, include_header=header)
    data = buffer.getvalue()
    return data if encoding in ("utf-8", "utf8") else data.decode("utf-8").encode(encoding)


def write_denue_csv(
    path: str | Path,
    n: int,
    *,
    seed: int = 0,
    sectors: Sequence[str] = ("32", "33"),
    encoding: str = "cp1252",
    chunk: int = 100_000,
) -> Path:
    """Write ``n`` generated rows as a DENUE bulk CSV in ``encoding``, ``chunk`` rows at a time."""
    path = Path(path)
    with open(path, "wb") as out:
        for k, start in enumerate(range(0, n, chunk)):
            frame = denue_rows(min(chunk, n - start), seed=seed + k, sectors=sectors, start_id=start + 1)
            out.write(_csv_bytes(frame, encoding, header=k == 0))
        if n == 0:
            out.write(",".join(DENUE_COLUMNS).encode(encoding) + b"\n")
    return path


def write_denue_zip(
    path: str | Path,
    n: int,
    *,
    seed: int = 0,
    sectors: Sequence[str] = ("32", "33"),
    encoding: str = "cp1252",
    member: str = "conjunto_de_datos/denue_inegi_31-33_.csv",
) -> Path:
    """Write ``n`` generated rows as INEGI's bulk ZIP: the data CSV under ``member``, with a data dictionary
    and a metadata file beside it (as in the published archives)."""
    path = Path(path)
    csv_path = path.with_suffix(".tmp.csv")
    write_denue_csv(csv_path, n, seed=seed, sectors=sectors, encoding=encoding)
    try:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
            archive.writestr(
                "diccionario_de_datos/denue_diccionario_de_datos.csv",
                "Nombre de la columna,Descripción\nid,Identificador\n".encode(encoding),
            )
            archive.writestr("metadatos/metadatos_denue.txt", "Generated fixture, not INEGI data\n".encode(encoding))
            archive.write(csv_path, member)
    finally:
        csv_path.unlink(missing_ok=True)
    return path
