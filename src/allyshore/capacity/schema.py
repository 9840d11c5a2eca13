"""The establishment table every capacity module shares, and where imported editions are kept.

An imported DENUE edition is stored as Parquet under the data directory (``--data-dir``,
``$ALLYSHORE_DATA_DIR``, else the per-user data folder of :mod:`platformdirs`), one partition per
state. Every module reads it through the columns named here, whatever the DENUE edition called them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from allyshore.io.data_dir import DATA_DIR_ENV, data_dir

__all__ = ["BANDS", "DATA_DIR_ENV", "ESTABLISHMENT_COLUMNS", "data_dir", "editions_root"]

#: The stored establishment columns: name -> (polars dtype name, meaning). Codes are text (leading zeros kept).
ESTABLISHMENT_COLUMNS: Final[dict[str, tuple[str, str]]] = {
    "establishment_id": ("String", "DENUE record id (`id`)"),
    "clee": ("String", "Clave Unica de Establecimiento (28 characters)"),
    "name": ("String", "trade name (`nom_estab`)"),
    "legal_name": ("String", "legal name (`raz_social`), blank for natural persons"),
    "scian": ("String", "SCIAN 2018 class, 6 digits (`codigo_act`)"),
    "activity": ("String", "SCIAN class name (`nombre_act`)"),
    "band": ("Int8", "employment stratum 1-7 (`per_ocu`)"),
    "employees_low": ("Int32", "lower bound of the stratum"),
    "employees_high": ("Int32", "upper bound of the stratum; the open stratum 7 calibrated (docs/capacity.md)"),
    "state": ("String", "state code, 2 digits (`cve_ent`)"),
    "state_name": ("String", "state name (`entidad`)"),
    "municipality_code": ("String", "municipality code, 3 digits within the state (`cve_mun`)"),
    "municipality": ("String", "municipality name (`municipio`)"),
    "locality": ("String", "locality name (`localidad`)"),
    "address": ("String", "street, number and settlement, joined"),
    "postal_code": ("String", "postal code, 5 digits (`cod_postal`)"),
    "park_type": ("String", "type of plaza, industrial park or corridor (`tipoCenCom`)"),
    "park_name": ("String", "its name (`nom_CenCom`)"),
    "in_industrial_park": ("Boolean", "the unit lies in an industrial park, zone or corridor"),
    "lat": ("Float64", "latitude, decimal degrees (`latitud`)"),
    "lon": ("Float64", "longitude, decimal degrees (`longitud`)"),
    "added": ("String", "YYYY-MM the unit entered DENUE (`fecha_alta`)"),
}

#: The seven DENUE employment strata (`per_ocu`), as published: code -> (label, low, high). The open stratum's
#: high bound is None here; the import calibrates it (docs/capacity.md says how).
BANDS: Final[dict[int, tuple[str, int, int | None]]] = {
    1: ("0 a 5 personas", 0, 5),
    2: ("6 a 10 personas", 6, 10),
    3: ("11 a 30 personas", 11, 30),
    4: ("31 a 50 personas", 31, 50),
    5: ("51 a 100 personas", 51, 100),
    6: ("101 a 250 personas", 101, 250),
    7: ("251 y más personas", 251, None),
}


def editions_root(data: Path) -> Path:
    """Where DENUE editions live: ``DATA/denue/editions/<edition>/state=XX/*.parquet``, and the pointer file
    ``DATA/denue/CURRENT`` naming the edition in use (replaced atomically when an import completes)."""
    return data / "denue"
