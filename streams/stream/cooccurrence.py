"""The Faust side of actor co-occurrence: repartition topics, tables, agents, web views.

All counting is in `streams.cooccurrence` (pure, shared with the offline CLI).  Here:

* the enrich agent hands each enriched record with its co-occurrence features to `submit()`: one
  message to `actors.dedup`, always partition 0, so one agent instance sees every article in one order
  and decides duplicates globally (a copy is found whatever partition or worker it arrived on);
* `dedup` keeps the seen-set (a changelog-backed table; the LSH bands are derived from it in memory),
  publishes the enriched record (with `duplicate_of` for a copy) and, for a counted article, one batch
  per partition owning its pair and actor keys to `actors.pairs` (a few messages per article, not one
  per pair).  An id seen before that counted sends its batches again: a crash may have lost them, and
  the tables ignore batches already applied;
* `cooccur` takes the batches in groups (`stream.take_events`, up to `flush_interval` seconds), folds
  them into a write-back cache over the tables and then writes each changed key once: the pair table's
  changelog *is* the compacted `actors.cooccurrence` topic (its value is the schema's message), so a
  busy pair costs one message per flush.  The events are acknowledged only after those writes are
  delivered, so a commit never runs ahead of the counts;
* windows are answered at query time from per-step event-time buckets (no windowed tables).
"""
from __future__ import annotations

import asyncio
import functools
import logging
import math
import time
import zlib
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import faust
import orjson
from aiokafka.partitioner import murmur2
from faust.exceptions import SameNode
from faust.serializers import codecs

from streams.config import (COOCCURRENCE, DEDUP, ENRICHED, PAIRS, REPARTITION_CONFIG, Settings,
                            changelog_config)
from streams.processing import Output
from streams.stream.delivery import send_changelog, this_generation
from streams.stream.store import VERSION_HEADER, Store as PersistentStore, header_int
from streams.cooccurrence import (Aggregator, Decision, DedupIndex, Features, WindowConfig, actor_summary,
                                  actor_window, actor_windows, article_batches, current_window, iso, parse_time,
                                  rank_pairs, rank_partners, top_pairs, window_at, window_starts)

log = logging.getLogger(__name__)
WEB_DIR = Path(__file__).resolve().parents[1] / "web"
TAKE_MAX = 2000                 # batches per flush at most (one flush per interval otherwise)
YIELD_EVERY = 32                # batches folded between two turns of the event loop
_DELETED = object()


