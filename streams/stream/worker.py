"""The Faust worker process: a bounded shutdown and a quiet broker outage.

* faust-streaming 0.15 can hang for ever in `[^---Fetcher]: Stopping...` when SIGTERM arrives while
  the broker is away (aiokafka's fetcher task dies with CancelledError inside the consumer thread and
  the thread never reports stopped).  `KhabarWorker` arms a watchdog on the first SIGTERM/SIGINT: if
  the orderly stop has not finished after `shutdown_timeout` seconds, it says so and exits with
  EXIT_GAVE_UP (uncommitted input is re-delivered on restart: at-least-once holds either way).
* aiokafka logs every reconnect attempt of every client (~75 ERROR lines a second while the broker is
  down).  `RateLimitFilter` lets the first line of each kind through, then one line per interval with
  the number suppressed, the interval doubling up to a minute while the flood lasts.
* Faust keeps the root logger at DEBUG for its start-up spinner, which every log record advances: every
  debug call of Faust and aiokafka (several per message sent) then built a LogRecord that only the
  spinner looked at, ~3 ms of the worker's ~20 ms of CPU per article.  Once started, the worker drops
  the spinner's handler and puts the root logger back at the configured level.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time

import faust
from faust.utils.terminal import SpinnerHandler

log = logging.getLogger(__name__)
EXIT_GAVE_UP = 70  # EX_SOFTWARE: the stop did not finish in time
RATE_LIMITED_LOGGERS = ("aiokafka",)


class RateLimitFilter(logging.Filter):
    """Per (logger, message template): the first record passes, then at most one per interval, carrying
    the count of the records suppressed since the last one; the interval doubles from `first` to
    `longest` while records keep coming, and starts again at `first` after a quiet spell of `longest`."""

    def __init__(self, first: float = 5.0, longest: float = 60.0, clock=time.monotonic):
        super().__init__()
        self.first, self.longest, self.clock = first, longest, clock
        self._state: dict[tuple[str, str], list] = {}  # key -> [last passed at, interval, suppressed, last seen]
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING:
            return True
        key = (record.name, str(record.msg))
        now = self.clock()
        with self._lock:
            state = self._state.get(key)
            if state is None or now - state[3] >= self.longest:
                self._state[key] = [now, self.first, 0, now]
                return True
            state[3] = now
            if now - state[0] < state[1]:
                state[2] += 1
                return False
            suppressed, since = state[2], now - state[0]
            state[0], state[1], state[2] = now, min(state[1] * 2, self.longest), 0
        if suppressed:
            record.msg = f"{record.getMessage()} [{suppressed} more like this in the last {since:.0f} s]"
            record.args = ()  # not None: mode's formatter would turn it into (None,)
        return True


def install_log_rate_limit(names=RATE_LIMITED_LOGGERS) -> RateLimitFilter:
    """Attach one filter to every logger under `names` (aiokafka logs under its module names)."""
    import aiokafka.consumer.fetcher  # noqa: F401  (load the modules, so their loggers exist)
    import aiokafka.producer.sender  # noqa: F401

    flt = RateLimitFilter()
    loggers = [logging.getLogger(n) for n in list(logging.Logger.manager.loggerDict)
               if any(n == p or n.startswith(p + ".") for p in names)]
    for logger in loggers:
        if not any(isinstance(f, RateLimitFilter) for f in logger.filters):
            logger.addFilter(flt)
    return flt


class KhabarWorker(faust.Worker):
    shutdown_timeout: float = 20.0

    def __init__(self, *args, **kwargs):
        # a thread's traceback stays one block on stderr instead of one WARNING record per line
        # (faust's `worker` command asks for the redirect whatever the app's settings say)
        kwargs["redirect_stdouts"] = False
        super().__init__(*args, **kwargs)
        self._watchdog: threading.Timer | None = None
        self._root_level = 0
        install_log_rate_limit()

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        super().on_setup_root_logger(logger, level)
        self._root_level = level

    async def on_startup_finished(self) -> None:
        await super().on_startup_finished()
        root = logging.getLogger()
        for handler in [h for h in root.handlers if isinstance(h, SpinnerHandler)]:
            root.removeHandler(handler)
        if self._root_level:
            root.setLevel(self._root_level)

    def _on_sigint(self) -> None:
        self._arm_watchdog("SIGINT")
        super()._on_sigint()

    def _on_sigterm(self) -> None:
        self._arm_watchdog("SIGTERM")
        super()._on_sigterm()

    def _arm_watchdog(self, signame: str) -> None:
        if self._watchdog is None:
            log.warning("%s: stopping (at most %.0f s)", signame, self.shutdown_timeout)
            self._watchdog = threading.Timer(self.shutdown_timeout, self._give_up, args=(signame,))
            self._watchdog.daemon = True
            self._watchdog.start()

    def _give_up(self, signame: str) -> None:
        log.error("worker did not stop within %.0f s of %s (Faust's stop is stuck, e.g. the broker is away); "
                  "exiting with %d: uncommitted input will be re-delivered", self.shutdown_timeout, signame,
                  EXIT_GAVE_UP)
        for handler in logging.getLogger().handlers:
            handler.flush()
        sys.stderr.flush()
        os._exit(EXIT_GAVE_UP)
