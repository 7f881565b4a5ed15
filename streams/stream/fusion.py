"""The Faust side of event fusion: one repartition topic, one table, one agent, the /events views.

All fusing is in `streams.fusion` (pure, shared with ``khabar extract --fuse``).  Here:

* the dedup agent (`streams.stream.cooccurrence`), once it decided an article counts, hands its record to
  `sends()`: one message per group key (type + key arguments) to `events.reports`, on the partition owning
  that key, sent with the enriched record before the article is acknowledged;
* `fuse` folds each group's reports into the `fusion-groups` table (changelog-backed, keyed and
  partitioned by group key, so the records that can merge or follow each other live together) through a
  write-back cache, writes each changed group once per take, and publishes one message per changed fused
  record to the compacted `events.fused` (key = fused id; a tombstone when a record merged into another).
  The events are acknowledged only after those writes are delivered.  A group message delivered twice
  changes nothing (`FusionTable.apply` is idempotent per article).
"""
from __future__ import annotations

import asyncio
import logging
import zlib

import orjson

from streams.config import FUSED
from streams.cooccurrence import Decision
from streams.fusion import FusionConfig, FusionTable, article_reports, fuses, naming, recent
from streams.processing import Output
from streams.stream.cooccurrence import REPARTITION_CONFIG, TAKE_MAX, BadRequest, RecoveredTable, WriteBack, _table
from streams.stream.delivery import this_generation

log = logging.getLogger(__name__)
REPORTS = "events.reports"   # repartition topic: one message per (fused article, group key)


