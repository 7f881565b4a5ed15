"""The persistent table store without a broker: a SIGKILL at any point leaves each partition's values, their
versions and the stored changelog offset from one and the same write (flushes and recovery batches alike),
and a flush cut anywhere by a crash, recovered on this store, counts every batch once (as on the memory
store: tests/test_cooccurrence.py)."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from types import SimpleNamespace

from conftest import ROOT
from streams.config import Settings
from streams.stream.app import build
from streams.stream.store import VERSION_HEADER

KEYS = 64

# Writes, for ever, one partition-0 write per offset: every key gets the offset as its value and version,
# alternately as a write-back flush (write_partition) and as a changelog recovery batch.
WRITER = """
import sys
from types import SimpleNamespace
from streams.config import Settings
from streams.stream.app import build
from streams.stream.store import VERSION_HEADER
store = build(Settings(broker="kafka://127.0.0.1:1", app_id="crash", data_dir=sys.argv[1], store="rocksdb")
              ).cooccurrence.actor_table.data
store.app.conf.tabledir.mkdir(parents=True, exist_ok=True)
offset = int(store._db_for_partition(0).get(store.offset_key) or -1)
print("writing", flush=True)
while True:
    offset += 1
    value = str(offset).encode()
    if offset & 1:
        store.write_partition(0, [(f"k{i}", value, offset) for i in range(%d)], offset)
    else:
        store.apply_changelog_batch([SimpleNamespace(message=SimpleNamespace(
            partition=0, offset=offset, key=store._encode_key(f"k{i}"), value=value,
            headers=[(VERSION_HEADER, value)])) for i in range(%d)], None, None)
