"""Reading an uploaded network: limits first, then the same reader and validator as ``allyshore validate``.

The upload is written to a private temporary folder under a fixed name (never the caller's file name, which is
kept only as a label), read with tight :class:`~allyshore.io.limits.ReadLimits` (file size, zip entries, unpacked
size and ratio: a zip bomb is refused before it is unpacked), and validated. Workbook formulas are never
evaluated: the XLSX reader takes the values the file stores (see :mod:`allyshore.io.readers`). Nothing is stored
unless the network is valid.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import IO, Any

from allyshore.errors import InputError, Problem, ValidationError
from allyshore.io.limits import ReadLimits

SUFFIXES = (".xlsx", ".json", ".zip")
#: Each upload is read in a private folder ``PREFIX<pid>-<random>`` of the temporary folder, removed when it is
#: read; :func:`sweep_orphans` removes those of a process killed meanwhile, when the server starts again.
UPLOAD_FOLDER_PREFIX = "allyshore-upload-"
_MB = 1024 * 1024
#: The web's bounds on one upload (each may be lowered or raised by the server's settings).
UPLOAD_LIMITS = ReadLimits(
    max_file_bytes=25 * _MB,
    max_unpacked_bytes=100 * _MB,
    max_zip_ratio=100,
    max_zip_entries=64,
    max_json_depth=32,
    max_columns=200,
)


class UploadTooLarge(InputError):
    """The upload is larger than the server accepts."""


class InvalidUpload(InputError):
    """The upload is not a valid network; ``problems`` lists every problem found."""

    def __init__(self, message: str, problems: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class ReadNetwork:
    name: str
    filename: str
    network_json: str
    summary: dict[str, int]


def safe_filename(name: str | None) -> str:
    """The caller's file name as a label: its last part, printable characters only, at most 200."""
    base = PurePath((name or "").replace("\\", "/")).name
    cleaned = "".join(ch for ch in base if ch.isprintable())[:200]
    return cleaned or "upload"


def problem_dict(problem: Problem, folder: Path, filename: str) -> dict[str, Any]:
    """A problem as the API shows it: the file (as the caller named it, or the CSV inside their zip), row,
    column, message and hint."""
    text = str(problem.source or problem.table).replace(str(folder) + "/", "")
    stored = "upload" + PurePath(filename).suffix.lower()
    if text.startswith(stored):
        text = filename + text[len(stored) :]
    return {
        "file": text,
        "row": problem.row,
        "column": problem.column,
        "message": problem.message.replace(str(folder / stored), filename),
        "hint": problem.hint,
        "severity": problem.severity,
    }


def read_upload(stream: IO[bytes], filename: str | None, limits: ReadLimits = UPLOAD_LIMITS) -> ReadNetwork:
    """Read, bound and validate one uploaded network; its canonical JSON and table counts.

    Raises
    ------
    UploadTooLarge
        More bytes than ``limits.max_file_bytes``.
    InvalidUpload
        Not a network: an unknown format, or every problem ``allyshore validate`` finds (errors; warnings do
        not refuse a network).
    """
    from allyshore.io import load_network, validate_path, write_network

    label = safe_filename(filename)
    suffix = PurePath(label).suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidUpload(
            f"{label}: not a network file",
            [
                {
                    "file": label,
                    "row": None,
                    "column": None,
                    "message": f"unknown format {suffix or '(none)'}",
                    "hint": "upload an .xlsx workbook, a .json network or a .zip of the CSV folder",
                    "severity": "error",
                }
            ],
        )
    with tempfile.TemporaryDirectory(prefix=f"{UPLOAD_FOLDER_PREFIX}{os.getpid()}-") as tmp:
        folder = Path(tmp)
        path = folder / f"upload{suffix}"
        size = 0
        with path.open("wb") as out:
            while chunk := stream.read(1024 * 1024):
                size += len(chunk)
                if size > limits.max_file_bytes:
                    raise UploadTooLarge(
                        f"{label}: larger than the {limits.max_file_bytes // _MB} MB an upload may be"
                    )
                out.write(chunk)
        try:
            problems = validate_path(path, limits=limits)
        except InputError as exc:
            raise InvalidUpload(
                f"{label}: cannot be read",
                [{"file": label, "row": None, "column": None, "message": str(exc).replace(str(path), label),
                  "hint": None, "severity": "error"}],
            ) from None
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise InvalidUpload(
                f"{label}: {len(errors)} problem(s)", [problem_dict(p, folder, label) for p in errors]
            )
        try:
            network = load_network(path, limits=limits)
        except ValidationError as exc:
            raise InvalidUpload(
                f"{label}: not a valid network", [problem_dict(p, folder, label) for p in exc.problems]
            ) from None
        canonical = folder / "canonical.json"
        write_network(network, canonical)
        text = canonical.read_text(encoding="utf-8")
    summary = {name: frame.height for name, frame in network.tables.items()}
    return ReadNetwork(name=network_name(label), filename=label, network_json=text, summary=summary)


def sweep_orphans(folder: Path | None = None) -> int:
    """Remove the upload folders (``allyshore-upload-PID-...`` in the temporary folder) that a killed server
    process left behind (its process is gone); how many. A process's own folders and a live one's are kept."""
    import shutil

    from allyshore.web.processes import pid_alive

    removed = 0
    for path in (folder or Path(tempfile.gettempdir())).glob(f"{UPLOAD_FOLDER_PREFIX}*-*"):
        pid = path.name.removeprefix(UPLOAD_FOLDER_PREFIX).split("-", 1)[0]
        if path.is_dir() and pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed


def network_name(filename: str) -> str:
    """The network's name, as the command line names a network read from a file of this name: its stem (made
    safe as a file name: letters, digits, ``-_.`` and spaces)."""
    stem = PurePath(filename).stem
    cleaned = "".join(ch for ch in stem if ch.isalnum() or ch in "-_. ").strip(" .")
    return cleaned[:120] or "network"


def network_from_json(text: str, name: str) -> Any:
    """The stored network back (read by the same reader, from a private temporary file)."""
    from allyshore.io import load_network

    json.loads(text)  # stored by read_upload: always JSON; fail early and plainly if not
    with tempfile.TemporaryDirectory(prefix="allyshore-run-") as tmp:
        path = Path(tmp) / f"{network_name(name + '.json')}.json"  # the file's stem is the network's name
        path.write_text(text, encoding="utf-8")
        network = load_network(path)
    return network
