"""The data directory, where imported reference data lives (DENUE editions, world input-output tables).

One rule for every capability: the folder given (``--data-dir``), else ``$ALLYSHORE_DATA_DIR``, else the
per-user data folder of :mod:`platformdirs` (e.g. ``~/.local/share/allyshore`` on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

from platformdirs import user_data_dir

__all__ = ["DATA_DIR_ENV", "data_dir"]

#: The environment variable naming the data directory.
DATA_DIR_ENV: Final = "ALLYSHORE_DATA_DIR"


def data_dir(explicit: str | Path | None = None) -> Path:
    """The data directory: ``explicit``, else ``$ALLYSHORE_DATA_DIR``, else the per-user data folder."""
    if explicit is not None:
        return Path(explicit)
    env = os.environ.get(DATA_DIR_ENV)
    return Path(env) if env else Path(user_data_dir("allyshore", appauthor=False))
