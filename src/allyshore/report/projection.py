"""The Robinson projection of the report's world map, vectorised.

Robinson (1974) is defined by a table of the parallels' relative length and
distance from the equator every 5 degrees; the values below are the table as
printed in J. P. Snyder and P. M. Voxland, *An Album of Map Projections*, USGS
Professional Paper 1453 (1989), p. 82-83; between the tabulated latitudes we
interpolate linearly (the error, well under a pixel at report scale, is
invisible). ``x = 0.8487 R X(phi) lambda``, ``y = 1.3523 R Y(phi)``.

The map canvas is :data:`WIDTH` units wide, centred on Greenwich, y downward.

>>> x, y = project([0.0, -180.0, 180.0], [0.0, 0.0, 90.0])
>>> [round(float(v), 1) for v in x], [round(float(v), 1) for v in y]
([500.0, 0.0, 766.1], [253.6, 253.6, 0.0])
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

_LATITUDES = np.arange(0.0, 91.0, 5.0)
_PARALLEL_LENGTH = np.array(
    [1.0000, 0.9986, 0.9954, 0.9900, 0.9822, 0.9730, 0.9600, 0.9427, 0.9216, 0.8962,
     0.8679, 0.8350, 0.7986, 0.7597, 0.7186, 0.6732, 0.6213, 0.5722, 0.5322]
)  # fmt: skip
_PARALLEL_DISTANCE = np.array(
    [0.0000, 0.0620, 0.1240, 0.1860, 0.2480, 0.3100, 0.3720, 0.4340, 0.4958, 0.5571,
     0.6176, 0.6769, 0.7346, 0.7903, 0.8435, 0.8936, 0.9394, 0.9761, 1.0000]
)  # fmt: skip

#: Width of the map canvas (the whole world, -180 to 180 degrees of longitude).
WIDTH = 1000.0
_RADIUS = WIDTH / (2 * 0.8487 * math.pi)
#: Height of the whole world (pole to pole) on the canvas.
HEIGHT = 2 * 1.3523 * _RADIUS


def project(
    lon: Sequence[float] | NDArray[np.float64], lat: Sequence[float] | NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Canvas coordinates (x right, y down) of points given in degrees."""
    lon_array = np.asarray(lon, dtype=np.float64)
    lat_array = np.clip(np.asarray(lat, dtype=np.float64), -90.0, 90.0)
    magnitude = np.abs(lat_array)
    length = np.interp(magnitude, _LATITUDES, _PARALLEL_LENGTH)
    distance = np.interp(magnitude, _LATITUDES, _PARALLEL_DISTANCE) * np.sign(lat_array)
    x = WIDTH / 2 + 0.8487 * _RADIUS * length * np.radians(lon_array)
    y = HEIGHT / 2 - 1.3523 * _RADIUS * distance
    return x, y


def parallel_width(y: float) -> float:
    """Canvas length of the whole parallel (360 degrees of longitude) through canvas height ``y``.

    >>> round(parallel_width(HEIGHT / 2), 1), round(parallel_width(0.0), 1)
    (1000.0, 532.2)
    """
    distance = abs(HEIGHT / 2 - y) / (1.3523 * _RADIUS)
    length = float(np.interp(min(distance, 1.0), _PARALLEL_DISTANCE, _PARALLEL_LENGTH))
    return WIDTH * length
