"""Array types of the compiled network, and the one index helper every kernel shares."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


def ranges(starts: IntArray, ends: IntArray) -> IntArray:
    """``starts[i]:ends[i]`` for every i, concatenated (empty ranges allowed).

    >>> ranges(np.array([2, 7, 0]), np.array([4, 7, 1])).tolist()
    [2, 3, 0]
    """
    lengths = ends - starts
    offsets = np.cumsum(lengths) - lengths
    return np.repeat(starts - offsets, lengths) + np.arange(int(lengths.sum()), dtype=np.int64)
