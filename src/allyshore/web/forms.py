"""The web pages' form of each analysis: its main options (the command line's names), read back into the options
:func:`allyshore.catalog.parse_options` checks, exactly as the API's ``{"analysis", "options"}`` body.

An empty field is left out (the command's default applies, shown as the field's placeholder); a ticked box is
``true``. Only options whose default is ``false`` are boxes, so that leaving a box unticked always means the
default. Options that are lists on the command line (``--sites A1,A2``) take the same comma-separated text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from allyshore.catalog import ANALYSES


@dataclass(frozen=True)
class Option:
    """One field of an analysis's form: the option's command-line name, a label, and the kind of input."""

    name: str
    label: str
    kind: Literal["number", "text", "date", "checkbox", "select"] = "text"
    choices: tuple[str, ...] = ()
    hint: str = ""
    step: str = "any"
    listed: bool = False  # a list option: comma-separated text

    @property
    def field(self) -> str:
        """The model field the option fills (underscores)."""
        return self.name.replace("-", "_")

    def default(self, analysis: str) -> Any:
        """The command's default of the option (None: none, or a list)."""
        info = ANALYSES[analysis].options.model_fields[self.field]
        return None if info.default_factory is not None else info.default


@dataclass(frozen=True)
class AnalysisForm:
    """An analysis as the network page offers it: a title, what it does, and its main options."""

    analysis: str
    title: str
    lead: str
    options: tuple[Option, ...]

    @property
    def command(self) -> str:
        return ANALYSES[self.analysis].command

    def placeholder(self, option: Option) -> str:
        default = option.default(self.analysis)
        return "" if default is None or option.kind in ("checkbox", "select") else f"default {default}"


AS_OF = Option("as-of", "As of (date)", "date", hint="the rules and duties in force that day; default today")

FORMS: tuple[AnalysisForm, ...] = (
    AnalysisForm(
        "exposure",
        "Exposure",
        "Where the value of each finished good comes from, by country and trust tier, and the choke points.",
        (Option("choke-points", "Choke points listed", "number", step="1"),),
    ),
    AnalysisForm(
        "origin",
        "Origin",
        "Whether each finished good originates under the USMCA rules of origin.",
        (
            Option("good", "Finished good (item id)", hint="empty: every finished good"),
            AS_OF,
            Option("designate", "Intermediate materials", "select", ("given", "none", "all", "auto")),
        ),
    ),
    AnalysisForm(
        "cost",
        "Landed cost",
        "Landed cost per unit of each source against the best candidate.",
        (AS_OF, Option("strict-duties", "Strict duties (unknown duty rates are errors)", "checkbox")),
    ),
    AnalysisForm(
        "stress",
        "Stress test",
        "Lose sites (or a country, tier or crossing) and measure the output lost and the time to survive.",
        (
            Option("by", "Disrupt each", "select", ("site", "node")),
            Option("sites", "Sites", hint="comma-separated site ids; empty: each site in turn", listed=True),
            Option("country", "Countries", hint="comma-separated ISO codes", listed=True),
            Option("ttr-weeks", "Time to recover (weeks)", "number"),
            Option("inventory-destroyed", "Inventory at the sites is destroyed", "checkbox"),
            Option("with-candidates", "Qualify candidate sources", "checkbox"),
        ),
    ),
    AnalysisForm(
        "simulate",
        "Simulation",
        "Monte Carlo disruptions drawn from each site's risks.",
        (
            Option("runs", "Runs", "number", step="1"),
            Option("seed", "Seed", "number", step="1"),
            Option("with-candidates", "Qualify candidate sources", "checkbox"),
        ),
    ),
    AnalysisForm(
        "optimize",
        "Sourcing plan",
        "The cheapest sourcing that meets the constraints.",
        (
            AS_OF,
            Option("min-trusted-share", "Least trusted share (0 to 1)", "number"),
            Option("max-changes", "Most changes", "number", step="1"),
            Option("no-adversary", "No adversary sources", "checkbox"),
            Option("require-capacity", "Leave out candidates with no capacity", "checkbox"),
            Option("resilience", "Keep output when a site is lost", "checkbox"),
        ),
    ),
    AnalysisForm(
        "capacity-match",
        "Capacity match",
        "Mexican establishments (DENUE) near each site able to make its items.",
        (
            Option("within-km", "Within (km)", "number"),
            Option("near", "Near (site id)"),
            Option("min-employees", "Least employees", "number", step="1"),
            Option("top", "Candidates per item", "number", step="1"),
        ),
    ),
)
FORM_OF = {form.analysis: form for form in FORMS}


def form_options(analysis: str, form: Mapping[str, Any]) -> dict[str, Any]:
    """The options a submitted form of ``analysis`` gives (empty fields left out), for ``parse_options``."""
    options: dict[str, Any] = {}
    for option in FORM_OF[analysis].options:
        raw = form.get(option.name)
        if option.kind == "checkbox":
            if raw is not None:
                options[option.name] = True
            continue
        text = str(raw).strip() if isinstance(raw, str) else ""
        if text:
            options[option.name] = [text] if option.listed else text
    return options
