"""The sections of the report and the registry of their builders.

A report is a list of :class:`Section` objects, each produced by a *builder*: a
function that takes the :class:`ReportContext` (the network, its trust table,
cached analysis results, the options) and returns a ``Section``, or ``None``
when the section does not apply to this network (for example no finished good
has origin data). Builders are named by dotted path in :data:`BUILDERS`, in the
order their sections appear; each is imported only when the report is built, so
a capability's section costs nothing until it is used.

How to add a section
--------------------
1. Write a builder in your capability's report module, for example
   ``src/allyshore/report/origin.py`` or ``src/allyshore/origin/report.py``::

       from allyshore.report.sections import Figure, ReportContext, Section

       def build(context: ReportContext) -> Section | None:
           result = context.analysis("origin", lambda: determine_network(context.network))
           if not result.goods:
               return None                      # nothing to show: no section
           html = context.render("origin.html.j2", result=result)   # or the helpers in report.charts
           return Section(
               id="origin",
               title="USMCA origin",
               html=html,
               lead="Whether each finished good qualifies for USMCA preference, and why.",
               figures=(Figure("Goods originating", "3 of 4"),),
           )

   Build the HTML with Jinja2 templates (``context.render`` renders a template from
   ``src/allyshore/report/templates/`` with autoescaping on) and the SVG chart
   helpers of :mod:`allyshore.report.charts` (``stacked_bars``, ``scatter``,
   ``tornado``, ``legend``; number formats in :mod:`allyshore.report.formatting`,
   also Jinja filters ``percent``, ``usd``, ``usd_whole``, ``number``, ``tier_label``); never concatenate user text into
   HTML unescaped (use :func:`markupsafe.escape`). Charts are inline SVG, the
   report must work offline: no external URLs, no CDN.
2. Register it with one line in :data:`BUILDERS` below, at the place the section
   should appear: ``"allyshore.report.origin:build",``.
3. Test it: ``build_sections(context, ["allyshore.report.origin:build"])``.

A builder that raises :class:`allyshore.errors.AllyshoreError` (a user's data
cannot support the analysis) yields a section that says so instead of breaking
the whole report; any other exception is a bug and propagates.

Use ``context.analysis(name, compute)`` for results that several sections share
(the exposure map is computed once for the overview, the map and the charts).

>>> Section(id="demo", title="Demo", html=Markup("<p>hi</p>")).anchor
'section-demo'
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from markupsafe import Markup, escape

from allyshore.errors import AllyshoreError, InputError

if TYPE_CHECKING:
    import jinja2

    from allyshore.model.network import Network

T = TypeVar("T")

#: Builders of the report's sections, in the order they appear ("module:function").
BUILDERS: list[str] = [
    "allyshore.report.overview:build",
    "allyshore.report.worldmap:build",
    "allyshore.report.exposure:build",
    "allyshore.report.chokepoints:build",
    # Later capabilities register their section here, one line each, before data quality:
    "allyshore.resilience.report:build",
    "allyshore.report.origin:build",
    "allyshore.cost.report:build",
    "allyshore.report.quality:build",
]


@dataclass(frozen=True)
class Figure:
    """One key figure shown in a section's header strip (and, if ``headline``, at the top of the report)."""

    label: str
    value: str
    note: str = ""
    tone: str = "neutral"  # neutral | good | warn | bad: colours the figure
    headline: bool = False


@dataclass(frozen=True)
class Section:
    """One section of the report: an anchor id, a title, and a ready HTML fragment.

    ``html`` must already be safe HTML (a :class:`markupsafe.Markup`, as
    :meth:`ReportContext.render` returns); plain strings are escaped.
    """

    id: str
    title: str
    html: Markup
    lead: str = ""
    figures: tuple[Figure, ...] = ()
    sources: tuple[str, ...] = ()  # data sources and assumptions behind the section, shown under it

    @property
    def anchor(self) -> str:
        return f"section-{self.id}"

    @property
    def safe_html(self) -> Markup:
        return self.html if isinstance(self.html, Markup) else escape(self.html)


@dataclass(frozen=True)
class ReportOptions:
    """What the user chose for the report."""

    title: str | None = None
    policy: Path | None = None  # a trust policy file (TOML); None = the default policy
    extra: Mapping[str, Any] = field(default_factory=dict)  # options of later sections, by name


