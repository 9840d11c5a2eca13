"""Write a file or folder all at once: to a temporary path beside the target, then renamed into place.

A reader sees the old file or the new one, never a half-written one. The temporary path
is named ``.TARGET.PID-RANDOM.allyshore-tmp`` in the target's folder: a failure removes it
at once, and one left by a process that was killed (``kill -9``, power loss) is removed by
the next write to the same target (when its process is no longer running). The file
written gets the mode a plain ``open()`` would give it: the mode of the file it replaces,
else ``0o666`` (folders ``0o777``) less the umask, never the ``0o600`` of a temporary file.

A folder is replaced in two renames (the old one moved aside to ``.TARGET.allyshore-old``,
the new one moved in); if the process dies between them, the next write puts the old
folder back before it starts.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["TEMP_SUFFIX", "atomic_path", "atomic_write_bytes", "remove_stale_temps"]

TEMP_SUFFIX = ".allyshore-tmp"
OLD_SUFFIX = ".allyshore-old"


def current_umask() -> int:
    """The process umask, read without changing it where the system allows (Linux ``/proc``)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore at once (the only portable way to read it)
    os.umask(mask)
    return mask


def _final_mode(target: Path, directory: bool) -> int:
    try:
        existing = target.stat()
    except OSError:
        return (0o777 if directory else 0o666) & ~current_umask()
    return stat.S_IMODE(existing.st_mode)


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def remove_stale_temps(target: Path) -> list[Path]:
    """Remove the temporary files of earlier writes to ``target`` whose process is gone; put back a folder
    moved aside by a folder write that was cut off between its two renames. Returns what was removed."""
    folder = target.parent
    if not folder.is_dir():
        return []
    old = folder / f".{target.name}{OLD_SUFFIX}"
    if old.is_dir() and not target.exists():
        old.rename(target)  # the new folder never arrived: the old one is the last good copy
    pattern = re.compile(re.escape(f".{target.name}.") + r"(\d+)-[^/]*" + re.escape(TEMP_SUFFIX) + "$")
    removed = []
    for entry in folder.iterdir():
        found = pattern.match(entry.name)
        if found is not None and not _running(int(found.group(1))):
            _remove(entry)
            removed.append(entry)
    if old.exists():
        _remove(old)
        removed.append(old)
    return removed


@contextmanager
def atomic_path(target: Path, directory: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target`` (a file, or with ``directory`` an empty folder); move it onto
    ``target`` only when the block ends without an error, with the mode described in the module notes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(target)
    mode = _final_mode(target, directory)
    prefix = f".{target.name}.{os.getpid()}-"
    if directory:
        tmp = Path(tempfile.mkdtemp(prefix=prefix, suffix=TEMP_SUFFIX, dir=target.parent))
    else:
        fd, name = tempfile.mkstemp(prefix=prefix, suffix=TEMP_SUFFIX, dir=target.parent)
        os.close(fd)
        tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, mode)
        if directory and target.exists():
            old = target.with_name(f".{target.name}{OLD_SUFFIX}")
            target.rename(old)
            tmp.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, target)
    except BaseException:
        _remove(tmp)
        raise


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` all at once (see :func:`atomic_path`)."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
