"""Faust application factory: the app, its topics, the enrich agent and the web views.

`build(settings)` wires everything for one configuration, so tests can build apps with their
own topic prefix.  All extraction happens in `streams.processing.process`, shared with the CLI.
"""
from __future__ import annotations

import asyncio
import ctypes
import functools
import logging
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Awaitable, Callable

import faust

from streams.config import ALL_TOPICS, ARTICLES, ENRICHED, Settings
from streams.cooccurrence import WindowConfig
from streams.processing import Counts, Output, dead_letter, load_pipeline_in_child, process_with_features
from streams.stream.delivery import Delivery, KhabarTransport, Send
from streams.stream.metrics import Metrics, Stats
from streams.stream.security import broker_credentials
from streams.stream.store import SCHEME as ROCKSDB_SCHEME
from streams.stream.worker import KhabarWorker
from streams.version import PIPELINE_VERSION

log = logging.getLogger(__name__)
Sink = Callable[[Output], Awaitable[None]]
STORE_URLS = {"rocksdb": f"{ROCKSDB_SCHEME}://", "memory": "memory://"}
EXTRACT_AHEAD = 8  # inputs handed to the extraction process before their predecessors are published
TRIM_EVERY = 5.0  # seconds between two returns of the C heap's free memory to the system (malloc_trim)


class QuietBackpressure(logging.Filter):
    """Faust warns "producer buffer full" whenever table changelog writes wait for the producer, then logs the
    flush at info: back-pressure doing its job, not a failure.  Both become debug messages."""

    MESSAGES = ("producer buffer full", "producer flush took")

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(self.MESSAGES):
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


_PRODUCER_LOG = logging.getLogger("faust.transport.producer")
if not any(isinstance(f, QuietBackpressure) for f in _PRODUCER_LOG.filters):
    _PRODUCER_LOG.addFilter(QuietBackpressure())


@dataclass
class Khabar:
    settings: Settings
    app: faust.App
    topics: dict[str, faust.TopicT]
    stats: Stats
    metrics: Metrics
    sink: Sink | None = None  # where outputs go; defaults to the Kafka topics
    delivery: Delivery = field(default_factory=Delivery)

    def totals(self) -> Counts:
        """The /stats totals of the partitions this worker owns (changelog-backed: they survive a restart)."""
        return Stats.totals(self.cooccurrence.active_items(self.stats.table))  # type: ignore[attr-defined]

    async def publish(self, outputs: Output | list[Output], then: Callable[[], Awaitable] | None = None,
                      extra: list[Send] = ()) -> None:
        """Send the outputs of one input (plus `extra` records); `then()` (the input's ack) runs once the
        broker acknowledged every one of them."""
        outputs = [outputs] if isinstance(outputs, Output) else outputs
        then = then or _nothing
        if self.sink is not None:
            for out in outputs:
                await self.sink(out)
            await then()
        else:
            sends = [(self.topics[o.topic], o.key, o.value_bytes(), None) for o in outputs]
            await self.delivery.send(sends + list(extra), then)


async def _nothing() -> None:
    return None


