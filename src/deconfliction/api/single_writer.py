"""One server per database file: an exclusive lock beside it for the life of the server."""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO

from ..errors import Unavailable


def single_writer(db_path: Path) -> IO[bytes]:
    """Hold an exclusive lock beside the database (close to release).

    A second server on the same file would decide writes on its own stale state, and two
    parties could then both win the same airspace: refuse to start instead.
    """
    handle = open(f"{db_path}.lock", "ab")  # noqa: SIM115 (held open for the process's life)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise Unavailable(f"db: another server is already using {db_path}") from None
    return handle
