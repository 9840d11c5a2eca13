"""The one exception tree of allyshore.

Every error the library raises on purpose derives from :class:`AllyshoreError`;
the command line and, later, the HTTP API translate it once into a message for
people (exit code 1) instead of a traceback::

    AllyshoreError
    ├── InputError             a file or value the user gave is wrong
    │   ├── ValidationError    a network (or case) fails validation; holds every Problem
    │   └── UnknownDutyError   a costing has duties the tariff tables cannot give (--strict-duties)
    ├── NotFoundError          a named thing (sample, item, site, country) does not exist
    ├── PolicyError            a trust policy or assumptions file is wrong
    └── SolverError            the optimisation backend failed
        ├── Infeasible
        └── Unbounded
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One located problem in user input.

    ``row`` counts as the user sees it: in a CSV file or a sheet the header is
    row 1, so the first data row is row 2; in a JSON document it is the 1-based
    position of the record in its list.
    """

    table: str
    message: str
    row: int | None = None
    column: str | None = None
    hint: str | None = None
    source: str | None = None
    severity: str = "error"

    def where(self) -> str:
        place = self.source or self.table
        parts = [place]
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def __str__(self) -> str:
        text = f"{self.where()}: {self.message}"
        if self.hint:
            text += f" (hint: {self.hint})"
        return text

    def to_dict(self) -> dict[str, object]:
        return {
            "severity": self.severity,
            "table": self.table,
            "source": self.source,
            "row": self.row,
            "column": self.column,
            "message": self.message,
            "hint": self.hint,
        }


class AllyshoreError(Exception):
    """Base of every error allyshore raises on purpose."""


class InputError(AllyshoreError):
    """A file, an option or a value given by the user is wrong."""


class ValidationError(InputError):
    """Input fails validation; ``problems`` lists every problem found, not just the first."""

    def __init__(self, problems: Iterable[Problem], what: str = "network") -> None:
        self.problems = tuple(problems)
        self.what = what
        errors = [p for p in self.problems if p.severity == "error"]
        lines = [f"{len(errors)} problem(s) in the {what}:"]
        lines += [f"  - {p}" for p in errors]
        super().__init__("\n".join(lines))


class UnknownDutyError(InputError):
    """Duties the tariff tables cannot determine, with strict duties asked for; ``unknown`` lists them."""

    def __init__(self, unknown: Iterable[object], what: str = "costing") -> None:
        self.unknown = tuple(unknown)
        shown = [f"  - {u}" for u in self.unknown[:10]]
        more = len(self.unknown) - len(shown)
        lines = [
            f"{len(self.unknown)} duty(ies) of the {what} cannot be determined (strict duties: unknown is an error):",
            *shown,
            *([f"  ... and {more} more (--json lists them all without --strict-duties)"] if more > 0 else []),
            "Give 8- or 10-digit HTS codes, weight_kg or metal_content_share where asked, or add tariff rows "
            "(docs/tariffs.md); or run without --strict-duties to cost them as 0 and list them.",
        ]
        super().__init__("\n".join(lines))


class NotFoundError(AllyshoreError):
    """A named thing (sample, item, site, country, rule) does not exist."""


class PolicyError(AllyshoreError):
    """A policy or assumptions file is malformed."""


class SolverError(AllyshoreError):
    """The optimisation backend failed."""


class Infeasible(SolverError):
    """The model has no feasible solution."""


class Unbounded(SolverError):
    """The model's objective is unbounded."""
