"""Resilience: Simchi-Levi's time-to-recover / time-to-survive stress test and a Monte Carlo of disruptions.

:func:`stress_test` runs scenario sweeps (every site, every node, a set of
sites, a country or group of countries, a trust tier, a border crossing, and the
line-stopper sweep over purchased items) through the TTR and TTS linear programs
of :mod:`allyshore.resilience.linear_programs`, with stock in transit and, on request,
candidate sources (:mod:`allyshore.resilience.phased`); :func:`simulate` draws
disruptions per site and per country and prices each year with the TTR model. What they return is in
:mod:`allyshore.resilience.results`.
"""

from __future__ import annotations

from allyshore.resilience.candidates import CandidateTerms
from allyshore.resilience.linear_programs import Binding, Loss, ResilienceModel, Survival
from allyshore.resilience.montecarlo import simulate
from allyshore.resilience.phased import PhasedModel
from allyshore.resilience.results import LineStopper, ScenarioResult, SimulationResult, StressResult
from allyshore.resilience.scenarios import Scenario
from allyshore.resilience.stress import stress_test

__all__ = [
    "Binding",
    "CandidateTerms",
    "LineStopper",
    "Loss",
    "PhasedModel",
    "ResilienceModel",
    "Scenario",
    "ScenarioResult",
    "SimulationResult",
    "StressResult",
    "Survival",
    "simulate",
    "stress_test",
]
