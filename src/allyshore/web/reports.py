"""The report section(s) of a finished run, drawn by the report's own section builders from the run's result."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from allyshore.errors import AllyshoreError, NotFoundError

if TYPE_CHECKING:
    from allyshore.model import Network
    from allyshore.report import Builder
    from allyshore.results import Result


def _builders(analysis: str) -> tuple[Builder, ...]:
    from allyshore.report import (
        capacity_match,
        chokepoints,
        cost,
        exposure,
        origin,
        resilience,
        simulation,
        sourcing_plan,
        worldmap,
    )

    return {
        "exposure": (worldmap.build, exposure.build, chokepoints.build),
        "stress": (resilience.build,),
        "origin": (origin.build,),
        "cost": (cost.build,),
        "simulate": (simulation.build,),
        "optimize": (sourcing_plan.build,),
        "capacity-match": (capacity_match.build,),
    }.get(analysis, ())


def has_report(analysis: str) -> bool:
    return bool(_builders(analysis))


def render_run_report(
    analysis: str, network: Network, result: Result, builders: tuple[Builder, ...] | None = None
) -> str | None:
    """One HTML document with the report's sections of ``analysis`` drawn from ``result`` (None: the report has
    no section of that analysis); ``builders`` chooses some of the sections only."""
    import datetime as dt

    from allyshore.model.validate import check_network
    from allyshore.report import Report, render_report
    from allyshore.report.context import CostResults, OriginResults, PlanResults, ReportContext, StressResults
    from allyshore.report.sections import build_sections
    from allyshore.trust import assess_countries, load_policy

    builders = _builders(analysis) if builders is None else builders
    if not builders:
        return None
    missing = NotFoundError(f"not part of this {analysis} run")
    policy = load_policy()
    parts: dict[str, Any] = {"exposure": missing, "cost": None, "stress": None, "origin": missing}
    if analysis == "exposure":
        parts["exposure"] = result
    elif analysis == "stress":
        parts["stress"] = StressResults(sites=result)  # type: ignore[arg-type]
    elif analysis == "origin":
        parts["origin"] = OriginResults(network=result)  # type: ignore[arg-type]
    elif analysis == "cost":
        parts["cost"] = CostResults(network=result)  # type: ignore[arg-type]
    elif analysis == "simulate":
        parts["simulation"] = result
    elif analysis == "optimize":
        parts["plan"] = PlanResults(result=result, frontier_note="a run of the platform draws no frontier")  # type: ignore[arg-type]
    elif analysis == "capacity-match":
        parts["capacity_match"] = result
    validation: tuple[Any, ...] | AllyshoreError
    try:
        validation = tuple(check_network(network))
    except AllyshoreError as exc:
        validation = exc
    context = ReportContext(
        network=network,
        policy=policy,
        trust=assess_countries(policy),
        validation=validation,
        **parts,
    )
    sections = build_sections(context, builders)
    report = Report(
        network.name,
        f"{analysis} of {network.name}",
        tuple(sections),
        dt.datetime.now(dt.UTC).replace(microsecond=0),
    )
    return render_report(report)


def network_overview(network: Network) -> str:
    """The report's map and exposure summary of ``network`` (the exposure analysis with its defaults), as one HTML
    document: what the web page of a network shows before any run."""
    from allyshore.catalog import ExposureOptions, exposure
    from allyshore.report import exposure as exposure_section
    from allyshore.report import worldmap

    result = exposure(network, ExposureOptions())
    html = render_run_report("exposure", network, result, (worldmap.build, exposure_section.build))
    assert html is not None
    return html


MAIN_OPEN, MAIN_CLOSE = '<main class="wrap">', "</main>"


def report_body(html: str) -> str:
    """The sections of a report document (what its ``<main>`` holds: the key figures and the section cards), to
    show inside a web page; its styles and script are served beside the pages (``/static/report.css``, ``.js``)."""
    start = html.find(MAIN_OPEN)
    end = html.rfind(MAIN_CLOSE)
    if start < 0 or end < start:
        raise AllyshoreError("the stored report has no sections (it was not written by this version's report)")
    return html[start + len(MAIN_OPEN) : end]
