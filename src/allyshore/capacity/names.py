"""Comparable keys of Mexican business names, municipality names and addresses, as polars expressions.

A name is compared by its *key*: upper-case, accents and the tilde stripped (``Ñ`` -> ``N``), ``&`` read as
``Y``, punctuation dropped (``S.A.`` -> ``SA``), the legal form at the end removed (``S.A. DE C.V.``,
``S. DE R.L. DE C.V.``, ``S.A.P.I. DE C.V.``, ``S.C.``, ``A.C.`` ... see :data:`LEGAL_FORMS`), common
abbreviations written out (``HNOS`` -> ``HERMANOS``, ``CIA`` -> ``COMPANIA``, see :data:`ABBREVIATIONS`) and the
articles and ``DE``/``DEL``/``Y`` dropped. The *sorted key* is the same words in alphabetical order, so that
a plain edit-distance ratio between two sorted keys is rapidfuzz's ``token_sort_ratio`` of the keys (word order
does not count).

Every function here works on whole columns (no per-row Python); a key is computed once per distinct name.

>>> import polars as pl
>>> names = ["Hermanos Muñoz, S.A. de C.V.", "HNOS. MUNOZ", "Cía. Textil del Bajío S. de R.L. de C.V."]
>>> name_key(pl.Series(names)).to_list()
['HERMANOS MUNOZ', 'HERMANOS MUNOZ', 'COMPANIA TEXTIL BAJIO']
"""

from __future__ import annotations

from typing import Final

import polars as pl

#: Legal forms of Mexican companies and associations as they read once punctuation is dropped, longest first
#: (Ley General de Sociedades Mercantiles art. 1 lists the mercantile forms; cooperatives, civil societies and
#: associations, rural production societies and private assistance institutions are added). Removed only at the
#: end of a name, repeatedly (``SA DE CV`` is ``SA`` + ``DE CV``).
LEGAL_FORMS: Final[tuple[str, ...]] = (
    "SOCIEDAD ANONIMA PROMOTORA DE INVERSION",
    "SOCIEDAD ANONIMA BURSATIL",
    "SOCIEDAD ANONIMA",
    "SOCIEDAD DE RESPONSABILIDAD LIMITADA",
    "SOCIEDAD COOPERATIVA",
    "SOCIEDAD CIVIL",
    "SOCIEDAD DE PRODUCCION RURAL",
    "SOCIEDAD POR ACCIONES SIMPLIFICADA",
    "SOCIEDAD EN NOMBRE COLECTIVO",
    "SOCIEDAD EN COMANDITA SIMPLE",
    "SOCIEDAD EN COMANDITA POR ACCIONES",
    "ASOCIACION CIVIL",
    "INSTITUCION DE ASISTENCIA PRIVADA",
    "DE CAPITAL VARIABLE",
    "DE RESPONSABILIDAD LIMITADA",
    "DE RESPONSABILIDAD ILIMITADA",
    "DE RESPONSABILIDAD SUPLEMENTADA",
    "S EN NC",
    "S EN C POR A",
    "S EN CS",
    "S EN C",
    "S DE RL",
    "S DE SS",
    "SPR DE RL",
    "SPR DE RI",
    "SC DE RL",
    "SC DE CV",
    "SCL DE CV",
    "SAPIB",
    "SAPI",
    "SAB",
    "SAS",
    "SADE",
    "SCPP",
    "SCP",
    "SCL",
    "SCS",
    "SPR",
    "SRL",
    "IAP",
    "ABP",
    "SA",
    "SC",
    "AC",
    "DE CV",
    "DE RL",
    "DE RI",
    "DE RS",
    "DE IP",
    "CV",
)

#: Abbreviations written out before comparison (both sides of a comparison get the same treatment).
ABBREVIATIONS: Final[dict[str, str]] = {
    "HNOS": "HERMANOS",
    "HMNOS": "HERMANOS",
    "CIA": "COMPANIA",
    "CIAS": "COMPANIAS",
    "FCA": "FABRICA",
    "FAB": "FABRICA",
    "IND": "INDUSTRIAS",
    "INDS": "INDUSTRIAS",
    "INDUSTRIA": "INDUSTRIAS",
    "MFG": "MANUFACTURING",
    "MFRA": "MANUFACTURERA",
    "MEX": "MEXICO",
    "MEXICANA": "MEXICO",
    "MEXICANO": "MEXICO",
    "INTL": "INTERNACIONAL",
    "INT": "INTERNACIONAL",
    "DIST": "DISTRIBUIDORA",
    "DISTR": "DISTRIBUIDORA",
    "GPO": "GRUPO",
    "SERV": "SERVICIOS",
    "SERVS": "SERVICIOS",
    "PROD": "PRODUCTOS",
    "PRODS": "PRODUCTOS",
    "CORP": "CORPORACION",
    "COMERC": "COMERCIALIZADORA",
    "MAQ": "MAQUINADOS",
    "CONST": "CONSTRUCTORA",
    "ING": "INGENIERIA",
    "TEC": "TECNOLOGIA",
    "TECNOL": "TECNOLOGIA",
    "STA": "SANTA",
    "STO": "SANTO",
    "GRAL": "GENERAL",
    "LIC": "LICENCIADO",
    "NTRA": "NUESTRA",
    "SRA": "SENORA",
    "PURIF": "PURIFICADORA",
    "PANIF": "PANIFICADORA",
}

