"""Write files so that readers see the old version or the new one, never half of one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

# Leftovers of an interrupted write end in this, so a later run can find and remove them.
PART = ".part"


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write data to a temporary file beside path, then swap it into place."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=PART,
                                         delete=False)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            # NamedTemporaryFile makes the file private (0600); a web server must read it.
            os.fchmod(handle.fileno(), 0o666 & ~_umask())
            os.fsync(handle.fileno())
        os.replace(handle.name, path)
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
