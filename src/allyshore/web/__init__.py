"""The allyshore platform: a web API where a team uploads networks, runs every analysis as a job with progress,
and keeps its results apart from other organisations (docs/platform.md).

:func:`create_app` makes the FastAPI application; ``allyshore serve`` runs it under uvicorn with the embedded
job runner, ``allyshore worker`` runs jobs beside a PostgreSQL server.
"""

from __future__ import annotations

from allyshore.web.app import Settings, create_app

__all__ = ["Settings", "create_app"]
