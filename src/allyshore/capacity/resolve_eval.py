"""Labelled sets for measuring supplier resolution: synthetic establishments, and supplier lists made of
variants of establishment names with the true answer kept.

Everything is drawn from a seeded generator, so that a set is the same on every run. A supplier list holds,
for each chosen establishment, one *variant* of its trade or legal name (see :data:`VARIANTS`) in its
municipality, with ``expected_establishment_id`` set; ``wrong_municipality`` variants name another
municipality (the true establishment exists, so they count against recall); ``absent`` rows are names that
are not in the table (``expected_establishment_id`` blank), built from the words of other names of the same
municipality so that they look like its real names.
"""

from __future__ import annotations

import unicodedata
from typing import Final

import numpy as np
import polars as pl

from allyshore.capacity.resolve import COLUMNS

#: Variant kinds and their share of the positive rows of a generated list.
VARIANTS: Final[dict[str, float]] = {
    "exact": 0.10,
    "case_accents": 0.10,
    "legal_form": 0.15,
    "abbreviation": 0.10,
    "typo": 0.20,
    "word_swap": 0.10,
    "typo_legal_form": 0.10,
    "dropped_word": 0.10,
    "wrong_municipality": 0.05,
}

_ACTIVITIES: Final = (
    "INDUSTRIAS",
    "MANUFACTURAS",
    "PLASTICOS",
    "METALES",
    "TROQUELADOS",
    "MAQUINADOS",
    "AUTOPARTES",
    "CONFECCIONES",
    "TEXTILES",
    "EMPAQUES",
    "FUNDICION",
    "HERRAMIENTAS",
    "ELECTRONICA",
    "MUEBLES",
    "CARPINTERIA",
    "HERRERIA",
    "PURIFICADORA",
    "PANIFICADORA",
    "TORTILLERIA",
    "MAQUILADORA",
    "FORJA",
    "RESORTES",
    "MOLDES",
    "INYECCION",
    "CABLES",
    "ARNESES",
    "RECUBRIMIENTOS",
    "PINTURAS",
    "QUIMICA",
    "ALIMENTOS",
    "CARTONES",
    "ESTAMPADOS",
    "SOLDADURAS",
    "ENGRANES",
    "TORNILLOS",
    "VIDRIOS",
    "CERAMICA",
    "CALZADO",
    "UNIFORMES",
)
_SURNAMES: Final = (
    "GARCIA",
    "HERNANDEZ",
    "MARTINEZ",
    "LOPEZ",
    "GONZALEZ",
    "RODRIGUEZ",
    "PEREZ",
    "SANCHEZ",
    "RAMIREZ",
    "TORRES",
    "FLORES",
    "RIVERA",
    "GOMEZ",
    "DIAZ",
    "CRUZ",
    "MORALES",
    "REYES",
    "GUTIERREZ",
    "ORTIZ",
    "CHAVEZ",
    "RUIZ",
    "JIMENEZ",
    "MENDOZA",
    "AGUILAR",
    "MORENO",
    "CASTILLO",
    "ROMERO",
    "ALVAREZ",
    "VAZQUEZ",
    "HERRERA",
    "MEDINA",
    "CASTRO",
    "VARGAS",
    "GUZMAN",
    "MUÑOZ",
    "SALAZAR",
    "ROJAS",
    "NUÑEZ",
    "ESPINOZA",
    "IBARRA",
    "DOMINGUEZ",
    "LUNA",
    "SOTO",
    "DELGADO",
    "CONTRERAS",
    "SANDOVAL",
    "GUERRERO",
    "CAMPOS",
    "VEGA",
    "CARDENAS",
    "ESTRADA",
)
_PLACES: Final = (
    "DEL BAJIO",
    "DEL NORTE",
    "DEL CENTRO",
    "DE OCCIDENTE",
    "AZTECA",
    "SAN JOSE",
    "LA ESPERANZA",
    "GUADALUPE",
    "SANTA FE",
    "LAS AGUILAS",
    "EL ROBLE",
    "LOS PINOS",
    "LA PAZ",
    "SAN MIGUEL",
    "DEL PACIFICO",
    "DEL GOLFO",
    "MONTERREY",
    "JALISCO",
    "LEON",
    "QUERETARO",
    "POTOSINA",
    "HIDALGUENSE",
    "DE MEXICO",
    "INTERNACIONAL",
)
_SYLLABLES: Final = (
    "TRA",
    "MEX",
    "VI",
    "KO",
    "SA",
    "TEC",
    "NOR",
    "PLAS",
    "ME",
    "TAL",
    "RO",
    "DI",
    "NA",
    "FLEX",
    "CO",
    "LU",
    "GA",
    "PRO",
    "IN",
    "DUS",
    "AL",
    "TO",
    "MA",
    "TIC",
    "SOL",
    "VER",
    "ZA",
    "QUI",
)
_LEGAL: Final = (
    "S.A. DE C.V.",
    "S. DE R.L. DE C.V.",
    "S.A.P.I. DE C.V.",
    "S.C.",
    "S.A.",
    "SA DE CV",
    "S. DE R.L.",
    "S.P.R. DE R.L.",
    "A.C.",
)
#: Written-out word -> abbreviation, as people shorten them (DISTRIBUIDORA's is one the normaliser does not
#: know, on purpose).
_SHORT: Final = {
    "HERMANOS": "HNOS.",
    "COMPAÑIA": "CIA.",
    "COMPANIA": "CIA.",
    "INDUSTRIAS": "INDS.",
    "INDUSTRIAL": "IND.",
    "FABRICA": "FCA.",
    "GRUPO": "GPO.",
    "PRODUCTOS": "PRODS.",
    "SERVICIOS": "SERVS.",
    "DISTRIBUIDORA": "DISTRIB.",
    "INTERNACIONAL": "INTL.",
    "PURIFICADORA": "PURIF.",
    "SANTA": "STA.",
    "GENERAL": "GRAL.",
}


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _brand(rng: np.random.Generator) -> str:
    return "".join(rng.choice(_SYLLABLES, size=int(rng.integers(2, 4))))