class Extractor:
    """Extraction (`process_with_features`) in child processes, each with its own interpreter and GIL.

    In a thread of the worker, the CPU-bound pipeline took turns for one GIL with the event loop (Kafka I/O,
    the dedup and co-occurrence agents, the web views) and Faust's consumer thread: every step of the loop
    waited for the extractor's switch interval, and the worker used one core at most.  In a process they
    run side by side.  The enrich agent hands inputs ahead and publishes them in input order, so with
    `processes` > 1 (KHABAR_EXTRACT_PROCESSES) inputs are extracted in parallel, their order kept.
    A child that dies (killed, out of memory) is replaced and the input tried once more; an input whose
    second attempt dies too is dead-lettered (processing_error), so one poison message cannot stop the
    worker and is never dropped."""

    ATTEMPTS = 2

    def __init__(self, processes: int = 1) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None

    def start(self) -> ProcessPoolExecutor:
        if self._pool is None:
            # spawn, not fork: the worker has threads (Faust's consumer, aiokafka) a fork would copy mid-state
            self._pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=load_pipeline_in_child)
            # a spawn-context pool starts a child only when a call finds none idle: one trivial call per
            # child now, so that each loads its models at start, not when two inputs first overlap mid-stream
            for _ in range(self.processes):
                self._pool.submit(int)
        return self._pool

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def __call__(self, payload, cfg: WindowConfig, *, key, topic, partition, offset, max_body_chars):
        for attempt in range(1, self.ATTEMPTS + 1):
            pool = self.start()
            try:
                return await asyncio.wrap_future(pool.submit(
                    process_with_features, payload, cfg, key=key, topic=topic, partition=partition, offset=offset,
                    max_body_chars=max_body_chars))
            except BrokenProcessPool:
                log.error("the extraction process died on %s/%s@%s (attempt %d of %d); starting a new one",
                          topic, partition, offset, attempt, self.ATTEMPTS)
                if self._pool is pool:  # not yet replaced by another input's attempt
                    self._pool = None
        counts = Counts()
        counts.received += 1
        dead = dead_letter(payload, "processing_error", "the extraction process died twice on this input",
                           key, topic, partition, offset, counts)
        return [dead], None, 0.0, counts


def malloc_trim() -> Callable[[], object] | None:
    """glibc's malloc_trim(0), or None under another C library.  The worker frees far more than it keeps: every
    article passes through it several times as JSON and as Python objects (input, dedup message, enriched
    record, pair batches, table values), and glibc keeps the freed pages of its heaps (one per thread: the
    consumer thread's holds the fetched records) for reuse.  After 10,000 articles the worker held 410-437 MiB,
    trimmed every 5 s 304-332 MiB (benchmarks/results/worker-memory-coldstart.md)."""
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    return None if trim is None else functools.partial(trim, 0)


class KhabarApp(faust.App):
    def _new_transport(self):
        # Faust's aiokafka transport with the at-least-once fixes of streams.stream.delivery
        return KhabarTransport(self.conf.broker_consumer, self)


# Faust also reads settings from its own environment variables (FAUST_*/F_* at import time, and
# BROKER_URL, WEB_PORT, PROCESSING_GUARANTEE, ... for every setting): only KHABAR_* may configure khabar.
FAUST_ENV_PREFIXES = ("FAUST_", "F_")


def faust_env_names(environ=None) -> list[str]:
    """Names in the environment that Faust would read as its own settings."""
    from faust.types.settings import Settings as FaustSettings

    environ = os.environ if environ is None else environ
    names = {p.env_name for p in FaustSettings.SETTINGS.values() if p.env_name}
    return sorted(n for n in environ if n in names or n.startswith(FAUST_ENV_PREFIXES))


def make_app(settings: Settings) -> faust.App:
    return KhabarApp(
        settings.app_id,
        env={},  # Faust looks its settings up in this mapping instead of os.environ: none
        Worker=type("KhabarWorker", (KhabarWorker,), {"shutdown_timeout": settings.shutdown_timeout}),
        processing_guarantee=settings.processing_guarantee,
        broker=settings.broker,
        broker_credentials=broker_credentials(settings),
        # under exactly_once a delivered changelog record may still be aborted: a store written on delivery
        # would run ahead of what recovery reads (read_committed), so tables stay in memory there
        store=STORE_URLS["memory" if settings.processing_guarantee == "exactly_once" else settings.store],
        datadir=settings.data_dir,
        # one directory per app id and topic prefix: another deployment's tables never open as this one's
        tabledir=f"tables-{settings.app_id}" + (f"@{settings.topic_prefix}" if settings.topic_prefix else ""),
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replicas,
        key_serializer="raw",
        value_serializer="raw",
        consumer_auto_offset_reset="earliest",
        # large articles must reach the dead-letter topic whole (broker message.max.bytes must match)
        producer_max_request_size=settings.max_message_bytes,
        consumer_max_fetch_size=settings.max_message_bytes,
        broker_session_timeout=float(10),
        broker_heartbeat_interval=float(1),
        autodiscover=False,
    )