class RecoveredTable(faust.Table):
    """A table that tells its owner when recovery (after a start or a rebalance) replaced its data, and
    (`versioned`) keeps each key's version: the offset of the last actors.pairs batch applied to it,
    carried in a header of the key's changelog message (so the value and its version are delivered
    together, or neither is) and read back with the value on recovery.  `state` reads and writes values
    and versions by partition: `MemoryState` over the memory store, or the persistent store itself
    (`streams.stream.store`), which keeps the versions beside the values."""

    on_recovered = None

    def __init__(self, *args, versioned: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.versioned = versioned
        self.versions: dict[Any, int] = {}     # memory store only
        self.records_read = 0                  # changelog records applied by recoveries (and standby reads)
        self._state = None

    @property
    def state(self):
        if self._state is None:
            data = self.data
            self._state = data if isinstance(data, PersistentStore) else MemoryState(
                data, self.versions, getattr(data, "_key_partition", None))
        return self._state

    def apply_changelog_batch(self, batch) -> None:
        batch = list(batch)
        self.records_read += len(batch)
        if not isinstance(self.data, PersistentStore):  # that store reads the versions itself
            for event in batch:
                key, version = self._to_key(event.key), header_int(event.message.headers, VERSION_HEADER)
                if version is None or event.message.value is None:
                    self.versions.pop(key, None)
                else:
                    self.versions[key] = version
        super().apply_changelog_batch(batch)

    async def on_recovery_completed(self, active_tps, standby_tps) -> None:
        await super().on_recovery_completed(active_tps, standby_tps)
        if self.on_recovered is not None:
            self.on_recovered()


class MemoryState:
    """Values and versions of a memory-store table by key (one dict for every partition), with the same
    methods as the persistent store."""

    def __init__(self, data: MutableMapping, versions: dict, key_partition: MutableMapping | None = None):
        self.data, self.versions, self.key_partition = data, versions, key_partition

    def partition_get(self, key, partition: int):
        return self.data.get(key)

    def key_version(self, key, partition: int) -> int:
        return self.versions.get(key, -1)

    def write_partition(self, partition: int, changes, offset: int | None) -> None:
        for key, value, version in changes:
            if value is None:
                self.data.pop(key, None)
                self.versions.pop(key, None)
                if self.key_partition is not None:
                    self.key_partition.pop(key, None)
                continue
            self.data[key] = value
            if self.key_partition is not None:  # lets the store drop it when the partition moves away
                self.key_partition[key] = partition
            if version is not None:
                self.versions[key] = version


class WriteBack(MutableMapping):
    """A write-back cache over a table (Kafka Streams' record cache): reads fall through to the table,
    writes stay here until `flush` writes each changed key once, to the changelog partition owning it.
    The table holds each value as its JSON bytes (the changelog message itself): a third of the memory
    of the Python objects, and no serializer between the table and the topic."""

    def __init__(self, table: RecoveredTable, partition_of, encode=lambda k: k, decode=lambda k: k):
        self.table, self.partition_of, self.encode, self.decode = table, partition_of, encode, decode
        self.dirty: dict[Any, Any] = {}
        self.dirty_versions: dict[Any, int] = {}

    def version(self, key) -> int:
        """Offset of the last batch applied to the key (-1: none recorded)."""
        if key in self.dirty_versions:
            return self.dirty_versions[key]
        return self.table.state.key_version(self.encode(key), self.partition_of(key))

    def put(self, key, value, version: int) -> None:
        self.dirty[key] = value
        self.dirty_versions[key] = version

    def __getitem__(self, key):
        if key in self.dirty:
            value = self.dirty[key]
            if value is _DELETED:
                raise KeyError(key)
            return value
        raw = self.table.state.partition_get(self.encode(key), self.partition_of(key))
        if raw is None:
            raise KeyError(key)
        # decoding makes a private copy: the caller updates it in place, the table changes only at flush
        return orjson.loads(raw)

    def __setitem__(self, key, value) -> None:
        self.dirty[key] = value

    def __delitem__(self, key) -> None:
        self[key]  # KeyError if absent
        self.dirty[key] = _DELETED

    def __iter__(self):
        seen = set()
        for key in self.dirty:
            if self.dirty[key] is not _DELETED:
                seen.add(key)
                yield key
        for raw in list(self.table.data.keys()):
            key = self.decode(raw)
            if key not in seen and key not in self.dirty:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def flush(self, publish: bool) -> list:
        """Write the changes.  With `publish`: to the changelog, and into the table once the broker has
        acknowledged them (with the offset of the records that carry them), by the returned awaitable:
        a persistent store then never holds a value its changelog may lack, nor an offset past a value it
        lacks.  Without (broker-less tests): into the table at once; the caller handles publication."""
        changes: dict[int, list] = {}
        records = []   # changelog records for streams.stream.delivery.send_changelog
        for key, value in self.dirty.items():
            raw, partition = self.encode(key), self.partition_of(key)
            value = None if value is _DELETED else compact(orjson.dumps(value))
            version = self.dirty_versions.get(key)
            changes.setdefault(partition, []).append((raw, value, version))
            if publish:
                headers = None if version is None else [(VERSION_HEADER, str(version).encode())]
                records.append((self.table, partition, codecs.dumps(self.table.key_serializer, raw), value, headers))
        self.dirty.clear()
        self.dirty_versions.clear()
        if not publish:
            for partition, items in changes.items():
                self.table.state.write_partition(partition, items, None)
            return []
        return [self._write_when_delivered(records, changes, self.table.app.consumer_generation_id)] if records else []

    async def _write_when_delivered(self, records: list, changes: dict[int, list], generation: int) -> None:
        offsets: dict[int, int] = {}
        for meta in await asyncio.gather(*await send_changelog(self.table.app, records)):
            p = meta.topic_partition.partition
            offsets[p] = max(offsets.get(p, -1), meta.offset)
        app = self.table.app
        if isinstance(self.table.state, PersistentStore) and (
                app.rebalancing or app.consumer_generation_id != generation):
            # A rebalance came in between: the partition may have been recovered meanwhile, even with another
            # worker's newer values, which these must not overwrite.  Not writing is safe: the stored offset
            # stays before these records, so the next recovery reads them, and the batches (not acked in
            # this generation) come again and apply only where the versions say so.
            return
        for partition, items in changes.items():
            self.table.state.write_partition(partition, items, offsets.get(partition))


def compact(raw: bytes) -> bytes:
    """A copy of exactly the JSON's size.  orjson hands over its output buffer as the bytes object, 4 KiB
    for a 300-byte pair value: kept in a table, 200,000 such values held 800 MB of RSS (25 MB copied);
    the worker's tables were most of its memory."""
    return bytes(memoryview(raw))


class Incomplete(RuntimeError):
    """Some worker of the cluster did not answer a scatter-gather query."""


class BadRequest(ValueError):
    """A query parameter the views cannot use (answered 400 with the message)."""


def _table(app: faust.App, name: str, settings: Settings, cls=faust.Table, **kwargs) -> Any:
    kwargs.setdefault("key_type", str)
    kwargs.setdefault("value_type", None)
    kwargs.setdefault("extra_topic_configs", changelog_config(settings))
    return app.tables.add(cls(app, name=name, default=None, beacon=app.tables.beacon, partitions=settings.partitions,
                              **kwargs))


def _load(raw: bytes | None) -> dict | None:
    return None if raw is None else orjson.loads(raw)


def table_key(key: str) -> bytes:
    """Message key bytes equal to a str-keyed table's serialized key, so Faust's key routing finds the owner."""
    return codecs.dumps("json", key)


class Cooccurrence:
    def __init__(self, khabar) -> None:
        self.khabar = khabar
        self.app: faust.App = khabar.app
        self.settings: Settings = khabar.settings
        self.cfg = WindowConfig.from_settings(self.settings)
        app, s = self.app, self.settings
        self.dedup_topic = app.topic(s.topic(DEDUP), key_type=bytes, value_type=bytes, key_serializer="raw",
                                     value_serializer="raw", partitions=s.partitions, internal=True,
                                     config=REPARTITION_CONFIG)
        self.pairs_topic = app.topic(s.topic(PAIRS), key_type=bytes, value_type=bytes, key_serializer="raw",
                                     value_serializer="raw", partitions=s.partitions, internal=True,
                                     config=REPARTITION_CONFIG)
        # the pair table's changelog is the public, compacted actors.cooccurrence topic: key = pair key,
        # value = the schema's message
        changelog = app.topic(s.topic(COOCCURRENCE), key_type=bytes, value_type=bytes, key_serializer="raw",
                              value_serializer="raw", partitions=s.partitions, compacting=True,
                              config=changelog_config(s))
        # values are JSON bytes, written through WriteBack
        self.pair_table = _table(app, "cooccurrence-pairs", s, RecoveredTable, key_type=bytes, value_type=bytes,
                                 changelog_topic=changelog, versioned=True)
        self.actor_table = _table(app, "cooccurrence-actors", s, RecoveredTable, value_type=bytes, versioned=True)
        self.applied = _table(app, "cooccurrence-applied", s, RecoveredTable, value_type=bytes)
        self.seen = _table(app, "cooccurrence-seen", s, RecoveredTable)
        self.index = DedupIndex(self.cfg, self.seen, sources=s.partitions)
        self.seen.on_recovered = self.index.reset
        self.applied.on_recovered = self._forget_mark
        self.stats = {"articles": 0, "counted": 0, "seen": 0, "near_duplicate": 0, "late": 0, "resent": 0,
                      "batches_sent": 0, "batches": 0, "replayed": 0, "pair_records": 0, "actor_records": 0,
                      "published": 0, "flushes": 0, "stale": 0}
        self._mark: float | None = None
        self._mark_known = False
        self.sink = None            # like Khabar.sink, for the repartition records
        self.fusion = None          # streams.stream.fusion.Fusion: fed by the dedup decision
        self.unsent: list[Output] = []
        self._install_agents()

    def pair_partition(self, key: str) -> int:
        # any stable hash will do: batch and changelog write go to the same partition, and pairs are
        # answered by asking every worker (no key routing); crc32 runs in C, murmur2 in Python
        return zlib.crc32(key.encode("utf-8")) % self.settings.partitions

    @functools.lru_cache(maxsize=1 << 14)
    def actor_partition(self, actor_id: str) -> int:
        # the producer's default partitioner (murmur2), as Faust's router finds the owner of an actor key
        return (murmur2(table_key(actor_id)) & 0x7FFFFFFF) % self.settings.partitions

    def partition_of(self, key: str) -> int:
        """Owner of a pair key ("a|b") or an actor id, for article_batches."""
        return self.pair_partition(key) if "|" in key else self.actor_partition(key)

    # ------------------------------------------------------------------ enrich side
    async def submit(self, record: dict, features: Features, partition: int) -> list:
        """Hand an enriched record (from input `partition`) to the dedup agent, which publishes the record
        once decided.  With a broker: the record to send (the enrich agent delivers it with the article's
        other outputs before acknowledging the article)."""
        features.source = partition
        message = {"record": record, "features": features.to_json()}
        key = record["id"].encode("utf-8")
        if self.sink is None and self.khabar.sink is not None:
            # broker-less test mode: decide here, with the dedup agent's own code
            await self._decide(orjson.loads(orjson.dumps(message)))
            return []
        if self.sink is not None:
            await self.sink(Output(DEDUP, key, message))
            return []
        return [(self.dedup_topic, key, orjson.dumps(message), None, 0)]

    def _batch_sends(self, features: Features, decision: Decision) -> list:
        """The pair batches of a counted article, one per owning partition (sent or kept in test modes)."""
        sends = []
        for partition, batch in article_batches(features, decision, self.index, self.partition_of).items():
            key = batch["article_id"].encode("utf-8")
            self.stats["batches_sent"] += 1
            if self.sink is not None:
                sends.append(("sink", Output(PAIRS, key, batch)))
            elif self.khabar.sink is not None:  # broker-less test mode: keep them for inspection
                self.unsent.append(Output(PAIRS, key, batch))
            else:
                sends.append((self.pairs_topic, key, orjson.dumps(batch), None, partition))
        return sends

    def observe(self, features: Features) -> Decision:
        decision = self.index.check(features.article_id, features.time, features.signature, features.dated,
                                    features.source)
        self.stats["articles"] += 1
        self.stats["counted" if decision.counts else decision.reason] += 1
        return decision

    # ------------------------------------------------------------------ agents
    def _install_agents(self) -> None:
        app = self.app

        @app.agent(self.dedup_topic, name="dedup")
        async def dedup(stream):
            stream = stream.noack()  # acked once the enriched record and its pair batches are on the broker
            async for event in stream.events():
                await self._decide(orjson.loads(event.value), then=functools.partial(stream.ack, event))
                yield event.message.offset

        @app.agent(self.pairs_topic, name="cooccur")
        async def cooccur(stream):
            async for events in stream.take_events(TAKE_MAX, within=self.cfg.flush_interval):
                await self._aggregate(events)
                yield len(events)

        self.dedup, self.cooccur = dedup, cooccur
        self._install_views()

    async def _decide(self, message: dict, then=None) -> None:
        record = message["record"]
        key = record["id"].encode("utf-8")
        try:
            features = Features.from_json(message["features"])
            decision = self.observe(features)
        except Exception:  # counting must never cost the article its enrichment
            log.exception("co-occurrence decision failed for %s", record.get("id"))
            await self.khabar.publish(Output(ENRICHED, key, record), then=then)
            return
        # a near-duplicate links to its original; the same id again (reason "seen") to itself
        duplicate_of = decision.duplicate_of or (features.article_id if decision.reason == "seen" else None)
        if duplicate_of:
            record["duplicate_of"] = duplicate_of
        sends = []
        if decision.counts or decision.resend:
            self.stats["resent"] += decision.resend
            sends = self._batch_sends(features, decision)
        if self.fusion is not None:
            sends += self.fusion.sends(record, decision)
        for _, out in [s for s in sends if s[0] == "sink"]:
            await self.sink(out)
        await self.khabar.publish(Output(ENRICHED, key, record), then=then,
                                  extra=[s for s in sends if s[0] != "sink"])

    async def _aggregate(self, events) -> None:
        live = this_generation(self.app, events)  # not a lost partition's (streams.stream.delivery, hole 5)
        self.stats["stale"] += len(events) - len(live)
        events = live
        pairs = WriteBack(self.pair_table, self.pair_partition, lambda k: k.encode("utf-8"),
                          lambda k: k.decode("utf-8"))
        actors = WriteBack(self.actor_table, self.actor_partition)
        applied = WriteBack(self.applied, lambda k: int(k.split(":", 1)[0]))
        agg = Aggregator(self.cfg, pairs, actors, applied)
        horizon = None
        for i, event in enumerate(events):
            if i and i % YIELD_EVERY == 0:  # a flush of many batches must not stall the enrich path meanwhile
                await asyncio.sleep(0)
            batch = orjson.loads(event.value)
            if agg.apply(batch, event.message.partition, event.message.offset):
                self._see_mark(batch.get("mark"))
            if batch.get("horizon") is not None:
                horizon = max(horizon or batch["horizon"], batch["horizon"])
        self.stats["flushes"] += 1
        if self.stats["flushes"] % 64 == 0:
            agg.expire_applied(horizon)
        publish = self.khabar.sink is None
        if not publish:  # broker-less test mode: the messages the changelog would carry
            for key, value in pairs.dirty.items():
                await self.khabar.sink(Output(COOCCURRENCE, key.encode("utf-8"), value))
        published = len(pairs.dirty)
        futures = pairs.flush(publish) + actors.flush(publish) + applied.flush(publish)
        if futures:  # delivered (and then stored) before these events are acknowledged, so before their commit
            await asyncio.gather(*futures)
        # counted once the tables hold the values: whoever waits on these counts then reads them in the views
        for name in ("batches", "replayed", "pair_records", "actor_records"):
            self.stats[name] += agg.stats[name]
        self.stats["published"] += published

    def _see_mark(self, mark: float | None) -> None:
        if mark is not None and (self._mark is None or mark > self._mark):
            self._mark = mark

    def _forget_mark(self) -> None:
        self._mark, self._mark_known = None, False

    # ------------------------------------------------------------------ local state
    def recovered_tables(self) -> list[RecoveredTable]:
        return [t for t in self.app.tables.values() if isinstance(t, RecoveredTable)]

    def ready(self) -> bool:
        recovery = getattr(self.app.tables, "recovery", None)
        completed = getattr(recovery, "completed", None)
        return bool(completed is not None and completed.is_set() and not self.app.rebalancing)

    def active_items(self, table):
        """Items of the partitions this worker owns (the store also holds standby replicas of others')."""
        data = table.data
        key_partition = getattr(data, "_key_partition", None) or {}
        topic = table.changelog_topic.get_topic_name()
        try:
            actives = {tp.partition for tp in self.app.assignor.assigned_actives() if tp.topic == topic}
        except Exception:
            actives = None
        for k, v in list(data.items()):
            p = key_partition.get(k)
            if p is None or actives is None or p in actives:
                yield k, v

    def local_watermark(self) -> float | None:
        """Newest published_at among the counted articles applied here ("the current window")."""
        if not self._mark_known:
            for _, value in self.active_items(self.applied):
                self._see_mark(orjson.loads(value)[1])  # [event time, mark, offset]
            self._mark_known = True
        return self._mark

    def local_windows(self) -> list[float]:
        starts: set[float] = set()
        for _, v in self.active_items(self.pair_table):
            starts |= window_starts(orjson.loads(v), self.cfg)
        return sorted(starts, reverse=True)

    def local_top(self, window, limit: int) -> list[dict]:
        return top_pairs((orjson.loads(v) for _, v in self.active_items(self.pair_table)), window, self.cfg, limit)

    def local_actors(self, window, ids: set[str] | None = None) -> list[dict]:
        values = (actor_window(orjson.loads(v), window, self.cfg) for k, v in self.active_items(self.actor_table)
                  if ids is None or k in ids)
        return [actor_summary(v) for v in values if v]

    def actor_value(self, actor_id: str, window) -> dict | None:
        return actor_window(_load(self.actor_table.data.get(actor_id)), window, self.cfg)

    # ------------------------------------------------------------------ cluster helpers
    def _urls(self) -> list[str]:
        try:
            hosts = list(self.app.router.tables_metadata().keys())
        except Exception:  # no assignment yet
            hosts = []
        me = str(self.app.conf.canonical_url).rstrip("/")
        return sorted({str(h).rstrip("/") for h in hosts} | {me})

    def _is_me(self, url: str) -> bool:
        return url.rstrip("/") == str(self.app.conf.canonical_url).rstrip("/")

    async def _get_json(self, url: str) -> Any:
        async with self.app.http_client.get(url) as response:
            if response.status != 200:
                raise RuntimeError(f"{url}: HTTP {response.status}")
            return orjson.loads(await response.read())

    async def gather(self, path: str, local) -> list[Any]:
        """Answer from every worker: local() here, GET url+path (with local=1) elsewhere.  A worker that
        does not answer makes the whole answer fail (503) rather than silently partial."""
        remote = [u for u in self._urls() if not self._is_me(u)]
        sep = "&" if "?" in path else "?"
        answers = await asyncio.gather(*(self._get_json(f"{u}{path}{sep}local=1") for u in remote),
                                       return_exceptions=True)
        failed = [(u, a) for u, a in zip(remote, answers) if isinstance(a, BaseException)]
        if failed:
            raise Incomplete("; ".join(f"{u}: {a}" for u, a in failed))
        return list(answers) + [local()]

    async def all_windows(self) -> list[float]:
        """Start times of the windows any worker holds, newest first."""
        starts: set[float] = set()
        for part in await self.gather("/cooccurrence/windows", lambda: {"windows": self.local_windows()}):
            starts.update(part["windows"])
        return sorted(starts, reverse=True)

    async def global_watermark(self) -> float | None:
        marks = await self.gather("/cooccurrence/status", lambda: {"watermark": self.local_watermark()})
        values = [m.get("watermark") for m in marks if m.get("watermark") is not None]
        return max(values) if values else None

    async def request_window(self, request) -> tuple[Any, dict]:
        """The window a query names; `local=1` (a peer asking) resolves it on this worker alone."""
        if request.query.get("local"):
            return self._local_window(_window_param(request))
        return await self.resolve_window(_window_param(request))

    async def resolve_window(self, value: str | None) -> tuple[Any, dict]:
        """window param -> (table window or None for the running total, description)."""
        value = (value or "current").strip()
        if value in ("total", "all"):
            return None, {"name": "total", "start": None, "end": None}
        if value in ("current", self.cfg.window_name, "latest"):
            wm = await self.global_watermark()
            if wm is None:
                wm = time.time()
            w = current_window(wm, self.cfg)
        else:
            start = parse_time(value)
            if start is None:
                try:
                    start = float(value)
                except ValueError:
                    raise BadRequest(f"window must be total, current, {self.cfg.window_name} or a start date "
                                     f"(YYYY-MM-DD), not {value!r}") from None
            if not math.isfinite(start):
                raise BadRequest(f"window start must be a date or a number of seconds, not {value!r}")
            w = window_at(start, self.cfg)
        return w, {"name": self.cfg.window_name, "start": iso(w[0]), "end": iso(round(w[1] + 0.1))}

    async def route(self, table, key: str, web, request):
        """Faust table routing: the owner of `key` answers; None means answer here."""
        try:
            return await self.app.router.route_req(table.name, key, web, request)
        except SameNode:
            return None

    # ------------------------------------------------------------------ web views
    def page(self, path: str):
        """app.page, answering 503 when a worker did not answer a scatter-gather and 400 for a bad parameter."""
        def decorate(fn):
            @functools.wraps(fn)
            async def guarded(web, request, *args, **kwargs):
                try:
                    return await fn(web, request, *args, **kwargs)
                except Incomplete as e:
                    return web.json({"error": "a worker did not answer; try again", "detail": str(e)}, status=503)
                except BadRequest as e:
                    return web.json({"error": str(e)}, status=400)
            return self.app.page(path)(guarded)
        return decorate

    @staticmethod
    def limit(request, default: int) -> int:
        value = request.query.get("limit")
        if value is None:
            return default
        try:
            limit = int(value)
        except ValueError:
            limit = 0
        if not 1 <= limit <= 1000:
            raise BadRequest(f"limit must be a whole number from 1 to 1000, not {value!r}")
        return limit

    def _install_views(self) -> None:
        app, cfg, page, _limit = self.app, self.cfg, self.page, self.limit

        @page("/cooccurrence/status")
        async def status(web, request):
            local = {"ready": self.ready(), "watermark": self.local_watermark(), "stats": dict(self.stats),
                     "changelog_records_read": {t.name: t.records_read for t in self.recovered_tables()},
                     "windows": len(self.local_windows()), "url": str(app.conf.canonical_url)}
            if request.query.get("local"):
                return web.json(local)
            workers = await self.gather("/cooccurrence/status", lambda: local)
            marks = [w["watermark"] for w in workers if w.get("watermark") is not None]
            wm = max(marks) if marks else None
            return web.json({"ready": all(w["ready"] for w in workers), "watermark": wm and iso(wm),
                             "current_window": wm and iso(current_window(wm, cfg)[0]),
                             "config": {"window": cfg.window_name, "step": cfg.step, "retention": cfg.retention},
                             "workers": workers})

        @page("/cooccurrence/windows")
        async def windows(web, request):
            if request.query.get("local"):
                return web.json({"windows": self.local_windows()})
            return web.json({"window": cfg.window_name, "windows": [iso(s) for s in await self.all_windows()]})

        @page("/cooccurrence/top")
        async def top(web, request):
            limit = _limit(request, 50)
            window, desc = await self.request_window(request)
            if request.query.get("local"):
                return web.json({"pairs": self.local_top(window, limit)})
            start = "total" if window is None else str(window[0])
            parts = await self.gather(f"/cooccurrence/top?window={start}&limit={limit}",
                                      lambda: {"pairs": self.local_top(window, limit)})
            pairs = rank_pairs((p for part in parts for p in part["pairs"]), limit)
            return web.json({"window": desc, "pairs": pairs})

        @page("/cooccurrence/graph")
        async def graph_data(web, request):
            limit = _limit(request, 80)
            window, desc = await self.request_window(request)

            def local():
                return {"pairs": self.local_top(window, limit), "actors": self.local_actors(window)}

            if request.query.get("local"):
                return web.json(local())
            start = "total" if window is None else str(window[0])
            parts = await self.gather(f"/cooccurrence/graph?window={start}&limit={limit}", local)
            edges = rank_pairs((p for part in parts for p in part["pairs"]), limit)
            ids = {e["a"] for e in edges} | {e["b"] for e in edges}
            nodes = {a["id"]: a for part in parts for a in part["actors"] if a["id"] in ids}
            for e in edges:  # an endpoint whose actor record is not (yet) visible still gets a node
                for side in ("a", "b"):
                    nodes.setdefault(e[side], {"id": e[side], "name": e[f"{side}_name"], "type": None,
                                                "articles": 0, "mentions": 0, "partners": 0})
            return web.json({"window": desc, "windows": [iso(s) for s in await self.all_windows()][:120],
                             "nodes": sorted(nodes.values(), key=lambda n: n["id"]),
                             "edges": [{"source": e["a"], "target": e["b"], **e} for e in edges]})

        @page("/cooccurrence/{actor_id}")
        async def partners(web, request, actor_id):
            routed = await self.route(self.actor_table, actor_id, web, request)
            if routed is not None:
                return routed
            limit = _limit(request, 20)
            window, desc = await self.resolve_window(_window_param(request))
            total = _load(self.actor_table.data.get(actor_id))
            if not total:
                return web.json({"error": f"unknown actor {actor_id}"}, status=404)
            value = self.actor_value(actor_id, window)
            return web.json({"actor": actor_summary(value) or actor_summary(total),
                             "window": desc, "partners": rank_partners(value, limit),
                             "worker": str(app.conf.canonical_url)})

        @page("/actors/{actor_id}")
        async def actor(web, request, actor_id):
            routed = await self.route(self.actor_table, actor_id, web, request)
            if routed is not None:
                return routed
            value = _load(self.actor_table.data.get(actor_id))
            if not value:
                return web.json({"error": f"unknown actor {actor_id}"}, status=404)
            return web.json({"actor": actor_summary(value), "top_partners": rank_partners(value, 10),
                             "windows": actor_windows(value, cfg)[:60],
                             "worker": str(app.conf.canonical_url)})

        @page("/graph")
        async def graph_page(web, request):
            return web.html((WEB_DIR / "graph.html").read_text(encoding="utf-8"))

        @page("/graph/{asset}")
        async def graph_asset(web, request, asset):
            types = {".js": "application/javascript", ".css": "text/css"}
            path = WEB_DIR / asset
            if path.suffix not in types or path.parent != WEB_DIR or not path.is_file():
                return web.json({"error": "not found"}, status=404)
            return web.bytes(path.read_bytes(), content_type=types[path.suffix])

    def _local_window(self, value: str):
        if value == "total":
            return None, {"name": "total"}
        try:
            w = window_at(float(value), self.cfg)
        except ValueError:
            raise BadRequest(f"window {value!r}: a peer query names a window start in seconds") from None
        return w, {"start": iso(w[0])}


def install(khabar) -> Cooccurrence:
    return Cooccurrence(khabar)


def _window_param(request) -> str:
    return request.query.get("window_start") or request.query.get("window") or "current"