@dataclass(frozen=True, eq=False)
class ReportContext:
    """Everything a section builder may use; analysis results are computed once and shared.

    ``trust`` is the country assessment of :mod:`allyshore.trust` under the
    chosen policy; ``context.tier_of(code)`` gives a country's trust tier.
    """

    network: Network
    options: ReportOptions = field(default_factory=ReportOptions)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False)

    def analysis(self, name: str, compute: Callable[[], T]) -> T:
        """The result of ``compute()``, computed on first use and cached under ``name``."""
        if name not in self._cache:
            self._cache[name] = compute()
        value: T = self._cache[name]
        return value

    @cached_property
    def policy(self) -> Any:
        trust = _trust_module()
        return trust.load_policy(self.options.policy) if self.options.policy is not None else trust.load_policy()

    @cached_property
    def trust(self) -> Any:
        trust = _trust_module()
        return self.analysis("trust", lambda: trust.assess_countries(self.policy))

    @property
    def exposure(self) -> Any:
        """The exposure map of :func:`allyshore.exposure` (shared by the overview, map and charts)."""
        import allyshore

        return self.analysis("exposure", lambda: allyshore.exposure(self.network, self.policy))

    def exposure_dict(self) -> dict[str, Any]:
        """``exposure.to_dict()``, computed once."""
        result: dict[str, Any] = self.analysis("exposure_dict", lambda: self.exposure.to_dict())
        return result

    def tier_of(self, country: str) -> str:
        return str(self.trust.tier_of(country))

    @cached_property
    def tiers(self) -> tuple[str, ...]:
        trust = _trust_module()
        return tuple(trust.TIERS)

    @cached_property
    def tier_colors(self) -> dict[str, str]:
        trust = _trust_module()
        return dict(trust.TIER_COLORS)

    def render(self, template: str, **values: Any) -> Markup:
        """Render a template of ``report/templates`` (autoescaped) to a safe HTML fragment."""
        return Markup(environment().get_template(template).render(context=self, **values))


def _trust_module() -> Any:
    """:mod:`allyshore.trust`, imported on first use (tiers, colours, the country assessment)."""
    return importlib.import_module("allyshore.trust")


_ENVIRONMENT: list[jinja2.Environment] = []


def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report's templates (autoescape on, undefined names are errors)."""
    if not _ENVIRONMENT:
        import jinja2

        from allyshore.report import formatting

        env = jinja2.Environment(
            loader=jinja2.PackageLoader("allyshore.report", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(formatting.FILTERS)
        _ENVIRONMENT.append(env)
    return _ENVIRONMENT[0]


def resolve_builder(dotted: str) -> Callable[[ReportContext], Section | None]:
    """Import ``"package.module:function"`` and return the function."""
    module_name, _, attribute = dotted.partition(":")
    if not module_name or not attribute:
        raise InputError(f"report section builder '{dotted}' is not of the form 'package.module:function'")
    module = importlib.import_module(module_name)
    builder = getattr(module, attribute, None)
    if not callable(builder):
        raise InputError(f"report section builder '{dotted}': {module_name} has no function '{attribute}'")
    return builder  # type: ignore[no-any-return]


def failed_section(dotted: str, error: AllyshoreError) -> Section:
    """The section shown in place of one whose analysis could not run on this network."""
    parts = [p for p in dotted.partition(":")[0].split(".") if p not in ("allyshore", "report")]
    name = parts[-1] if parts else "section"
    html = Markup('<p class="notice notice-bad">This section could not be computed for this network: {}</p>').format(
        str(error)
    )
    return Section(id=f"{name}-unavailable", title=name.replace("_", " ").capitalize(), html=html)


def build_sections(
    context: ReportContext,
    builders: Sequence[str] | None = None,
    advance: Callable[[], None] | None = None,
) -> list[Section]:
    """Run every builder (default :data:`BUILDERS`) and collect the sections they return, in order.

    ``advance`` is called once after each builder (a progress bar's step).
    """
    sections: list[Section] = []
    seen: set[str] = set()
    for dotted in BUILDERS if builders is None else builders:
        builder = resolve_builder(dotted)
        try:
            section = builder(context)
        except AllyshoreError as error:
            section = failed_section(dotted, error)
        if section is not None:
            if section.id in seen:
                raise ValueError(f"two report sections share the id '{section.id}' ({dotted})")
            seen.add(section.id)
            sections.append(section)
        if advance is not None:
            advance()
    return sections


def headline_figures(sections: Iterable[Section]) -> list[Figure]:
    """The figures the sections mark as headlines, for the top of the report."""
    return [f for s in sections for f in s.figures if f.headline]