class Fusion:
    def __init__(self, khabar, cooccurrence) -> None:
        self.khabar, self.cooccurrence = khabar, cooccurrence
        self.app, self.settings = khabar.app, khabar.settings
        self.cfg = FusionConfig.from_settings(self.settings)
        app, s = self.app, self.settings
        self.reports_topic = app.topic(s.topic(REPORTS), key_type=bytes, value_type=bytes, key_serializer="raw",
                                       value_serializer="raw", partitions=s.partitions, internal=True,
                                       config=REPARTITION_CONFIG)
        self.fused_topic = khabar.topics[FUSED]
        self.groups = _table(app, "fusion-groups", s, RecoveredTable, value_type=bytes)
        self.groups.on_recovered = self._forget_index
        self._index: dict[str, str] | None = None   # fused id -> group key, of the groups held here
        self.stats = {"articles": 0, "messages": 0, "taken": 0, "applied": 0, "replayed": 0, "reports": 0, "changes": 0,
                      "published": 0, "stale": 0}
        self.unsent: list[Output] = []   # broker-less test mode: the repartition records
        self._install()

    def partition(self, group: str) -> int:
        return zlib.crc32(group.encode("utf-8")) % self.settings.partitions

    # ------------------------------------------------------------------ dedup side
    def sends(self, record: dict, decision: Decision) -> list:
        """The group messages of one decided article (none for a copy or an article counted before)."""
        if not fuses(decision):
            return []
        try:
            groups = article_reports(record)
        except Exception:  # fusion must never cost the article its enrichment
            log.exception("fusion reports failed for %s", record.get("id"))
            return []
        self.stats["articles"] += 1
        out = []
        for group, reports in sorted(groups.items()):
            value = {"group": group, "reports": reports}
            self.stats["messages"] += 1
            if self.khabar.sink is not None:  # broker-less test mode: kept for the test to feed the agent
                self.unsent.append(Output(REPORTS, group.encode("utf-8"), value))
            else:
                out.append((self.reports_topic, group.encode("utf-8"), orjson.dumps(value), None,
                            self.partition(group)))
        return out

    # ------------------------------------------------------------------ the agent
    def _install(self) -> None:
        @self.app.agent(self.reports_topic, name="fuse")
        async def fuse(stream):
            async for events in stream.take_events(TAKE_MAX, within=self.cooccurrence.cfg.flush_interval):
                await self._fuse(events)
                yield len(events)

        self.fuse = fuse
        self._install_views()

    async def _fuse(self, events) -> None:
        live = this_generation(self.app, events)  # not a lost partition's (streams.stream.delivery, hole 5)
        self.stats["stale"] += len(events) - len(live)
        events = live
        groups = WriteBack(self.groups, self.partition)
        table = FusionTable(self.cfg, groups)
        changed: dict[str, dict | None] = {}
        for event in events:
            message = orjson.loads(event.value)
            for fid, rec in table.apply(message["group"], message["reports"]):
                changed[fid] = rec   # the last state per fused id of this take
        index = self._local_index()
        for fid, rec in changed.items():
            if rec is None:
                index.pop(fid, None)
            else:
                index[fid] = rec["key"]
        publish = self.khabar.sink is None
        futures = groups.flush(publish)   # each sends its records and stores them once delivered
        if publish:
            sends = [(self.fused_topic, fid.encode("utf-8"), None if rec is None else orjson.dumps(rec), None)
                     for fid, rec in changed.items()]
            futures += [await self.fused_topic.send(key=k, value=v, force=True) for _, k, v, _ in sends]
        else:  # broker-less test mode: what the topic would carry
            for fid, rec in changed.items():
                await self.khabar.sink(Output(FUSED, fid.encode("utf-8"), rec))
        if futures:  # delivered (and the groups stored) before these events are acknowledged, so before their commit
            await asyncio.gather(*futures)
        # counted once the table holds the groups: whoever waits on these counts then reads them in the views
        self.stats["taken"] += len(events)
        for name in ("applied", "replayed", "reports", "changes"):
            self.stats[name] += table.stats[name]
        self.stats["published"] += len(changed)

    # ------------------------------------------------------------------ local state
    def _forget_index(self) -> None:
        self._index = None

    def _local_index(self) -> dict[str, str]:
        if self._index is None:
            self._index = {fid: orjson.loads(raw)["key"] for _, raw in self.cooccurrence.active_items(self.groups)
                           for fid in orjson.loads(raw)["records"]}
        return self._index

    def local_record(self, fid: str) -> dict | None:
        group = self._local_index().get(fid)
        raw = self.groups.data.get(group) if group is not None else None
        return None if raw is None else orjson.loads(raw)["records"].get(fid)

    def local_records(self):
        for _, raw in self.cooccurrence.active_items(self.groups):
            yield from orjson.loads(raw)["records"].values()

    # ------------------------------------------------------------------ web views
    def _install_views(self) -> None:
        app, co = self.app, self.cooccurrence

        def page(path):
            return co.page(path)

        def args(request) -> tuple[str | None, int]:
            etype = request.query.get("type") or None
            if etype not in (None, "sanction", "visit"):
                raise BadRequest(f"type must be sanction or visit, not {etype!r}")
            return etype, co.limit(request, 20)

        # registered before /events/{fused_id}, which would otherwise take "recent" and "status" for ids
        @page("/events/status")
        async def status(web, request):
            local = lambda: {"stats": dict(self.stats), "url": str(app.conf.canonical_url)}  # noqa: E731
            if request.query.get("local"):
                return web.json(local())
            return web.json({"workers": await co.gather("/events/status", local)})

        @page("/events/recent")
        async def recent_events(web, request):
            etype, limit = args(request)
            local = lambda: {"events": recent(self.local_records(), etype, limit)}  # noqa: E731
            if request.query.get("local"):
                return web.json(local())
            query = f"/events/recent?limit={limit}" + (f"&type={etype}" if etype else "")
            parts = await co.gather(query, local)
            return web.json({"type": etype, "events": recent([e for p in parts for e in p["events"]], etype, limit)})

        @page("/events/actor/{actor_id}")
        async def actor_events(web, request, actor_id):
            etype, limit = args(request)
            local = lambda: {"events": recent(naming(self.local_records(), actor_id), etype, limit)}  # noqa: E731
            if request.query.get("local"):
                return web.json(local())
            query = f"/events/actor/{actor_id}?limit={limit}" + (f"&type={etype}" if etype else "")
            parts = await co.gather(query, local)
            return web.json({"actor": actor_id, "type": etype,
                             "events": recent([e for p in parts for e in p["events"]], etype, limit)})

        @page("/events/{fused_id}")
        async def event(web, request, fused_id):
            local = lambda: {"event": self.local_record(fused_id)}  # noqa: E731
            if request.query.get("local"):
                return web.json(local())
            found = [p["event"] for p in await co.gather(f"/events/{fused_id}", local) if p.get("event")]
            if not found:
                return web.json({"error": f"unknown fused event {fused_id}"}, status=404)
            return web.json(found[0])


def install(khabar, cooccurrence) -> Fusion:
    return Fusion(khabar, cooccurrence)
