"""Commit bookkeeping of streams.stream.delivery, without a broker.

Invariant: the committed offset never passes an offset that was not processed (acked in the current
consumer generation), whatever order acks arrive in."""
from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from faust.types import TP

from streams.config import Settings
from streams.stream.app import build
from streams.stream.delivery import KhabarConsumer, KhabarTransport, committable, dropped

TP0 = TP("articles", 0)


@pytest.mark.parametrize("acked, committed, expected", [
    ([5, 6, 7], 5, 8),            # the run starts at the committed offset
    ([6, 7], 5, None),            # 5 still in flight: Faust 0.15 would commit 8 here
    ([7, 8], 5, None),
    ([5, 6, 8, 9], 5, 7),         # stops at the first hole
    ([0, 1, 2], 0, 3),            # offset 0 is an offset (Faust treats committed 0 as "none")
    ([3, 4], None, 5),            # no commit yet: from the first processed offset
    ([], 5, None),
])
def test_committable(acked, committed, expected):
    assert committable(acked, committed) == expected


class FakeApp(SimpleNamespace):
    pass


def _consumer(committed=None, generation=3, guarantee="at_least_once") -> KhabarConsumer:
    """A KhabarConsumer with only the bookkeeping Faust's Consumer.__init__ sets up (no thread, no broker)."""
    from collections import defaultdict

    from intervaltree import IntervalTree

    c = KhabarConsumer.__new__(KhabarConsumer)
    c.app = FakeApp(consumer_generation_id=generation,
                    topics=SimpleNamespace(acks_enabled_for=lambda topic: True),
                    tables=SimpleNamespace(changelog_topics=set()),
                    conf=SimpleNamespace(processing_guarantee=SimpleNamespace(value=guarantee)))
    c._acked = defaultdict(list)
    c._acked_index = defaultdict(set)
    c._gap = defaultdict(IntervalTree)
    c._committed_offset = defaultdict(lambda: None)
    c._committed_offset[TP0] = committed
    c._unacked_messages = set()
    c._n_acked = 0
    c._waiting_for_ack = None
    c._stalled = {}
    c._watchdog_rereads = {}
    c._start_offset = {}
    return c


class Msg:
    """The fields of faust's Message that Consumer.ack reads (hashable by identity, like Message)."""

    def __init__(self, offset: int, generation: int):
        self.tp, self.topic, self.offset, self.acked, self.generation_id = TP0, TP0.topic, offset, False, generation


def _message(offset: int, generation: int = 3) -> Msg:
    return Msg(offset, generation)


def test_out_of_order_acks_wait_for_the_committed_offset():
    c = _consumer(committed=10)
    for o in (11, 12):
        assert c.ack(_message(o))
    assert c._new_offset(TP0) is None          # 10 not processed yet
    assert c.ack(_message(10))
    assert c._new_offset(TP0) == 13
    assert c._acked[TP0] == [] and not c._acked_index[TP0]


def test_acks_of_an_old_generation_do_not_count():
    c = _consumer(committed=10, generation=4)
    assert c.ack(_message(10, generation=4))
    for o in (11, 12):                          # skipped by the stream after the rebalance
        assert not c.ack(_message(o, generation=3))
    assert c._new_offset(TP0) == 11             # not 13: 11 and 12 are read again after the seek


def _stall_clocked(monkeypatch, committed: int):
    """A consumer whose clock the test moves and whose seeks are recorded (no consumer thread)."""
    import streams.stream.delivery as delivery

    clock = [100.0]
    monkeypatch.setattr(delivery.time, "monotonic", lambda: clock[0])
    seeks = []

    async def seek(tp, offset):
        seeks.append((tp, offset))

    c = _consumer(committed=committed)
    c.seek = seek
    return c, clock, seeks


