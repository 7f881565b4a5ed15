"""The Faust side of actor co-occurrence: repartition topics, windowed tables, agents, web views.

All counting is in `streams.cooccurrence` (pure, shared with the offline CLI).  Here:

* the enrich agent calls `Cooccurrence.observe()` (dedup + lateness, state in changelog-backed
  tables) and `emit()`, which sends one pair record per pair to `actors.pairs` (key = pair key)
  and one actor record per actor to `actors.mentions` (key = actor id), each with the Kafka
  timestamp set explicitly to the article's event time (no `group_by`, which would restamp it;
  one repartition topic per key space; filtering happens before repartitioning);
* `cooccur` folds pair records into the hopping-window table and the running total and publishes
  every change to `actors.cooccurrence`; `actor_stats` does the same for the actor-keyed tables
  that answer "who appears with X" and "/actors/X" (routed to the worker owning X);
* windows expire by event time (see `EventTimeTable`), with tombstones in the changelog.
"""
from __future__ import annotations

import asyncio
import functools
import logging
import time
from heapq import heappop
from pathlib import Path
from typing import Any

import faust
import orjson
from faust.exceptions import SameNode
from faust.serializers import codecs

from streams.config import COOCCURRENCE, Settings
from streams.processing import Output
from streams.cooccurrence import (DedupIndex, Decision, Features, WindowConfig, actor_records, actor_summary,
                                  apply_actor, apply_pair, cooccurrence_message, current_window, iso, iter_windows,
                                  pair_records, parse_time, rank_pairs, rank_partners, window_at, window_ranges)

log = logging.getLogger(__name__)
PAIRS = "actors.pairs"          # repartition topic keyed by pair key
MENTIONS = "actors.mentions"    # repartition topic keyed by actor id
WEB_DIR = Path(__file__).resolve().parents[1] / "web"
# Event timestamps of a replayed archive are years old: keep time-based deletion and segment rolling
# from dropping unread repartition records (size-bounded instead).
REPARTITION_CONFIG = {"retention.ms": "-1", "retention.bytes": str(1 << 30), "segment.ms": str(100 * 365 * 86400000)}


class EventTimeTable(faust.Table):
    """A table whose windows expire by event time and leave tombstones in the changelog.

    faust-streaming 0.15 expires windows against the wall clock (a replay of 2009 news would be
    dropped within seconds), pops them without a changelog tombstone (a restart resurrects them) and
    forgets expiry for recovered keys (memory then grows with history).  Here: stale relative to the
    newest window end seen on the partition (the same rule as `streams.cooccurrence.window_is_stale`),
    deleted with a tombstone, and recovered keys are scheduled for expiry again."""

    async def _del_old_keys(self) -> None:
        window = self.window
        assert window is not None
        for partition, timestamps in self._partition_timestamps.items():
            latest = self._partition_latest_timestamp[partition]
            while timestamps and window.stale(timestamps[0], latest):
                ts = heappop(timestamps)
                for key in self._partition_timestamp_keys.pop((partition, ts), None) or ():
                    if key in self.data:
                        self.data.pop(key, None)
                        self.send_changelog(partition, key, None, value_serializer="raw")

    async def on_recovery_completed(self, active_tps, standby_tps) -> None:
        await super().on_recovery_completed(active_tps, standby_tps)
        if self.window is None or self.window.expires is None:
            return
        key_partition = getattr(self.data, "_key_partition", {})
        scheduled = {k for keys in self._partition_timestamp_keys.values() for k in keys}
        for key in list(self.data.keys()):
            partition = key_partition.get(key)
            if partition is not None and key not in scheduled and isinstance(key, tuple) and len(key) == 2:
                self._maybe_set_key_ttl(key, partition)


class Incomplete(RuntimeError):
    """Some worker of the cluster did not answer a scatter-gather query."""


def _table(app: faust.App, cls, name: str, settings: Settings, **kwargs) -> Any:
    return app.tables.add(cls(app, name=name, default=None, beacon=app.tables.beacon, partitions=settings.partitions,
                              key_type=str, value_type=None, **kwargs))


def table_key(key: str) -> bytes:
    """Message key bytes equal to the table's serialized key, so Faust's key routing finds the owner."""
    return codecs.dumps("json", key)


