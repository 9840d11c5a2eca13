"""Resilience: Simchi-Levi's time-to-recover / time-to-survive stress test and a Monte Carlo of disruptions.

:func:`stress_test` runs scenario sweeps (every site, every node, a set of
sites, a country, a border crossing) through the TTR and TTS linear programs of
:mod:`allyshore.resilience.model`; :func:`simulate` draws disruptions per site
and per country and prices each year with the TTR model.
"""

from __future__ import annotations

from allyshore.resilience.model import Binding, Loss, ResilienceModel, Survival
from allyshore.resilience.montecarlo import SimulationResult, simulate
from allyshore.resilience.scenarios import Scenario
from allyshore.resilience.stress import ScenarioResult, StressResult, stress_test

__all__ = [
    "Binding",
    "Loss",
    "ResilienceModel",
    "Scenario",
    "ScenarioResult",
    "SimulationResult",
    "StressResult",
    "Survival",
    "simulate",
    "stress_test",
]
