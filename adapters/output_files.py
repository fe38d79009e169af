"""Writing an output file a user named: only ever a regular file at that path, written atomically.

`trend --output /dev/full` must not replace a device node, `--output /tmp` must not try to write a
directory, and a path that cannot be written is reported before any work is done.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from digest_core.errors import OutputPathError


def check_output_file(path: Path) -> None:
    """`OutputPathError` unless a regular file can be written at `path` (an existing regular file is
    replaced; missing folders are created)."""
    try:
        if path.exists():
            mode = path.stat().st_mode
            if not stat.S_ISREG(mode):
                kind = "a directory" if stat.S_ISDIR(mode) else "not a regular file"
                raise OutputPathError(f"{path} is {kind}: give the path of a file to write")
        folder = path.parent
        while not folder.exists():
            if folder == folder.parent:
                break
            folder = folder.parent
        if not folder.is_dir():
            raise OutputPathError(f"{path}: {folder} is not a directory")
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputPathError(f"{path}: {folder} is not writable")
    except OSError as exc:
        raise OutputPathError(f"{path}: {exc.strerror or exc}") from None


def write_file_atomically(path: Path, data: bytes) -> Path:
    """Write `data` to the regular file `path` via a temporary file and a rename; returns `path`."""
    check_output_file(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
