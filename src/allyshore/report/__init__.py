"""The HTML report: one self-contained page (inline CSS, SVG and JavaScript) that works offline.

:func:`write_report` builds every registered section (see
:mod:`allyshore.report.sections` for how a capability adds one) and writes
``index.html`` into a folder, atomically: the folder is assembled beside the
target and renamed into place, so a failure never leaves a half-written report.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from markupsafe import Markup

from allyshore.errors import InputError
from allyshore.model.network import Network
from allyshore.report.sections import (
    BUILDERS,
    Figure,
    ReportContext,
    ReportOptions,
    Section,
    build_sections,
    environment,
    headline_figures,
)

__all__ = [
    "BUILDERS",
    "Figure",
    "Report",
    "ReportContext",
    "ReportOptions",
    "Section",
    "build_report",
    "check_target",
    "render_report",
    "write_report",
]

#: A file written into every report folder; a folder holding other files is never replaced.
MARKER = ".allyshore-report"


@dataclass(frozen=True)
class Report:
    """A built report: its sections, ready to render."""

    network_name: str
    title: str
    sections: tuple[Section, ...]
    generated: dt.datetime

    @property
    def headline(self) -> list[Figure]:
        return headline_figures(self.sections)


def asset_text(name: str) -> str:
    """The text of a file in ``report/assets``."""
    return resources.files("allyshore.report").joinpath("assets", name).read_text(encoding="utf-8")


def build_report(
    network: Network,
    options: ReportOptions | None = None,
    builders: Sequence[str] | None = None,
    advance: Callable[[], None] | None = None,
) -> Report:
    """Run the section builders on ``network`` and return the :class:`Report`."""
    options = options or ReportOptions()
    context = ReportContext(network=network, options=options)
    sections = build_sections(context, builders, advance=advance)
    title = options.title or f"Ally-shoring report: {network.name}"
    return Report(network.name, title, tuple(sections), dt.datetime.now(dt.UTC).replace(microsecond=0))


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


def write_report(
    network: Network,
    out_dir: str | Path,
    options: ReportOptions | None = None,
    builders: Sequence[str] | None = None,
    advance: Callable[[], None] | None = None,
) -> Path:
    """Build the report of ``network`` and write it into ``out_dir``; return the path of ``index.html``.

    The folder is written whole or not at all. An existing folder is replaced
    only when it is empty or holds an earlier report.

    ``advance`` is called after each section is built (for a progress bar over
    ``len(BUILDERS) + 1`` steps; the last step is writing).
    """
    from allyshore.io.writers import atomic_path

    out_dir = Path(out_dir)
    check_target(out_dir)
    report = build_report(network, options, builders, advance=advance)
    html = render_report(report)
    with atomic_path(out_dir, directory=True) as tmp:
        (tmp / "index.html").write_text(html, encoding="utf-8")
        (tmp / MARKER).write_text(f"allyshore report of {network.name}, {report.generated.isoformat()}\n")
        tmp.chmod(0o755)
    if advance is not None:
        advance()
    return out_dir / "index.html"