async def test_a_stalled_committed_offset_is_read_again(monkeypatch):
    c, clock, seeks = _stall_clocked(monkeypatch, committed=10)
    c._gap[TP0].addi(11, 20)                    # booked by a record that overtook the seek
    assert c.ack(_message(20))
    assert c._new_offset(TP0) is None           # 10 was dropped by the fetch loop: wait
    clock[0] += c.stall_seconds + 1
    assert c._new_offset(TP0) is None
    await asyncio.sleep(0)
    assert seeks == [(TP0, 10)] and not c._gap.get(TP0)
    for o in range(10, 20):                     # read again and processed
        assert c.ack(_message(o))
    assert c._new_offset(TP0) == 21


async def test_a_partition_whose_records_were_all_dropped_is_read_again(monkeypatch):
    """After a restart: records fetched before the rebalance's seek overtook it (the fetch loop's read
    offset is now past the committed one, so it drops the records read again below it), and every one of
    them was skipped by the stream as another generation's.  Nothing is acked or in flight, so no commit
    asks; the watchdog still reads the partition again from the committed offset, once, after
    `dropped_seconds`.  A partition merely caught up, or with records in flight, is left alone."""
    c, clock, seeks = _stall_clocked(monkeypatch, committed=3)
    c.app.rebalancing, c.app.in_recovery, c.flow_active = False, False, True
    c._active_partitions = {TP0}
    c._read_offset = {TP0: 33}
    c.highwater = lambda tp: 34
    for o in range(3, 34):                       # skipped by the stream: acks refused, not processed
        assert not c.ack(_message(o, generation=2))
    c.check_dropped()
    clock[0] += c.dropped_seconds + 1
    c.check_dropped()
    await asyncio.sleep(0)
    assert seeks == [(TP0, 3)]
    c.check_dropped()                            # just re-read: not again at once
    await asyncio.sleep(0)
    assert seeks == [(TP0, 3)]

    assert not dropped(committed=34, highwater=34, acked=0, in_flight=0)   # caught up
    assert not dropped(committed=3, highwater=34, acked=0, in_flight=2)    # in the agent
    assert not dropped(committed=3, highwater=34, acked=5, in_flight=0)    # commit watches
    assert not dropped(committed=None, highwater=34, acked=0, in_flight=0)  # no idea where to start
    # records to read and none on the way, whatever the fetch loop last read (at or past the committed
    # offset, behind it, or nothing since a restart): the caller's wait tells it from a record next to fetch
    assert dropped(committed=3, highwater=34, acked=0, in_flight=0)


async def test_a_partition_that_stays_stuck_is_read_again_less_and_less_often(monkeypatch):
    """A broker outage: records to read, none acked or in flight, and nothing moves whatever is read.  The
    watchdog re-reads after 4 s, then waits 8, 16, ... (each re-read may process queued records again);
    once the committed offset moves the wait starts at 4 s again."""
    c, clock, seeks = _stall_clocked(monkeypatch, committed=3)
    c.app.rebalancing, c.app.in_recovery, c.flow_active = False, False, True
    c._active_partitions, c._read_offset = {TP0}, {TP0: 3}
    c.highwater = lambda tp: 34
    times = []
    for second in range(0, 80):
        clock[0] = 100.0 + second
        before = len(seeks)
        c.check_dropped()
        await asyncio.sleep(0)
        if len(seeks) > before:
            times.append(second)
    assert times == [4, 12, 28, 60]
    c._committed_offset[TP0] = 10                 # a commit moved it (and ended the stall): the short wait again
    c._stalled.pop(TP0, None)
    for second in range(80, 90):
        clock[0] = 100.0 + second
        c.check_dropped()
    await asyncio.sleep(0)
    assert seeks[-1] == (TP0, 10) and len(seeks) == 5


