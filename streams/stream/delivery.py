"""At-least-once delivery on top of Faust: no input offset is committed before its outputs are on the
broker, and no offset is committed that was not processed.

Three holes in faust-streaming 0.15 (each seen or reasoned from its source, see README "Guarantees"):

1. `Topic.send()` only queues a record; Faust commits the input offset after `producer.flush()`, which
   returns even when a send failed.  `Delivery` acks an input (agents use manual acks) only once the
   broker acknowledged every one of its outputs, and re-sends the failed ones (with backoff).
2. `Consumer._new_offset()` commits the first run of consecutive acked offsets even when it starts one
   past the committed offset (`min(acked) - committed > 1` is its only check): with offset C still
   in flight and C+1.. acked, it commits past C.  `committable()` requires the run to start exactly at
   the committed offset.
3. The stream drops messages fetched before a rebalance (old generation) but acks them as if processed,
   so they count for the commit.  `KhabarConsumer.ack()` refuses acks of another generation: those
   offsets are read again after the rebalance's seek and acked when really processed.
4. A record fetched before that seek can reach Faust's fetch loop after it (the fetch was in flight in
   the consumer thread while the seek ran); the loop then drops the re-read records below it and books
   them as a gap.  The commit waits at the committed offset (2.), and `_reread_if_stalled()` reads the
   partition again from there after `stall_seconds`; when nothing is acked or in flight no commit ever
   asks, and `_watch_dropped` finds such partitions on a timer.  A re-read passes on only the records
   not acked since (`_skip_acked`).  (Dropping a fetch that a seek overlapped and seeking again from the
   fetch path was tried: it once left a restarted worker fetching nothing at all, so it is not done.)
5. The drop in 3. happens where a message enters a stream; a `take` buffer filled before the rebalance
   is handed over after it, old-generation events and all.  A table agent that applied them wrote the
   changelog of a partition it had lost behind its new owner's back (recovered already, the new owner's
   next value of a key then lacked those increments).  `this_generation()` leaves them out; their acks are
   refused (3.), so they are read again, by whoever owns the partition now.  (The handover fault test saw
   the tables differ from offline in 4 of 7 runs before, in 1 of 8 after: another path remains.)
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any, Awaitable, Callable, Optional, Sequence

from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.utils.functional import consecutive_numbers

log = logging.getLogger(__name__)
RETRY_FIRST, RETRY_LONGEST = 0.5, 10.0


def this_generation(app, events: Sequence) -> list:
    """The events of a `take` batch fetched in the consumer group's current generation (hole 5)."""
    generation = app.consumer_generation_id
    return [e for e in events if e.message.generation_id == generation]


def committable(acked: list[int], committed: Optional[int]) -> Optional[int]:
    """The offset to commit given the sorted acked offsets of a partition (gaps the fetcher saw already
    folded in) and the committed offset (the next one to process; None before the first commit):
    one past the run of consecutive offsets that starts at `committed`, or None."""
    if not acked:
        return None
    if committed is not None and acked[0] != committed:
        return None
    run = next(consecutive_numbers(acked))
    return run[-1] + 1


def dropped(committed: Optional[int], highwater: Optional[int], acked: int, in_flight: int) -> bool:
    """A partition whose records from the committed offset on never reach the agents: records are there to
    read, yet none of the partition is acked or in flight.  Either the fetch loop read at or past the
    committed offset and drops what it fetches again below its read offset, or (seen after a SIGKILL and a
    restart: committed 6, read 4, highwater 32, nothing acked or in flight for minutes) the records were
    fetched and skipped before the commit moved past the read offset.  A record merely next to fetch, or
    queued for a busy agent (Faust tracks a message only once the agent takes it), looks the same for a
    while: the caller waits `dropped_seconds`, doubling per re-read, before reading it again; a re-read
    costs a fetch, and may process again what sat queued (never a loss).  The read offset may be
    unknown: a restarted worker's four input partitions sat at committed 2-3, read None, highwater 32-48,
    nothing acked or in flight, for minutes."""
    if committed is None or highwater is None:
        return False
    return acked == 0 and in_flight == 0 and highwater > committed