def synthetic_names(rng: np.random.Generator, n: int) -> tuple[list[str], list[str | None]]:
    """``n`` trade names and legal names (about 40% blank, as for natural persons) in the common shapes of
    Mexican manufacturing names: activity + surname or place, invented brand + activity, group + surname."""
    shape = rng.integers(0, 5, size=n)
    act = rng.choice(_ACTIVITIES, size=n)
    sur = rng.choice(_SURNAMES, size=n)
    sur2 = rng.choice(_SURNAMES, size=n)
    place = rng.choice(_PLACES, size=n)
    legal_form = rng.choice(_LEGAL, size=n)
    has_legal = rng.random(n) < 0.6
    names: list[str] = []
    legals: list[str | None] = []
    for i in range(n):
        brand = _brand(rng)
        match int(shape[i]):
            case 0:
                name = f"{act[i]} {sur[i]}"
            case 1:
                name = f"{act[i]} {place[i]}"
            case 2:
                name = f"{brand} {act[i]}"
            case 3:
                name = f"GRUPO {sur[i]} {sur2[i]}"
            case _:
                name = f"{act[i]} {brand} {place[i]}"
        names.append(name)
        legals.append(f"{brand if shape[i] != 2 else name} {legal_form[i]}" if has_legal[i] else None)
    return names, legals


def synthetic_establishments(
    n: int, municipalities: int = 2_400, states: int = 32, seed: int = 13, start_id: int = 90_000_000
) -> pl.DataFrame:
    """``n`` establishments in the columns of :mod:`allyshore.capacity.schema` (those resolution reads), spread
    over ``municipalities`` with a skewed size (a few large industrial municipalities, many small ones), each
    municipality with a centre point inside Mexico and its establishments within ~10 km of it."""
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(mean=0.0, sigma=1.6, size=municipalities)
    mun = rng.choice(municipalities, size=n, p=weights / weights.sum())
    state_of = np.sort(rng.integers(0, states, size=municipalities))
    centre_lat = rng.uniform(16.0, 31.5, size=municipalities)
    centre_lon = rng.uniform(-116.0, -88.0, size=municipalities)
    names, legals = synthetic_names(rng, n)
    state_code = [f"{s + 1:02d}" for s in state_of]
    mun_code = [f"{(i % 570) + 1:03d}" for i in range(municipalities)]
    mun_name = [f"MUNICIPIO {i:04d} {rng.choice(_PLACES)}".title() for i in range(municipalities)]
    scian = rng.choice(
        ["311812", "312112", "315223", "326199", "332710", "336390", "334410", "335930", "339113"], size=n
    )
    return pl.DataFrame(
        {
            "establishment_id": [str(start_id + i) for i in range(n)],
            "name": names,
            "legal_name": legals,
            "scian": scian,
            "state": [state_code[m] for m in mun],
            "state_name": [f"Estado {state_code[m]}" for m in mun],
            "municipality_code": [mun_code[m] for m in mun],
            "municipality": [mun_name[m] for m in mun],
            "address": [
                f"CALLE {s} {int(k)}"
                for s, k in zip(rng.choice(_SURNAMES, size=n), rng.integers(1, 3000, size=n), strict=True)
            ],
            "lat": centre_lat[mun] + rng.normal(0, 0.05, size=n),
            "lon": centre_lon[mun] + rng.normal(0, 0.05, size=n),
        },
        schema_overrides={"legal_name": pl.String},
    )


