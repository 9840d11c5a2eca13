"""Multi-tier exposure map: where the value of each finished good originates.

:func:`exposure` rolls the bill of materials and the sourcing shares of every finished good down to the raw
sources (:mod:`allyshore.exposure.analysis`, which documents the decomposition) and returns an
:class:`ExposureResult`: one :class:`GoodExposure` per good, the ranked :class:`ChokePoint` sites and the
data-quality findings.

``allyshore.exposure`` is the function (the package's lazy public name); import the names of this package
with ``from allyshore.exposure import ...``.
"""

from __future__ import annotations

from allyshore.exposure.analysis import ChokePoint, ExposureResult, GoodExposure, exposure, exposure_of_graph

__all__ = ["ChokePoint", "ExposureResult", "GoodExposure", "exposure", "exposure_of_graph"]