class Cooccurrence:
    def __init__(self, khabar) -> None:
        self.khabar = khabar
        self.app: faust.App = khabar.app
        self.settings: Settings = khabar.settings
        self.cfg = WindowConfig.from_settings(self.settings)
        app, s, cfg = self.app, self.settings, self.cfg
        self.pairs_topic = app.topic(s.topic(PAIRS), key_type=bytes, value_type=bytes, key_serializer="raw",
                                     value_serializer="raw", partitions=s.partitions, internal=True,
                                     config=REPARTITION_CONFIG)
        self.mentions_topic = app.topic(s.topic(MENTIONS), key_type=bytes, value_type=bytes, key_serializer="raw",
                                        value_serializer="raw", partitions=s.partitions, internal=True,
                                        config=REPARTITION_CONFIG)
        # windowed (hopping, by event time) and running totals; changelog topics are made by Faust
        self.pair_windows = _table(app, EventTimeTable, "cooccurrence-pairs", s).hopping(
            cfg.size, cfg.step, expires=cfg.retention).relative_to_stream()
        self.pair_totals = _table(app, faust.Table, "cooccurrence-pair-totals", s)
        self.actor_windows = _table(app, EventTimeTable, "cooccurrence-actors", s).hopping(
            cfg.size, cfg.step, expires=cfg.retention).relative_to_stream()
        self.actor_totals = _table(app, faust.Table, "cooccurrence-actor-totals", s)
        # dedup state, written by the enrich agent (co-partitioned with the articles topic)
        self.seen = _table(app, faust.Table, "cooccurrence-seen", s)
        self.bands = _table(app, faust.Table, "cooccurrence-bands", s)
        self.meta = _table(app, faust.Table, "cooccurrence-meta", s)
        self.stats = {"articles": 0, "counted": 0, "seen": 0, "near_duplicate": 0, "late": 0,
                      "pair_records": 0, "actor_records": 0, "published": 0, "restamped": 0}
        self._latest_t: float | None = None
        self._indexes: dict[int, DedupIndex] = {}
        self.sink = None            # like Khabar.sink, for the repartition records
        self.unsent: list[Output] = []
        self._install_agents()

    # ------------------------------------------------------------------ enrich side
    def observe(self, features: Features, partition: int) -> Decision:
        index = self._indexes.get(partition)
        if index is None:
            index = self._indexes[partition] = DedupIndex(self.cfg, self.seen, self.bands, self.meta,
                                                          watermark_key=f"watermark:{partition}")
        decision = index.check(features.article_id, features.time, features.signature)
        self.stats["articles"] += 1
        self.stats["counted" if decision.counts else decision.reason] += 1
        return decision

    async def emit(self, features: Features) -> list:
        """Re-key by pair and by actor; the Kafka timestamp is the event time (windows use it).  With a
        broker: the records to send (the enrich agent sends them with the article's outputs, so the
        article is acked only once they are on the broker)."""
        sends = [(PAIRS, self.pairs_topic, table_key(rec["key"]), rec) for rec in pair_records(features)]
        sends += [(MENTIONS, self.mentions_topic, table_key(rec["id"]), rec) for rec in actor_records(features)]
        if self.sink is None and self.khabar.sink is None:
            return [(topic, key, orjson.dumps(rec), rec["t"]) for _, topic, key, rec in sends]
        for name, topic, key, rec in sends:
            if self.sink is not None:
                await self.sink(Output(name, key, rec))
            else:  # broker-less test mode: keep them for inspection
                self.unsent.append(Output(name, key, rec))
        return []

    # ------------------------------------------------------------------ agents
    def _install_agents(self) -> None:
        app = self.app
        pair_base, actor_base = self.pair_windows.table, self.actor_windows.table

        @app.agent(self.pairs_topic, name="cooccur")
        async def cooccur(stream):
            stream = stream.noack()  # acked once its table-change messages are on the broker
            async for event in stream.events():
                rec = orjson.loads(event.value)
                key = rec["key"]
                # the event time travels in the value ("t", exact) and as the record timestamp (ms): a
                # mismatch means something re-stamped the record on the way (the group_by pitfall)
                if abs(event.message.timestamp - rec["t"]) > 0.001:
                    self.stats["restamped"] += 1
                changes = []
                for w in window_ranges(rec["t"], self.cfg):
                    pair_base[(key, w)] = value = apply_pair(pair_base.get((key, w)), rec)
                    changes.append(cooccurrence_message(key, w, value))
                self.pair_totals[key] = value = apply_pair(self.pair_totals.get(key), rec)
                changes.append(cooccurrence_message(key, None, value))
                self._latest_t = max(self.local_watermark() or rec["t"], rec["t"])  # recovered state counts too
                self.stats["pair_records"] += 1
                kb = key.encode("utf-8")
                await self.khabar.publish([Output(COOCCURRENCE, kb, message) for message in changes],
                                          then=functools.partial(stream.ack, event))
                self.stats["published"] += len(changes)
                yield key

        @app.agent(self.mentions_topic, name="actor_stats")
        async def actor_stats(stream):
            async for event in stream.events():
                rec = orjson.loads(event.value)
                aid = rec["id"]
                for w in window_ranges(rec["t"], self.cfg):
                    actor_base[(aid, w)] = apply_actor(actor_base.get((aid, w)), rec)
                self.actor_totals[aid] = apply_actor(self.actor_totals.get(aid), rec)
                self.stats["actor_records"] += 1
                yield aid

        self.cooccur, self.actor_stats = cooccur, actor_stats
        self._install_views()

    # ------------------------------------------------------------------ local state
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
            p = key_partition.get(k)  # None: written here by this worker's own agent
            if p is None or actives is None or p in actives:
                yield k, v

    def local_watermark(self) -> float | None:
        if self._latest_t is None:
            ts = [v.get("last_t") for _, v in self.active_items(self.pair_totals) if v and v.get("last_t") is not None]
            self._latest_t = max(ts) if ts else None
        return self._latest_t

    def local_windows(self) -> list[float]:
        return sorted({w[0] for w in iter_windows(k for k, _ in self.active_items(self.pair_windows.table))},
                      reverse=True)

    def local_top(self, window, limit: int) -> list[dict]:
        if window is None:
            values = [v for _, v in self.active_items(self.pair_totals) if v]
        else:
            values = [v for k, v in self.active_items(self.pair_windows.table) if v and tuple(k[1]) == window]
        return rank_pairs(values, limit)

    def local_actors(self, window, ids: set[str] | None = None) -> list[dict]:
        if window is None:
            items = self.active_items(self.actor_totals)
        else:
            items = ((k[0], v) for k, v in self.active_items(self.actor_windows.table) if tuple(k[1]) == window)
        return [actor_summary(v) for k, v in items if v and (ids is None or k in ids)]

    def actor_value(self, actor_id: str, window) -> dict | None:
        if window is None:
            return self.actor_totals.get(actor_id)
        return self.actor_windows.table.data.get((actor_id, window))

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
                    raise ValueError(f"window must be total, current, {self.cfg.window_name} or a start date") from None
            w = window_at(start, self.cfg)
        return w, {"name": self.cfg.window_name, "start": iso(w[0]), "end": iso(round(w[1] + 0.1))}

    async def route(self, table, key: str, web, request):
        """Faust table routing: the owner of `key` answers; None means answer here."""
        try:
            return await self.app.router.route_req(table.name, key, web, request)
        except SameNode:
            return None

    # ------------------------------------------------------------------ web views
    def _install_views(self) -> None:
        app, cfg = self.app, self.cfg

        def page(path: str):
            def decorate(fn):
                @functools.wraps(fn)
                async def guarded(web, request, *args, **kwargs):
                    try:
                        return await fn(web, request, *args, **kwargs)
                    except Incomplete as e:
                        return web.json({"error": "a worker did not answer; try again", "detail": str(e)}, status=503)
                return app.page(path)(guarded)
            return decorate

        def _limit(request, default: int) -> int:
            try:
                return max(1, min(1000, int(request.query.get("limit", default))))
            except ValueError:
                return default

        @page("/cooccurrence/status")
        async def status(web, request):
            local = {"ready": self.ready(), "watermark": self.local_watermark(), "stats": dict(self.stats),
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
            try:
                window, desc = await self.request_window(request)
            except ValueError as e:
                return web.json({"error": str(e)}, status=400)
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
            try:
                window, desc = await self.request_window(request)
            except ValueError as e:
                return web.json({"error": str(e)}, status=400)

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
            routed = await self.route(self.actor_totals, actor_id, web, request)
            if routed is not None:
                return routed
            try:
                window, desc = (await self.resolve_window(_window_param(request)))
            except ValueError as e:
                return web.json({"error": str(e)}, status=400)
            value = self.actor_value(actor_id, window)
            return web.json({"actor": actor_summary(value) or actor_summary(self.actor_totals.get(actor_id)),
                             "window": desc, "partners": rank_partners(value, _limit(request, 20)),
                             "worker": str(app.conf.canonical_url)})

        @page("/actors/{actor_id}")
        async def actor(web, request, actor_id):
            routed = await self.route(self.actor_totals, actor_id, web, request)
            if routed is not None:
                return routed
            value = self.actor_totals.get(actor_id)
            if not value:
                return web.json({"error": f"unknown actor {actor_id}"}, status=404)
            recent = [(k[1], v) for k, v in self.actor_windows.table.data.items() if k[0] == actor_id and v]
            recent.sort(key=lambda kv: kv[0][0], reverse=True)
            return web.json({"actor": actor_summary(value), "top_partners": rank_partners(value, 10),
                             "windows": [{"start": iso(w[0]), "end": iso(round(w[1] + 0.1)),
                                          "articles": v["articles"], "mentions": v["mentions"]}
                                         for w, v in recent[:60]],
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
        w = window_at(float(value), self.cfg)
        return w, {"start": iso(w[0])}


def install(khabar) -> Cooccurrence:
    return Cooccurrence(khabar)


def _window_param(request) -> str:
    return request.query.get("window_start") or request.query.get("window") or "current"
