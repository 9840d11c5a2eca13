"""The HTML report: one self-contained page (inline CSS, SVG and JavaScript) that works offline.

A report is made in two steps. :func:`run_analyses` runs every analysis the
report shows, once, and returns the :class:`ReportContext` of their results;
the section builders of :data:`BUILDERS` then draw that context (see
:mod:`allyshore.report.sections` for how a capability adds a section), without
running any analysis. :func:`write_report` does both and writes ``index.html``
into a folder, atomically: the folder is assembled beside the target and
renamed into place, so a failure never leaves a half-written report.
:func:`write_context` writes the report of a context made earlier (or built
from stored results).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from markupsafe import Markup

from allyshore.conventions import Progress, progress_part
from allyshore.errors import InputError
from allyshore.model.network import Network
from allyshore.report import (
    chokepoints,
    cost,
    exposure,
    origin,
    overview,
    quality,
    resilience,
    sourcing_plan,
    worldmap,
)
from allyshore.report.analyses import analysis_steps, run_analyses
from allyshore.report.context import PlanSettings, ReportContext, ReportOptions
from allyshore.report.sections import Builder, Figure, Section, build_sections, environment, headline_figures

__all__ = [
    "BUILDERS",
    "Builder",
    "Figure",
    "PlanSettings",
    "Report",
    "ReportContext",
    "ReportOptions",
    "Section",
    "analyse_and_write",
    "build_report",
    "check_target",
    "render_context",
    "render_report",
    "report_steps",
    "run_analyses",
    "write_context",
    "write_report",
]

#: Builders of the report's sections, in the order the sections appear.
BUILDERS: tuple[Builder, ...] = (
    overview.build,
    worldmap.build,
    exposure.build,
    chokepoints.build,
    # Later capabilities register their section here, one line each, before data quality:
    resilience.build,
    origin.build,
    cost.build,
    sourcing_plan.build,
    quality.build,
)

#: A file written into every report folder; a folder holding other files is never replaced.
MARKER = ".allyshore-report"


@dataclass(frozen=True)
class Report:
    """A built report: its sections, ready to render."""

    network_name: str
    title: str
    sections: tuple[Section, ...]
    generated: dt.datetime
    subject: str = "Network"  # what network_name names, in the page's header line (e.g. "DENUE edition")

    @property
    def headline(self) -> list[Figure]:
        return headline_figures(self.sections)


def asset_text(name: str) -> str:
    """The text of a file in ``report/assets``."""
    return resources.files("allyshore.report").joinpath("assets", name).read_text(encoding="utf-8")


def report_steps(builders: Sequence[Builder] | None = None, options: ReportOptions | None = None) -> int:
    """Steps a progress bar over :func:`write_report` counts: each analysis, each section, the writing."""
    return analysis_steps(options) + len(BUILDERS if builders is None else builders) + 1


def render_context(
    context: ReportContext,
    builders: Sequence[Builder] | None = None,
    *,
    progress: Progress | None = None,
) -> Report:
    """Draw the sections of ``context`` (default :data:`BUILDERS`) and return the :class:`Report`.

    ``progress(done, total)`` is called after each section (:func:`build_sections`).
    """
    sections = build_sections(context, BUILDERS if builders is None else builders, progress=progress)
    network = context.network
    title = context.options.title or f"Ally-shoring report: {network.name}"
    return Report(network.name, title, tuple(sections), dt.datetime.now(dt.UTC).replace(microsecond=0))


def build_report(
    network: Network,
    options: ReportOptions | None = None,
    builders: Sequence[Builder] | None = None,
    *,
    progress: Progress | None = None,
) -> Report:
    """Run the analyses on ``network``, draw the sections and return the :class:`Report`.

    ``progress(done, total)`` is called after each analysis and each section.
    """
    analyses = analysis_steps(options)
    total = analyses + len(BUILDERS if builders is None else builders)
    context = run_analyses(network, options, progress=progress_part(progress, 0, total))
    return render_context(context, builders, progress=progress_part(progress, analyses, total))


def render_report(report: Report) -> str:
    """The report as one HTML document (styles and scripts inline)."""
    from allyshore import __version__

    template = environment().get_template("page.html.j2")
    return template.render(
        report=report,
        version=__version__,
        css=Markup(asset_text("report.css")),
        script=Markup(asset_text("report.js")),
    )


def check_target(out_dir: Path) -> None:
    """Raise :class:`InputError` unless ``out_dir`` may receive a report (new, empty, or an earlier report)."""
    if out_dir.exists() and not out_dir.is_dir():
        raise InputError(f"{out_dir}: exists and is not a folder; the report is written into a folder")
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
        raise InputError(
            f"{out_dir}: the folder is not empty and holds no earlier report; "
            "choose a new or empty folder (a report replaces the whole folder)"
        )


def write_context(
    context: ReportContext,
    out_dir: str | Path,
    builders: Sequence[Builder] | None = None,
    *,
    progress: Progress | None = None,
) -> Path:
    """Draw the report of ``context`` and write it into ``out_dir``; return the path of ``index.html``.

    The folder is written whole or not at all. An existing folder is replaced
    only when it is empty or holds an earlier report. ``progress(done, total)`` is
    called after each section and once more after writing.
    """
    from allyshore.io.writers import atomic_path

    out_dir = Path(out_dir)
    check_target(out_dir)
    total = len(BUILDERS if builders is None else builders) + 1
    report = render_context(context, builders, progress=progress_part(progress, 0, total))
    html = render_report(report)
    with atomic_path(out_dir, directory=True) as tmp:
        (tmp / "index.html").write_text(html, encoding="utf-8")
        (tmp / MARKER).write_text(f"allyshore report of {report.network_name}, {report.generated.isoformat()}\n")
    if progress is not None:
        progress(total, total)
    return out_dir / "index.html"


def write_report(
    network: Network,
    out_dir: str | Path,
    options: ReportOptions | None = None,
    builders: Sequence[Builder] | None = None,
    *,
    progress: Progress | None = None,
) -> Path:
    """Build the report of ``network`` and write it into ``out_dir``; return the path of ``index.html``.

    The analyses run first (:func:`run_analyses`), then the sections are drawn
    (``builders``, default :data:`BUILDERS`). The folder is written whole or not
    at all. An existing folder is replaced only when it is empty or holds an
    earlier report. ``options`` carries the title, the trust policy (every analysis
    of the report uses it), ``strict_duties`` and the sourcing plan to show (``plan``, a :class:`PlanSettings`).

    ``progress(done, total)`` is called after each analysis, each section and the
    writing (:func:`report_steps` steps in all).
    """
    return analyse_and_write(network, out_dir, options, builders, progress=progress)[1]


def analyse_and_write(
    network: Network,
    out_dir: str | Path,
    options: ReportOptions | None = None,
    builders: Sequence[Builder] | None = None,
    *,
    progress: Progress | None = None,
) -> tuple[ReportContext, Path]:
    """:func:`write_report`, returning the results the report was drawn from too (:class:`ReportContext`, e.g.
    for its unknown duties) with the path of ``index.html``."""
    check_target(Path(out_dir))  # before the analyses run: a refused folder costs nothing
    total = report_steps(builders, options)
    context = run_analyses(network, options, progress=progress_part(progress, 0, total))
    written = write_context(
        context, out_dir, builders, progress=progress_part(progress, analysis_steps(options), total)
    )
    return context, written
