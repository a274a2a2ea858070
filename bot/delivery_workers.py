"""Who sends the outbox: this process's worker identity, and which other workers are dead."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path

from storage.models import DeliveryWorker


def new_worker(now: datetime, channels: Iterable[str]) -> DeliveryWorker:
    """A worker for this process: host and pid let a neighbour see at once that it died."""
    host, pid = socket.gethostname()[:40], os.getpid()
    return DeliveryWorker(id=f"{pid}@{host}:{secrets.token_hex(4)}", host=host, pid=pid,
                          started_at=now, heartbeat_at=now, channels=" ".join(sorted(channels)))


def sending_on(channel: str, workers: Iterable[DeliveryWorker]) -> int:
    """How many of these workers send on `channel`."""
    return sum(channel in worker.channels.split() for worker in workers)


def is_dead(other: DeliveryWorker, me: DeliveryWorker, now: datetime,
            silence: timedelta) -> bool:
    """No heartbeat for `silence`, or on this host, its process is gone."""
    if other.heartbeat_at < now - silence:
        return True
    return other.host == me.host and not _running(other.pid)


def _running(pid: int) -> bool:
    """Whether process `pid` exists here and is not a zombie (killed, not yet reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    with contextlib.suppress(OSError, IndexError):  # Linux: the state follows the name
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True
