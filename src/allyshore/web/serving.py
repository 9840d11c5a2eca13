"""The application as ``allyshore serve`` starts it in each server process: uvicorn starts its worker processes
from an import path (``allyshore.web.serving:app_from_environment``, a factory), so the settings travel in the
environment (:data:`SETTINGS_ENV`, JSON), written by :func:`serve_settings` before uvicorn starts."""

from __future__ import annotations

import dataclasses
import json
import os

from fastapi import FastAPI

from allyshore.web.app import Settings, create_app

SETTINGS_ENV = "ALLYSHORE_SERVE_SETTINGS"


def serve_settings(settings: Settings) -> None:
    """Put ``settings`` where :func:`app_from_environment` of each server process reads them."""
    values = dataclasses.asdict(settings)
    values.pop("upload_limits", None)  # the default limits: not a setting of the command line
    os.environ[SETTINGS_ENV] = json.dumps(values)


def app_from_environment() -> FastAPI:
    """The application on the settings :func:`serve_settings` wrote."""
    text = os.environ.get(SETTINGS_ENV)
    if not text:
        raise RuntimeError(f"${SETTINGS_ENV} is not set: start the server with `allyshore serve`")
    return create_app(Settings(**json.loads(text)))
