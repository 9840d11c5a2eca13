"""Reading a settings or document file given by the user (TOML policies and assumptions, JSON parties, tariff
tables) as text: whole, or a clear error.

The file must be a readable file within the size limit (:class:`allyshore.io.limits.ReadLimits`), and its text
UTF-8 (with or without a byte-order mark; UTF-16 and UTF-32 are read when they start with their byte-order
mark, which says their encoding for certain). Any other bytes are refused with the offset of the first one,
never decoded with replacement characters: TOML is UTF-8 by its specification, and a guessed encoding could
change a name in silence.
"""

from __future__ import annotations

from pathlib import Path

from allyshore.errors import AllyshoreError, InputError
from allyshore.io.limits import ReadLimits, check_file_size

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def read_text_file(
    path: str | Path, what: str, *, error: type[AllyshoreError] = InputError, limits: ReadLimits | None = None
) -> str:
    """The text of the ``what`` file at ``path``, or ``error`` naming the file and what to do.

    >>> import tempfile, os
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = Path(folder, "a.toml").write_bytes(b"name = 'Jos\\xe9'")
    ...     read_text_file(Path(folder, "a.toml"), "policy")
    Traceback (most recent call last):
    ...
    allyshore.errors.InputError: ...a.toml: the policy file is not UTF-8 text (byte 11 is 0xe9); save it as UTF-8
    """
    file = Path(path)
    try:
        if file.is_dir():
            raise error(f"{file}: a folder, not a {what} file")
        check_file_size(file, limits or ReadLimits.from_env())
        data = file.read_bytes()
    except FileNotFoundError:
        raise error(f"{file}: cannot read the {what} file: no such file") from None
    except OSError as exc:
        raise error(f"{file}: cannot read the {what} file ({exc.strerror or exc})") from None
    except InputError as exc:
        raise error(str(exc)) from None
    encoding = next((codec for bom, codec in _BOMS if data.startswith(bom)), "utf-8")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise error(
            f"{file}: the {what} file is not {encoding.upper().replace('-SIG', '')} text (byte {exc.start} is "
            f"0x{data[exc.start]:02x}); save it as UTF-8"
        ) from None


__all__ = ["read_text_file"]