""" % (KEYS, KEYS)


def open_store(data_dir, app_id: str = "crash"):
    k = build(Settings(broker="kafka://127.0.0.1:1", app_id=app_id, data_dir=str(data_dir), store="rocksdb"))
    k.app.conf.tabledir.mkdir(parents=True, exist_ok=True)
    return k


def test_a_sigkill_at_any_point_leaves_values_versions_and_offset_of_one_write(tmp_path):
    rng = random.Random(3)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    last = -1
    for _ in range(6):
        writer = subprocess.Popen([sys.executable, "-c", WRITER, str(tmp_path)], env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        try:
            assert writer.stdout.readline() == b"writing\n", writer.stderr.read().decode()[-2000:]
            time.sleep(rng.uniform(0.05, 0.6))
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.wait()
        store = open_store(tmp_path).cooccurrence.actor_table.data
        offset = int(store._db_for_partition(0).get(store.offset_key))
        assert offset > last  # the writes went on, and none of them was lost
        values = {store.partition_get(f"k{i}", 0) for i in range(KEYS)}
        versions = {store.key_version(f"k{i}", 0) for i in range(KEYS)}
        assert values == {str(offset).encode()} and versions == {offset}
        # iteration shows the values only, not the versions or the offset
        assert set(store._visible_keys(store._db_for_partition(0))) == {store._encode_key(f"k{i}") for i in range(KEYS)}
        store._dbs.clear()  # close before the next writer opens it (RocksDB locks a database per process)
        last = offset


def test_a_flush_cut_anywhere_by_a_crash_then_read_again_on_the_store_counts_every_batch_once(tmp_path):
    """tests/test_cooccurrence.py's crash cut, with the tables on the RocksDB store: the state before the
    flush stored, any subset of the flush's changelog records recovered from the tail (values and version
    headers, as Faust hands them to the store), then the flush's batches read again."""
    from streams.cooccurrence import Aggregator, OfflineCooccurrence, WindowConfig, article_batches
    from streams.stream.cooccurrence import WriteBack
    from test_cooccurrence import article_features, record

    cfg = WindowConfig()
    off = OfflineCooccurrence(cfg=cfg)
    batches = []
    for i in range(6):
        r = record(f"c{i}", published_at=f"2024-05-0{i + 1}")
        batches += article_batches(article_features(r), off.add(r), off.dedup, lambda key: 0).values()
    committed = list(enumerate(batches[:2]))
    cut = list(enumerate(batches))[2:] + [(6, batches[3])]  # and a re-sent batch under a new offset

    def tables(k):
        co = k.cooccurrence
        return [co.pair_table, co.actor_table, co.applied]

    def run(k, messages):
        ts = tables(k)
        caches = [WriteBack(ts[0], lambda key: 0, lambda key: key.encode("utf-8"), lambda key: key.decode("utf-8")),
                  WriteBack(ts[1], lambda key: 0), WriteBack(ts[2], lambda key: 0)]
        agg = Aggregator(cfg, *caches)
        for offset, batch in messages:
            agg.apply(batch, 0, offset)
        for cache in caches:
            cache.flush(publish=False)

    def state(k):
        out = []
        for t in tables(k):
            db = t.data._db_for_partition(0)
            out.append({key: value for key, value in db.items() if key != t.data.offset_key})
        return out

    clean = open_store(tmp_path / "clean", "clean")
    run(clean, committed)
    before = state(clean)
    run(clean, cut)
    after = state(clean)
    changed = [(i, key) for i, t in enumerate(after) for key in t
               if not key.startswith(b"__khabar") and t[key] != before[i].get(key)]
    assert len(changed) > 10 and any(b"__khabar" in key for t in after for key in t)  # versions are stored
    rng = random.Random(7)
    subsets = [set(), set(changed)] + [{c for c in changed if rng.random() < 0.5} for _ in range(12)]
    for n, delivered in enumerate(subsets):
        k = open_store(tmp_path / f"cut-{n}", f"cut-{n}")
        run(k, committed)
        assert state(k) == before
        for i, t in enumerate(tables(k)):
            events = [SimpleNamespace(message=SimpleNamespace(
                partition=0, offset=100 + j, key=key, value=after[i][key],
                headers=[(VERSION_HEADER, after[i][b"__khabar\0version\0" + key])]
                if b"__khabar\0version\0" + key in after[i] else []))
                for j, (ti, key) in enumerate(sorted(delivered)) if ti == i]
            t.apply_changelog_batch(events)
        run(k, cut)
        got = state(k)
        for i in range(3):  # values and versions (the stored offset is the recovered tail's)
            assert got[i] == after[i], (n, i)


def test_stored_tables_of_another_cluster_or_of_a_new_changelog_are_deleted_before_the_start(tmp_path):
    from streams.stream.store import reset_stale

    def stored(app_id="stale"):
        k = open_store(tmp_path, app_id)
        for t in (k.cooccurrence.actor_table, k.cooccurrence.seen):
            t.data.write_partition(0, [("x", b"1" if t.versioned else b'"1"', 1)], 1)
            t.data._dbs.clear()  # closed
        return k

    k = stored()
    tables = {t.name: t for t in k.app.tables.values()}
    names = lambda: sorted(p.name for p in k.app.conf.tabledir.glob("*.db"))  # noqa: E731
    assert names() == ["cooccurrence-actors-0.db", "cooccurrence-seen-0.db"]
    assert reset_stale(k.app, set(), "cluster-a") == [] and names() == ["cooccurrence-actors-0.db",
                                                                         "cooccurrence-seen-0.db"]
    assert reset_stale(k.app, set(), "cluster-a") == []  # the same cluster again: kept
    seen_log = tables["cooccurrence-seen"].changelog_topic.get_topic_name()
    (why,) = reset_stale(k.app, {seen_log}, "cluster-a")
    assert "cooccurrence-seen" in why and "just created" in why and names() == ["cooccurrence-actors-0.db"]
    (why,) = reset_stale(k.app, set(), "cluster-b")
    assert "cluster-a" in why and "cluster-b" in why and names() == []
    k = stored()
    assert reset_stale(k.app, set(), "cluster-b") == [] and len(names()) == 2