async def test_a_standby_changelog_is_never_read_again_from_its_start(monkeypatch):
    """A standby replica's changelog partition is fetched but never acked: to the watchdog it looks like a
    partition whose records were all dropped.  Re-read from its start every few seconds, the standby
    started over for good (and a persistent store's standby copy never caught up)."""
    c, clock, seeks = _stall_clocked(monkeypatch, committed=None)
    c.app.rebalancing, c.app.in_recovery, c.flow_active = False, False, True
    c.app.tables.changelog_topics = {TP0.topic}
    c._active_partitions, c._start_offset, c._read_offset = {TP0}, {TP0: 0}, {TP0: 0}
    c.highwater = lambda tp: 34
    for _ in range(3):
        c.check_dropped()
        clock[0] += c.dropped_seconds + 1
    await asyncio.sleep(0)
    assert seeks == []
    c.app.tables.changelog_topics = set()        # the same partition as an input: read again
    c.check_dropped()
    clock[0] += c.dropped_seconds + 1
    c.check_dropped()
    await asyncio.sleep(0)
    assert seeks == [(TP0, 0)]


async def test_a_partition_read_again_passes_on_only_what_was_not_acked(monkeypatch):
    """Read again from the committed offset 4 after a stall: 5, 6 and 8 were processed since (their outputs
    are on the broker, their acks wait for 4), so only 4, 7 and 9 reach the agents; the commit then moves
    past all of them once those are acked."""
    import faust.transport.drivers.aiokafka as faust_aiokafka

    c = _consumer(committed=4)
    for o in (5, 6, 8):
        assert c.ack(_message(o))
    other = TP(TP0.topic, 1)

    async def fetch(self, timeout):
        return ({TP0: [SimpleNamespace(offset=o) for o in range(4, 10)], other: [SimpleNamespace(offset=5)]},
                {TP0, other})

    monkeypatch.setattr(faust_aiokafka.Consumer, "_wait_next_records", fetch)
    records, _ = await c._wait_next_records(1.0)
    assert [r.offset for r in records[TP0]] == [4, 7, 9] and [r.offset for r in records[other]] == [5]
    for o in (4, 7, 9):
        assert c.ack(_message(o))
    assert c._new_offset(TP0) == 10


async def test_a_partition_without_a_commit_waits_for_its_first_offset(monkeypatch):
    """Before the group's first commit of a partition, the first acked run must start at the partition's
    first offset: records the fetch loop dropped after a rebalance are read again, never committed past."""
    c = _consumer(committed=None)
    assignment = {TP0}
    c.assignment = lambda: assignment

    async def no_seek():
        return None

    async def earliest_offsets(*tps):
        return {tp: 0 for tp in tps}

    import faust.transport.drivers.aiokafka as faust_aiokafka
    monkeypatch.setattr(faust_aiokafka.Consumer, "perform_seek", lambda self: no_seek())   # no broker here
    c.earliest_offsets = earliest_offsets
    await c.perform_seek()
    assert c._start_offset == {TP0: 0}
    for o in range(17, 20):                     # 0..16 dropped by the fetch loop
        assert c.ack(_message(o))
    assert c._new_offset(TP0) is None           # not 20
    for o in range(0, 17):
        assert c.ack(_message(o))
    assert c._new_offset(TP0) == 20


def test_gaps_do_not_count_under_at_least_once():
    """A "gap" there is a record that overtook the post-rebalance seek: the records below were dropped."""
    c = _consumer(committed=10)
    c._gap[TP0].addi(11, 13)
    for o in (10, 13):
        assert c.ack(_message(o))
    assert c._new_offset(TP0) == 11             # not 14: 11 and 12 were never processed


def test_gaps_count_as_done_under_exactly_once():
    c = _consumer(committed=10, guarantee="exactly_once")
    c._gap[TP0].addi(11, 13)                    # e.g. transaction markers at 11, 12
    for o in (10, 13):
        assert c.ack(_message(o))
    assert c._new_offset(TP0) == 14


def test_app_uses_the_khabar_transport(tmp_path):
    app = build(Settings(broker="kafka://127.0.0.1:1", app_id="khabar-delivery-test", data_dir=str(tmp_path))).app
    assert isinstance(app.transport, KhabarTransport)
    assert app.transport.Consumer is KhabarConsumer