def _typo(rng: np.random.Generator, text: str, edits: int = 1) -> str:
    chars = list(text)
    for _ in range(edits):
        letters = [i for i, c in enumerate(chars) if c.isalpha()]
        if len(letters) < 4:
            break
        i = int(rng.choice(letters))
        kind = int(rng.integers(0, 4))
        if kind == 0:
            chars[i] = chr(ord("A") + int(rng.integers(0, 26)))
        elif kind == 1:
            del chars[i]
        elif kind == 2:
            chars.insert(i, chars[i])
        elif i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


def _legal_variant(rng: np.random.Generator, text: str) -> str:
    """The name with its legal form dropped, or another form (written another way) put on."""
    plain = text
    for form in sorted(_LEGAL, key=len, reverse=True):
        if plain.upper().endswith(form):
            plain = plain[: -len(form)].rstrip(" ,")
            break
    if plain != text and rng.random() < 0.5:
        return plain
    return f"{plain}, {rng.choice(_LEGAL).lower() if rng.random() < 0.5 else rng.choice(_LEGAL)}"


def variant(rng: np.random.Generator, kind: str, text: str) -> str:
    """One variant of a name, of the kind named (see :data:`VARIANTS`)."""
    words = text.split()
    if kind == "case_accents":
        return _strip_accents(text).title() if rng.random() < 0.5 else _strip_accents(text).lower()
    if kind == "legal_form":
        return _legal_variant(rng, text)
    if kind == "abbreviation":
        short = [_SHORT.get(_strip_accents(w).upper(), w) if rng.random() < 0.8 else w for w in words]
        if short == words:  # nothing to shorten: truncate the longest word, as "PURIFICADORA" -> "PURIFIC."
            longest = max(range(len(words)), key=lambda i: len(words[i]))
            short = list(words)
            if len(words[longest]) > 7:
                short[longest] = words[longest][:6] + "."
        return " ".join(short)
    if kind == "typo":
        return _typo(rng, text, edits=1 if len(text) < 18 or rng.random() < 0.6 else 2)
    if kind == "word_swap" and len(words) >= 2:
        i = int(rng.integers(0, len(words) - 1))
        words[i], words[i + 1] = words[i + 1], words[i]
        return " ".join(words)
    if kind == "typo_legal_form":
        return _typo(rng, _legal_variant(rng, text))
    if kind == "dropped_word" and len(words) >= 3:
        del words[int(rng.integers(0, len(words)))]
        return " ".join(words)
    return text


def supplier_variants(
    establishments: pl.DataFrame,
    n: int,
    *,
    absent_share: float = 0.15,
    seed: int = 7,
    with_points_share: float = 0.0,
    scian_share: float = 0.0,
) -> pl.DataFrame:
    """A labelled supplier list of ``n`` rows (columns of :mod:`allyshore.capacity.suppliers` plus ``variant``):
    ``absent_share`` of them absent from ``establishments``, the others variants of distinct establishments;
    ``with_points_share`` of the positive rows carry the establishment's coordinates, moved by up to ~1 km, and
    ``scian_share`` of them its SCIAN class cut to 4 digits."""
    rng = np.random.default_rng(seed)
    n_absent = round(n * absent_share)
    n_pos = min(n - n_absent, establishments.height)
    chosen = establishments.sample(n=n_pos, seed=int(rng.integers(0, 2**31)), shuffle=True)
    kinds = rng.choice(list(VARIANTS), size=n_pos, p=np.array(list(VARIANTS.values())) / sum(VARIANTS.values()))
    municipalities = establishments.get_column("municipality").unique().sort().to_list()
    same_state = {
        s: g.get_column("municipality").unique().sort().to_list()
        for (s,), g in establishments.select("state", "municipality").group_by("state")
    }
    rows: list[dict[str, object]] = []
    for r, kind in zip(chosen.iter_rows(named=True), kinds, strict=True):
        use_legal = r["legal_name"] is not None and rng.random() < 0.4
        source = r["legal_name"] if use_legal else r["name"]
        municipality = r["municipality"]
        if kind == "wrong_municipality":
            others = [m for m in same_state.get(r["state"], municipalities) if m != municipality] or [
                m for m in municipalities if m != municipality
            ]
            municipality = str(rng.choice(others)) if others else municipality
            text = source
        else:
            text = variant(rng, str(kind), source)
        point = kind != "wrong_municipality" and rng.random() < with_points_share and r["lat"] is not None
        address = r["address"]
        if address is not None and rng.random() < 0.3:
            address = _typo(rng, address) if rng.random() < 0.5 else " ".join(address.split()[1:]) or address
        rows.append(
            {
                "name": text,
                "address": address if rng.random() < 0.8 else None,
                "municipality": municipality if rng.random() < 0.7 else _strip_accents(municipality).upper(),
                "state": r["state"],
                "lat": r["lat"] + rng.normal(0, 0.005) if point else None,
                "lon": r["lon"] + rng.normal(0, 0.005) if point else None,
                "scian": r["scian"][:4] if r["scian"] and rng.random() < scian_share else None,
                "expected_establishment_id": r["establishment_id"],
                "variant": str(kind),
            }
        )
    rows += _absent_rows(rng, establishments, n_absent)
    order = rng.permutation(len(rows))
    frame = pl.DataFrame(
        [rows[i] for i in order],
        schema={
            "name": pl.String,
            "address": pl.String,
            "municipality": pl.String,
            "state": pl.String,
            "scian": pl.String,
            "lat": pl.Float64,
            "lon": pl.Float64,
            "expected_establishment_id": pl.String,
            "variant": pl.String,
        },
    )
    return frame.with_columns(supplier_id=pl.format("S{}", pl.int_range(1, pl.len() + 1)))


