"""What the worker counts: totals that outlive the process (`/stats`, a changelog-backed table) and
Prometheus metrics (`/metrics`: process counters, extraction latency, consumer lag, table sizes, and
Faust's own sensor metrics under `faust_*`)."""
from __future__ import annotations

import logging
from typing import Any, Iterable

import faust
from aiokafka.admin import AIOKafkaAdminClient
from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from streams.config import Settings, changelog_config
from streams.processing import EVENT_TOPICS, Counts
from streams.stream.admin import bootstrap_servers
from streams.stream.security import client_security

log = logging.getLogger(__name__)
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Stats:
    """`in = enriched + deadlettered` totals in a changelog-backed table, so a restarted worker resumes them.

    Faust writes a table change to the changelog partition of the input message being processed, so every
    key carries that input partition (`"3:enriched"`): each partition's counters live, and recover, with it."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.table = app.Table("khabar-stats", default=int, partitions=settings.partitions, key_type=str,
                               value_type=int, help="in/enriched/deadlettered totals per input partition",
                               extra_topic_configs=changelog_config(settings))

    def add(self, delta: Counts, partition: int) -> None:
        """Add one message's counts; must run inside the agent (the changelog partition is the event's)."""
        names = [("in", delta.received), ("enriched", delta.enriched), ("deadlettered", delta.deadlettered)]
        names += [(f"event:{t}", n) for t, n in delta.events.items()]
        names += [(f"reason:{r}", n) for r, n in delta.reasons.items()]
        for name, n in names:
            if n:
                self.table[f"{partition}:{name}"] += n

    @staticmethod
    def totals(items: Iterable[tuple[str, int]]) -> Counts:
        counts = Counts()
        for key, n in items:
            _, _, name = key.partition(":")
            kind, _, label = name.partition(":")
            if kind == "in":
                counts.received += n
            elif kind in ("enriched", "deadlettered"):
                setattr(counts, kind, getattr(counts, kind) + n)
            elif kind == "event":
                counts.events[label] = counts.events.get(label, 0) + n
            elif kind == "reason":
                counts.reasons[label] = counts.reasons.get(label, 0) + n
        return counts


class Metrics:
    """One registry per app (tests build several apps in one process)."""

    def __init__(self, app: faust.App, settings: Settings) -> None:
        self.app, self.settings = app, settings
        self.registry = CollectorRegistry()
        app.monitor = PrometheusMonitor(metrics=FaustMetrics.create(self.registry, "faust"))
        r = self.registry
        self.articles_in = Counter("khabar_articles_in", "input messages processed", registry=r)
        self.enriched = Counter("khabar_articles_enriched", "input messages enriched", registry=r)
        self.deadlettered = Counter("khabar_articles_deadlettered", "input messages dead-lettered, by reason",
                                    ["reason"], registry=r)
        self.events = Counter("khabar_events", "events extracted, by type", ["type"], registry=r)
        for event_type in EVENT_TOPICS:
            self.events.labels(event_type)  # present at 0 before the first event
        self.extraction = Histogram("khabar_extraction_seconds", "extraction time of one input message",
                                    buckets=LATENCY_BUCKETS, registry=r)
        self._lag: dict[tuple[str, int], int] = {}
        r.register(_StateCollector(self))

    def observe(self, delta: Counts, seconds: float) -> None:
        self.articles_in.inc(delta.received)
        self.enriched.inc(delta.enriched)
        for reason, n in delta.reasons.items():
            self.deadlettered.labels(reason).inc(n)
        for event_type, n in delta.events.items():
            self.events.labels(event_type).inc(n)
        self.extraction.observe(seconds)

    def source_partitions(self) -> list:
        """Assigned partitions of the topics the agents consume (not the changelogs)."""
        sources = {name for agent in self.app.agents.values() for name in getattr(agent.channel, "topics", ())}
        try:
            return sorted(tp for tp in self.app.consumer.assignment() if tp.topic in sources)
        except Exception:  # no consumer yet (starting up, or a broker-less test app)
            return []

    async def refresh_lag(self) -> None:
        """Consumer-group lag as `kafka-consumer-groups` reports it: log end offset - the group's committed
        offset, both asked of the broker now (a partition with no commit yet is left out)."""
        tps = self.source_partitions()
        lag: dict[tuple[str, int], int] = {}
        if tps:
            admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers(self.settings.broker),
                                        **client_security(self.settings))
            try:
                ends = await self.app.consumer.highwaters(*tps)
                await admin.start()
                committed = await admin.list_consumer_group_offsets(self.app.conf.id, partitions=tps)
                for tp in tps:
                    meta = committed.get(tp)
                    if ends.get(tp) is not None and meta is not None and meta.offset >= 0:
                        lag[(tp.topic, tp.partition)] = max(ends[tp] - meta.offset, 0)
            except Exception as e:  # a scrape must not fail because the broker is slow to answer
                log.debug("consumer lag unavailable: %r", e)
                return
            finally:
                await admin.close()
        self._lag = lag

    async def page(self, web) -> Any:
        await self.refresh_lag()
        # as a header: aiohttp refuses a content_type argument that carries a charset
        return web.bytes(generate_latest(self.registry), headers={"Content-Type": CONTENT_TYPE_LATEST})


class _StateCollector:
    """Gauges read at scrape time: consumer lag (refreshed by the /metrics view) and table sizes."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self):
        return []

    def collect(self):
        lag = GaugeMetricFamily("khabar_consumer_lag", "log end offset - committed offset, per input partition",
                                labels=["topic", "partition"])
        for (topic, partition), n in sorted(self.metrics._lag.items()):
            lag.add_metric([topic, str(partition)], n)
        yield lag
        sizes = GaugeMetricFamily("khabar_table_keys", "keys held by this worker, per table", labels=["table"])
        for name, table in sorted(self.metrics.app.tables.items()):
            sizes.add_metric([name], len(table.data))
        yield sizes