class KhabarConsumer(faust_aiokafka.Consumer):
    #: seconds the committed offset may stay unprocessed while later offsets are done, before the
    #: partition is read again from it (a message the fetcher dropped: see `_reread_if_stalled`).  Not
    #: shorter: the committed offset's outputs may simply be slower to confirm than later ones' (other
    #: output partitions); at 5 s a handover under load re-read so often that 770 inputs came out 2,614 times.
    stall_seconds: float = 15.0
    #: the same wait when nothing of the partition is acked or in flight (`check_dropped`): then nothing
    #: can be slow, so it is short (every restart met such a stall in the fault runs)
    dropped_seconds: float = 4.0

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._stalled: dict = {}  # tp -> since when its committed offset waits
        self._watchdog_rereads: dict = {}  # tp -> (committed offset, re-reads from it by check_dropped)
        self._start_offset: dict = {}  # tp -> where reading starts while the group has no commit for it

    async def _wait_next_records(self, timeout: float):
        records, active = await super()._wait_next_records(timeout)
        if records:
            self._skip_acked(records)
        return records, active

    def _skip_acked(self, records) -> None:
        """A partition read again from its committed offset (a stall) holds records processed since, whose
        outputs are on the broker and whose acks wait for the committed one: pass on only the others.  A
        re-read then costs the dropped records, not everything after them again (a re-read of 4 partitions
        in a handover had duplicated ~140 records each)."""
        for tp, batch in list(records.items()):
            done = self._acked_index.get(tp)
            if done:
                kept = [r for r in batch if r.offset not in done]
                if len(kept) != len(batch):
                    if kept:
                        records[tp] = kept
                    else:
                        del records[tp]

    async def perform_seek(self) -> None:
        """After the seek to the committed offsets, note where each partition without a commit starts (its
        earliest offset: the consumer resets to earliest).  Without it, the first commit of such a partition
        trusted whatever run of offsets was acked first, and records the fetch loop dropped after a
        rebalance (see `_reread_if_stalled`) were committed past, unprocessed."""
        await super().perform_seek()
        uncommitted = [tp for tp in self.assignment() if self._committed_offset.get(tp) is None]
        self._start_offset = {tp: o for tp, o in self._start_offset.items() if tp in self.assignment()}
        if uncommitted:
            try:
                earliest = await self.earliest_offsets(*uncommitted)
            except Exception as e:  # no worse than before: the first acked run decides
                log.warning("could not read the earliest offsets of %s: %r", uncommitted, e)
                return
            self._start_offset.update({tp: o for tp, o in earliest.items() if o is not None and o >= 0})

    def ack(self, message) -> bool:
        if message.generation_id != self.app.consumer_generation_id:
            # fetched before the last rebalance and skipped by the stream, not processed: the seek that
            # ended the rebalance reads it again
            message.acked = True
            self._unacked_messages.discard(message)
            return False
        return super().ack(message)

    def _new_offset(self, tp) -> Optional[int]:
        acked = self._acked[tp]
        if not acked:
            return None
        self._fold_gaps(tp, acked)
        acked[:] = sorted(set(acked))  # a gap offset can also be acked after a re-read
        committed = self._committed_offset[tp]
        if committed is None:
            committed = self._start_offset.get(tp)
        if committed is not None:  # acks below the committed offset are stale (acked twice)
            stale = sum(1 for o in acked if o < committed)
            if stale:
                self._acked_index[tp].difference_update(acked[:stale])
                acked[:stale] = []
        offset = committable(acked, committed)
        if offset is not None:
            done = offset - acked[0]
            self._acked_index[tp].difference_update(acked[:done])
            acked[:done] = []
            self._stalled.pop(tp, None)
        elif acked and committed is not None:
            self._reread_if_stalled(tp, committed)
        return offset

    def _reread_if_stalled(self, tp, committed: int, wait: float | None = None) -> bool:
        """Later offsets are done but the committed one is not.  After a rebalance, a record fetched
        before the seek can reach Faust's fetch loop after it: the loop then drops every record below
        it as already read (and books the hole as a gap), so the committed offset is never processed.
        Faust 0.15 committed past it (the messages were lost); here the commit waits, and after
        `stall_seconds` the partition is read again from the committed offset (re-processing what
        came after it: at-least-once).  True when it read again now."""
        stalled = self._stalled
        now = time.monotonic()
        since = stalled.setdefault(tp, now)
        if now - since < (self.stall_seconds if wait is None else wait):
            return False
        stalled[tp] = now
        # forget the holes booked by the dropped records (folded in or not); a re-read finds the real ones
        self._gap.pop(tp, None)
        self._acked[tp][:] = sorted(self._acked_index[tp])
        log.warning("%s: offset %d not processed for %.0f s while later ones were acked or dropped; reading "
                    "again from it", tp, committed, now - since)
        asyncio.ensure_future(self.seek(tp, committed))
        return True

    @faust_aiokafka.Consumer.timer(2.0)
    async def _watch_dropped(self) -> None:
        self.check_dropped()

    def check_dropped(self) -> None:
        """Partitions no commit will ever unblock (see `dropped`): read them again after `dropped_seconds`."""
        app = self.app
        if app.rebalancing or app.in_recovery or not self.flow_active:
            return
        fetched = self._active_partitions
        in_flight: dict = {}
        for message in list(self._unacked_messages):
            if not message.acked:
                in_flight[message.tp] = in_flight.get(message.tp, 0) + 1
        changelogs = app.tables.changelog_topics
        for tp in list(fetched or ()):
            if tp.topic in changelogs:
                continue  # a standby replica's changelog: read by the tables, never acked (a re-read from its
                #           start made the standby start over every few seconds)
            if self._acked.get(tp):
                continue  # acked offsets wait for the committed one: _new_offset watches those
            try:
                highwater = self.highwater(tp)
            except Exception:
                continue
            committed = self._committed_offset.get(tp)
            if committed is None:
                committed = self._start_offset.get(tp)
            if dropped(committed, highwater, 0, in_flight.get(tp, 0)):
                # each re-read from the same committed offset waits twice as long (up to a minute): during a
                # broker outage nothing moves whatever is read, and every re-read fetches and may process
                # again what sat queued (a 23 s outage re-read two partitions every 4 s: 111 inputs twice)
                at, times = self._watchdog_rereads.get(tp, (committed, 0))
                if at != committed:
                    at, times = committed, 0
                if self._reread_if_stalled(tp, committed, min(self.dropped_seconds * 2 ** times, 60.0)):
                    times += 1
                self._watchdog_rereads[tp] = (at, times)
            else:
                self._stalled.pop(tp, None)

    def _fold_gaps(self, tp, acked: list[int]) -> None:
        """Offsets the fetcher never saw count as done only under exactly_once, where Faust's own
        transactional repartition topics have holes (transaction markers): fold the gaps below the
        highest acked offset into the acked list.  Under at_least_once the input topics have no holes
        and a "gap" is a record that overtook the seek after a rebalance (the dropped records below it
        were never processed: trusting it lost them), so gaps are ignored; a real hole (a compacted or
        transactionally written input topic) then only makes `_reread_if_stalled` read it again."""
        gaps = self._gap.get(tp)
        if not gaps:
            return
        if self.app.conf.processing_guarantee.value != "exactly_once":
            self._gap.pop(tp, None)
            return
        top = max(acked)
        covered = sorted(gaps.overlap(0, top), key=lambda iv: iv.begin)
        if covered:
            acked.extend(o for iv in covered for o in range(iv.begin, min(iv.end, top)))
            gaps.chop(0, top)

    def state(self) -> dict:
        """Where each assigned partition stands (the /debug/consumer view): committed, read and
        highwater offsets, acked offsets waiting for the committed one, Faust's fetch flags.  A partition
        that is behind its highwater with no acks pending and `fetching` false is not being read."""
        app = self.app
        active = self._active_partitions
        try:
            paused = {(tp.topic, tp.partition) for tp in self._thread._ensure_consumer().paused()}
        except Exception:
            paused = set()
        partitions = []
        for tp in sorted(self.assignment()):
            try:
                highwater = self.highwater(tp)
            except Exception:
                highwater = None
            acked = self._acked.get(tp) or []
            partitions.append({
                "topic": tp.topic, "partition": tp.partition, "committed": self._committed_offset.get(tp),
                "read": self._read_offset.get(tp), "highwater": highwater, "acked_waiting": len(acked),
                "first_acked": min(acked) if acked else None,
                "fetching": active is None or tp in active or tp in self._buffered_partitions,
                "buffer_full": tp in self._buffered_partitions, "paused": (tp.topic, tp.partition) in paused,
                "stalled_since": self._stalled.get(tp)})
        return {"generation": app.consumer_generation_id, "flow_active": self.flow_active,
                "rebalancing": app.rebalancing, "in_recovery": app.in_recovery,
                "unacked": len(self._unacked_messages), "partitions": partitions}


