"""The sections of the report and how they are built.

A report is a list of :class:`Section` objects, each produced by a *builder*: a
function that takes the :class:`~allyshore.report.context.ReportContext` (the
network, the options and the ready-made results of the analyses) and returns a
``Section``, or ``None`` when the section does not apply to this network (for
example no finished good has origin data). The builders are listed, as
functions, in :data:`allyshore.report.BUILDERS`, in the order their sections
appear.

Builders only draw: every analysis a section shows is run once, before any
section is built, by :func:`allyshore.report.analyses.run_analyses`, which puts
its result in the context (so a report can as well be rendered from stored
results).

How to add a section
--------------------
1. Put the analysis in the context: a field of
   :class:`~allyshore.report.context.ReportContext` holding its result (or the
   :class:`~allyshore.errors.AllyshoreError` it raised), filled in
   :func:`~allyshore.report.analyses.run_analyses`.
2. Write a builder in a module of ``src/allyshore/report/``, for example
   ``report/origin.py``::

       from allyshore.report.context import ReportContext, ready
       from allyshore.report.sections import Figure, Section

       def build(context: ReportContext) -> Section | None:
           result = ready(context.origin).network    # raises the analysis's error, if it had one
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
3. Register it with one line in :data:`allyshore.report.BUILDERS`, at the place the
   section should appear: ``origin.build,``.
4. Test it on a context of your own results, or of a network's:
   ``build_sections(run_analyses(network), [origin.build])``.

A builder that raises :class:`allyshore.errors.AllyshoreError` (as :func:`~allyshore.report.context.ready`
does for an analysis the user's data cannot support) yields a section that says so
instead of breaking the whole report; any other exception is a bug and propagates.

>>> Section(id="demo", title="Demo", html=Markup("<p>hi</p>")).anchor
'section-demo'
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from markupsafe import Markup, escape

from allyshore.conventions import Progress, stepper
from allyshore.errors import AllyshoreError

if TYPE_CHECKING:
    import jinja2

    from allyshore.report.context import ReportContext


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


_ENVIRONMENT: list[jinja2.Environment] = []


def environment() -> jinja2.Environment:
    """The Jinja2 environment of the report's templates (autoescape on, undefined names are errors)."""
    if not _ENVIRONMENT:
        import jinja2

        from allyshore.report import charts, formatting

        env = jinja2.Environment(
            loader=jinja2.PackageLoader("allyshore.report", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters.update(formatting.FILTERS)
        env.filters["ink"] = charts.ink  # text on a coloured background
        _ENVIRONMENT.append(env)
    return _ENVIRONMENT[0]


#: A section builder: the context in, the section (or None: the section does not apply) out.
Builder = Callable[["ReportContext"], "Section | None"]


def builder_name(builder: Builder) -> str:
    """``module:function`` of a builder, for messages."""
    return f"{getattr(builder, '__module__', '?')}:{getattr(builder, '__qualname__', repr(builder))}"


def failed_section(builder: Builder, error: AllyshoreError) -> Section:
    """The section shown in place of one whose analysis could not run on this network."""
    module = str(getattr(builder, "__module__", ""))
    parts = [p for p in module.split(".") if p not in ("allyshore", "report")]
    name = parts[-1] if parts else "section"
    html = Markup('<p class="notice notice-bad">This section could not be computed for this network: {}</p>').format(
        str(error)
    )
    return Section(id=f"{name}-unavailable", title=name.replace("_", " ").capitalize(), html=html)


def build_sections(
    context: ReportContext,
    builders: Sequence[Builder],
    *,
    progress: Progress | None = None,
) -> list[Section]:
    """Run ``builders`` (:data:`allyshore.report.BUILDERS` for the whole report) on ``context`` and collect the
    sections they return, in order.

    ``progress(done, len(builders))`` is called once after each builder (:data:`~allyshore.conventions.Progress`).
    """
    advance = stepper(progress, len(builders))
    sections: list[Section] = []
    seen: set[str] = set()
    for builder in builders:
        try:
            section = builder(context)
        except AllyshoreError as error:
            section = failed_section(builder, error)
        if section is not None:
            if section.id in seen:
                raise ValueError(f"two report sections share the id '{section.id}' ({builder_name(builder)})")
            seen.add(section.id)
            sections.append(section)
        if advance is not None:
            advance()
    return sections


def headline_figures(sections: Iterable[Section]) -> list[Figure]:
    """The figures the sections mark as headlines, for the top of the report."""
    return [f for s in sections for f in s.figures if f.headline]