#: Words dropped from a name key: articles and the linking words of Spanish names.
STOPWORDS: Final[tuple[str, ...]] = ("DE", "DEL", "LA", "LAS", "EL", "LOS", "Y", "E", "THE", "AND", "OF")

_LEGAL_TAIL: Final = r"(?:\s(?:" + "|".join(LEGAL_FORMS) + r"))+$"


def _words_replaced(text: pl.Expr, mapping: dict[str, str]) -> pl.Expr:
    """``text`` (words separated by single spaces) with whole words replaced by ``mapping``: every word is
    padded by its own spaces so that the replacement matches whole words only."""
    padded = pl.lit("  ") + text.str.replace_all(" ", "  ", literal=True) + pl.lit("  ")
    replaced = padded.str.replace_many([f" {k} " for k in mapping], [f" {v} " for v in mapping.values()])
    return replaced.str.replace_all(r"\s+", " ").str.strip_chars()


def plain_text(text: pl.Expr) -> pl.Expr:
    """Upper-case ASCII words: accents stripped, ``&`` as ``Y``, a letter's dot dropped (``S.A.`` -> ``SA``),
    other punctuation as a space, spaces collapsed; null stays null."""
    out = text.str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_uppercase()
    out = out.str.replace_all("&", " Y ", literal=True)
    out = out.str.replace_all(r"\b([A-Z])\.", "$1")  # S.A. DE C.V. -> SA DE CV; S. DE R.L. -> S DE RL
    out = out.str.replace_all(r"[^A-Z0-9]+", " ")
    return out.str.strip_chars()


def _steps(values: pl.Series, *steps: pl.Expr) -> pl.Series:
    """``values`` through each step in turn (column ``v``), each step computed once: an expression that
    reuses its input twice would otherwise recompute it."""
    frame = pl.DataFrame({"v": values.cast(pl.String)})
    for step in steps:
        frame = frame.with_columns(step.alias("v"))
    return frame.get_column("v")


def _non_empty(column: pl.Expr, fallback: pl.Expr) -> pl.Expr:
    return pl.when(column.str.len_chars() > 0).then(column).otherwise(fallback)


def strip_legal_form(plain: pl.Expr) -> pl.Expr:
    """A plain name without the legal form at its end (kept whole if nothing else would remain)."""
    stripped = (pl.lit(" ") + plain).str.replace(_LEGAL_TAIL, "").str.strip_chars()
    return _non_empty(stripped, plain)


def name_keys(values: pl.Series) -> pl.DataFrame:
    """For each business name, its key (``key``; see the module's docstring; null for an empty name) and the
    key's words sorted (``sorted``), in the order of ``values``. Computed once per distinct name."""
    text = values.cast(pl.String)
    distinct = text.unique().drop_nulls()
    v = pl.col("v")
    frame = pl.DataFrame({"name": distinct, "plain": _steps(distinct, plain_text(v))})
    frame = frame.with_columns(stripped=_steps(frame.get_column("plain"), strip_legal_form(v)))
    frame = frame.with_columns(expanded=_steps(frame.get_column("stripped"), _words_replaced(v, ABBREVIATIONS)))
    frame = frame.with_columns(
        without=_steps(frame.get_column("expanded"), _words_replaced(v, dict.fromkeys(STOPWORDS, "")))
    )
    frame = frame.with_columns(key=_non_empty(pl.col("without"), pl.col("expanded"))).with_columns(
        key=_non_empty(pl.col("key"), pl.lit(None, pl.String))
    )
    frame = frame.select("name", "key", sorted_key(pl.col("key")).alias("sorted"))
    return pl.DataFrame({"name": text}).join(frame, on="name", how="left", maintain_order="left").drop("name")


def name_key(values: pl.Series) -> pl.Series:
    """The comparable key of each business name (see :func:`name_keys`).

    >>> name_key(pl.Series(["Fábrica de Hielo S.A.", "FCA. HIELO", None])).to_list()
    ['FABRICA HIELO', 'FABRICA HIELO', None]
    """
    return name_keys(values).get_column("key")


def sorted_key(key: pl.Expr) -> pl.Expr:
    """A key's words in alphabetical order (the comparison string of ``token_sort_ratio``)."""
    return key.str.split(" ").list.sort().list.join(" ")


def place_key(values: pl.Series) -> pl.Series:
    """The comparable key of each municipality or state name: plain text, abbreviations of places written out
    (``STA`` -> ``SANTA``, ``GRAL`` -> ``GENERAL``), null when empty."""
    places = {k: ABBREVIATIONS[k] for k in ("STA", "STO", "GRAL", "LIC")}
    v = pl.col("v")
    return _steps(values, plain_text(v), _words_replaced(v, places), _non_empty(v, pl.lit(None, pl.String)))