def _words(name: str) -> frozenset[str]:
    """The words of a name, accents and articles aside: a recombined name with the same words is not absent."""
    return frozenset(w for w in _strip_accents(name).upper().split() if w not in ("DE", "DEL", "LA", "EL", "Y"))


def _absent_rows(rng: np.random.Generator, establishments: pl.DataFrame, n: int) -> list[dict[str, object]]:
    """Names not in the table, recombined from the words of names of the same municipality."""
    if n == 0:
        return []
    picks = establishments.sample(n=n, seed=int(rng.integers(0, 2**31)), with_replacement=True)
    by_mun = {
        m: g.get_column("name").to_list()
        for (m,), g in establishments.select("municipality", "name").group_by("municipality")
    }
    existing = {_words(n) for n in establishments.get_column("name").to_list()}
    existing |= {_words(n) for n in establishments.get_column("legal_name").drop_nulls().to_list()}
    rows: list[dict[str, object]] = []
    for r in picks.iter_rows(named=True):
        pool = by_mun[r["municipality"]]
        name = r["name"]
        for _ in range(20):
            first = str(rng.choice(pool)).split()
            second = str(rng.choice(pool)).split() + list(synthetic_names(rng, 1)[0][0].split())
            name = " ".join([first[0], *rng.choice(second, size=min(2, len(second)), replace=False)])
            if _words(name) not in existing:
                break
        rows.append(
            {
                "name": name,
                "address": r["address"],
                "municipality": r["municipality"],
                "state": r["state"],
                "scian": None,
                "lat": None,
                "lon": None,
                "expected_establishment_id": None,
                "variant": "absent",
            }
        )
    return rows



def labelled_set(
    real: pl.DataFrame, *, distractors: int = 3_000, rounds: int = 3, seed: int = 11
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(establishments, labelled suppliers) built on real establishment rows (canonical columns): the real rows
    plus ``distractors`` synthetic establishments placed in the same municipalities, and ``rounds`` supplier
    lists of variants of the real rows (each round one variant per row, 15% absent rows), concatenated."""
    places = (
        real.select("state", "state_name", "municipality_code", "municipality")
        .unique()
        .sort("state", "municipality_code")
    )
    synthetic = synthetic_establishments(distractors, municipalities=places.height, states=1, seed=seed)
    rng = np.random.default_rng(seed)
    pick = pl.Series("k", rng.integers(0, places.height, size=synthetic.height), dtype=pl.UInt32)
    placed = synthetic.drop("state", "state_name", "municipality_code", "municipality").with_columns(pick)
    placed = placed.join(places.with_row_index("k"), on="k").drop("k")
    establishments = pl.concat([real.select(COLUMNS), placed.select(COLUMNS)])
    lists = [supplier_variants(real, real.height, seed=seed + r) for r in range(rounds)]
    suppliers = pl.concat(lists).with_columns(supplier_id=pl.format("S{}", pl.int_range(1, pl.len() + 1)))
    return establishments, suppliers