class KhabarTransport(faust_aiokafka.Transport):
    Consumer = KhabarConsumer


Send = tuple  # (faust topic, key bytes | None, value bytes, timestamp | None[, partition])


class Delivery:
    """Outputs go out at once; the input is acked only when the broker acknowledged all of them.

    The agent does not wait: each input's confirmation runs in the background (acks may then come out
    of order, which `KhabarConsumer._new_offset` handles), at most `max_in_flight` inputs at a time.
    A failed send is sent again after a backoff (0.5 s doubling to 10 s) for as long as it takes: the
    input stays unacked meanwhile, so a stop in between re-delivers it rather than losing it."""

    def __init__(self, max_in_flight: int = 1000):
        self.max_in_flight = max_in_flight
        self._in_flight: deque[asyncio.Future] = deque()

    async def send(self, sends: Sequence[Send], on_delivered: Callable[[], Awaitable[Any]]) -> None:
        futures = [await _send(s) for s in sends]  # queued in order: per-partition order is kept
        self._in_flight.append(asyncio.ensure_future(self._confirm(list(sends), futures, on_delivered)))
        while self._in_flight and self._in_flight[0].done():
            self._in_flight.popleft().result()  # re-raises a bug in a confirmation
        if len(self._in_flight) > self.max_in_flight:
            await self._in_flight.popleft()

    async def flush(self) -> None:
        while self._in_flight:
            await self._in_flight.popleft()

    async def _confirm(self, sends: list[Send], futures: list, on_delivered) -> None:
        delay = RETRY_FIRST
        while True:
            results = await asyncio.gather(*futures, return_exceptions=True)
            failed = [s for s, r in zip(sends, results) if isinstance(r, BaseException)]
            if not failed:
                break
            exc = next(r for r in results if isinstance(r, BaseException))
            if isinstance(exc, asyncio.CancelledError):
                return  # stopping: the input stays unacked
            log.warning("%d of %d outputs not acknowledged by the broker (%s: %s); sending again in %.1f s",
                        len(failed), len(sends), type(exc).__name__, exc, delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, RETRY_LONGEST)
            sends, futures = failed, [await _send(s) for s in failed]
        await on_delivered()


async def _send(s: Send):
    topic, key, value, timestamp, *partition = s
    return await topic.send(key=key, value=value, timestamp=timestamp, partition=partition[0] if partition else None,
                            force=True)


async def send_changelog(app, records: Sequence[tuple]) -> list[asyncio.Future]:
    """Table changelog records `(table, partition, key bytes, value bytes or None, headers or None)` straight
    to the driver's producer; the futures complete on delivery with the record's metadata.  `Table.send_changelog`
    (Topic.send_soon, Faust's send buffer, then publish_message with its sensors) cost ~40 us of Python per
    record: a fifth of the worker's CPU per article at ~27 co-occurrence changelog records per counted article,
    and a flush of a few hundred records held every stream still until the buffer ebbed below 100 (the
    conductor waits for it before each message it hands on).  Without the table's on-sent callback: a RocksDB
    store would mark the record's offset persisted at once, before the caller (`WriteBack`) writes the value
    with its offset.  Faust's send sensors (`faust_*` metrics) do not count them."""
    if not records:
        return []
    producer = await app.maybe_start_producer()
    return [await producer.send(table.changelog_topic.get_topic_name(), key, value, partition, None, headers)
            for table, partition, key, value, headers in records]
