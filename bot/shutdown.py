"""SIGTERM (systemd, containers) and SIGINT (Ctrl-C) stop every mode the same graceful way."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterator
from signal import SIGINT, SIGTERM, Signals

log = logging.getLogger(__name__)
SIGNALS = (SIGTERM, SIGINT)


@contextlib.contextmanager
def stop_on_signals(stop: asyncio.Event) -> Iterator[asyncio.Event]:
    """Set `stop` on the first SIGTERM or SIGINT while the block runs; a second one has its
    usual effect (stop at once), for a shutdown that hangs."""
    loop = asyncio.get_running_loop()

    def received(signal: Signals) -> None:
        log.info("%s received: stopping (send it again to stop at once)", signal.name)
        _restore(loop)
        stop.set()

    for signal in SIGNALS:
        with contextlib.suppress(NotImplementedError):  # no signal handlers on Windows
            loop.add_signal_handler(signal, received, signal)
    try:
        yield stop
    finally:
        _restore(loop)
    log.info("Chibot stopped")


def _restore(loop: asyncio.AbstractEventLoop) -> None:
    for signal in SIGNALS:
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signal)
