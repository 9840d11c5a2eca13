"""Multi-tier exposure map: where the value of each finished good originates.

:func:`exposure` rolls the bill of materials and the sourcing shares of every finished good down to the raw
sources and returns an :class:`ExposureResult`: one :class:`GoodExposure` per good, the ranked
:class:`ChokePoint` sites and the data-quality findings.

* :mod:`~allyshore.exposure.analysis`: the roll-up per good (the decomposition is documented there);
* :mod:`~allyshore.exposure.chokepoints`: the sites that feed the goods, ranked;
* :mod:`~allyshore.exposure.findings`: missing prices, clipped margins, goods without value;
* :mod:`~allyshore.exposure.results`: the result classes.

``allyshore.exposure`` is the function (a lazy public name of the package, which this subpackage does not
replace); import this package's names with ``from allyshore.exposure import ...``.
"""

from __future__ import annotations

from allyshore.exposure.analysis import exposure, exposure_of_graph
from allyshore.exposure.results import ChokePoint, ExposureResult, GoodExposure

__all__ = ["ChokePoint", "ExposureResult", "GoodExposure", "exposure", "exposure_of_graph"]
