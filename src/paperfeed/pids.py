"""Whether a process is still running, by its id (files named after their writer's pid)."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """True while process pid exists (also when it belongs to another user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