def build(settings: Settings | None = None) -> Khabar:
    settings = settings or Settings()
    app = make_app(settings)
    topics = {name: app.topic(settings.topic(name), key_type=bytes, value_type=bytes,
                              key_serializer="raw", value_serializer="raw", partitions=settings.partitions)
              for name in ALL_TOPICS}
    khabar = Khabar(settings, app, topics, Stats(app, settings), Metrics(app, settings))
    from streams.stream.cooccurrence import install as install_cooccurrence
    cooccurrence = install_cooccurrence(khabar)
    from streams.stream.fusion import install as install_fusion
    cooccurrence.fusion = fusion = install_fusion(khabar, cooccurrence)

    extractor = Extractor(settings.extract_processes)
    trim = malloc_trim()
    if trim is not None:
        @app.timer(TRIM_EVERY)
        async def return_free_memory():
            trim()  # 0.6 ms median, 11 ms at most in a 10,000-article run: short enough for the event loop

    @app.agent(topics[ARTICLES], name="enrich")
    async def enrich(stream):
        extractor.start()
        # manual acks: an input is acked (and so committable) only once all its outputs are on the
        # broker; a stop or crash in between leaves it unacked, to be processed again
        stream = stream.noack()
        # A reader hands the next inputs to the extraction process while this loop publishes the outputs of
        # earlier ones (in input order), so the extraction never waits for the event loop; at most
        # EXTRACT_AHEAD inputs are in flight (back-pressure on the stream).
        queue: asyncio.Queue = asyncio.Queue(maxsize=EXTRACT_AHEAD)

        async def read() -> None:
            async for event in stream.events():
                msg = event.message
                extraction = asyncio.ensure_future(extractor(
                    msg.value, cooccurrence.cfg, key=msg.key, topic=msg.topic, partition=msg.partition,
                    offset=msg.offset, max_body_chars=settings.max_body_chars))
                await queue.put((event, extraction))

        reader = asyncio.ensure_future(read())
        try:
            while True:
                get = asyncio.ensure_future(queue.get())
                await asyncio.wait([get, reader], return_when=asyncio.FIRST_COMPLETED)
                if not get.done():  # the stream ended, or the reader failed: say so
                    get.cancel()
                    reader.result()
                    return
                event, extraction = get.result()
                msg = event.message
                outputs, features, seconds, delta = await extraction
                # this task is not the one iterating the stream: tell Faust's tables whose changelog
                # partition the stats update belongs to (the input's)
                stream._set_current_event(event)
                khabar.stats.add(delta, msg.partition)
                khabar.metrics.observe(delta, seconds)
                sends: list[Send] = []
                if features is not None:
                    # the enriched record goes to the global dedup agent, which publishes it once decided (with
                    # duplicate_of for a copy); delivered with the article's other outputs before the ack
                    enriched = next(o for o in outputs if o.topic == ENRICHED)
                    sends = await cooccurrence.submit(enriched.value, features, msg.partition)
                    outputs = [o for o in outputs if o is not enriched]
                await khabar.publish(outputs, then=functools.partial(stream.ack, event), extra=sends)
                yield [out.topic for out in outputs]
        finally:
            reader.cancel()
            extractor.stop()  # the agent is stopping (a worker shutdown, a test context's end)

    @app.page("/")
    async def health(web, request):
        return web.json({"status": "ok", "app": settings.app_id, "pipeline_version": PIPELINE_VERSION,
                         "counts": khabar.totals().as_dict()})

    @app.page("/stats")
    async def stats(web, request):
        if not cooccurrence.ready():  # tables still recovering from their changelogs: totals would be partial
            return web.json({"status": "recovering", **khabar.totals().as_dict()}, status=503)
        return web.json(khabar.totals().as_dict())

    @app.page("/metrics")
    async def metrics(web, request):
        return await khabar.metrics.page(web)

    @app.page("/debug/consumer")
    async def consumer_state(web, request):
        return web.json(app.consumer.state())

    khabar.enrich = enrich  # type: ignore[attr-defined]
    khabar.cooccurrence = cooccurrence  # type: ignore[attr-defined]
    khabar.fusion = fusion  # type: ignore[attr-defined]
    return khabar
