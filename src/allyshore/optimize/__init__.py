"""The ally-shoring plan: which sources, in what shares, balance landed cost, trust, USMCA origin and resilience.

:func:`optimize` chooses, for every (item, receiving site), the share of its need taken from each active and
candidate flow, minimising the landed cost a year (plus qualification and priced risk) under the constraints its
options name; :func:`pareto` sweeps one of them. See docs/optimize.md.

* :mod:`~allyshore.optimize.blocks`: the share variables and the named blocks of rows the model is made of;
* :mod:`~allyshore.optimize.choices`: the choices of a network, priced by the landed-cost engine;
* :mod:`~allyshore.optimize.value`: value shares by country and tier, linear in the shares;
* :mod:`~allyshore.optimize.constraints`: the plan's own constraint families;
* :mod:`~allyshore.optimize.origin_rows`, :mod:`~allyshore.optimize.resilience_rows`: USMCA origin and resilience;
* :mod:`~allyshore.optimize.model`: assembly, solve, shadow prices and conflicts;
* :mod:`~allyshore.optimize.plan`: the public function and the optimised network;
* :mod:`~allyshore.optimize.pareto`: the frontier;
* :mod:`~allyshore.optimize.results`: the results.
"""

from __future__ import annotations

from allyshore.optimize.options import PlanOptions
from allyshore.optimize.results import OptimizeResult, ParetoResult

from allyshore.optimize.plan import apply_plan, optimize  # isort: skip
from allyshore.optimize.pareto import pareto  # isort: skip  (the function, over the submodule's name)

__all__ = ["OptimizeResult", "ParetoResult", "PlanOptions", "apply_plan", "optimize", "pareto"]
