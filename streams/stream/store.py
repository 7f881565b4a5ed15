"""The persistent table store (`KHABAR_STORE=rocksdb`): Faust's RocksDB store (through `rocksdict`), one
database per table and changelog partition under `KHABAR_DATA_DIR`, so a restarted worker reads only the
changelog tail after the offset it stored, not the whole changelog.

What Faust's store does not do, and this one adds:

* each key's version (the `khabar-version` header: offset of the last actors.pairs batch applied to it)
  is kept beside its value, under a prefixed key in the same database, and written in the same atomic
  write batch as the value;
* a recovery batch writes its values, their versions and the partition's persisted offset in one write
  batch (Faust wrote the values, then the offset in a separate write);
* `write_partition()` for the write-back caches: a flush's values, versions and the offset of the changelog
  records that carry them, in one write batch made after the broker acknowledged those records.  The
  store is then never ahead of the changelog for these tables (a value whose record was lost would be
  kept here while every recovery elsewhere misses it), and the stored offset never covers a record whose
  value is not stored (a SIGKILL between the two costs a re-read of the tail, never a skipped record).

RocksDB's write-ahead log makes each write batch all-or-nothing across a SIGKILL (the log is written
before `write()` returns; only a power loss can drop its unsynced tail, which a re-read covers).
"""
from __future__ import annotations

import re
import shutil
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, Iterable, Iterator

import rocksdict
from faust.stores import STORES
from faust.stores import rocksdb as faust_rocksdb

VERSION_HEADER = "khabar-version"  # changelog header: offset of the last actors.pairs batch applied to the key
SCHEME = "khabar-rocksdb"
VERSION_PREFIX = b"__khabar\0version\0"
# Faust's defaults are sized for one big table: 2 GiB block cache and 3 x 64 MiB memtables per database.
# The worker opens one database per table and partition (6 tables x 4 partitions in the tests).
# 2 MiB memtables and block cache: the worker's RSS after 10,000 articles 298 -> 239 MiB against 8 / 16 MiB
# (benchmarks/stream_throughput.py --n 10000, same session); each table's data is a few MiB per partition.
OPTIONS = {"write_buffer_size": 2 << 20, "max_write_buffer_number": 2, "block_cache_size": 2 << 20}


def header_int(headers, name: str) -> int | None:
    """An integer header of a consumed message (aiokafka hands a sequence of pairs, Faust may a dict)."""
    if not headers:
        return None
    items = headers.items() if isinstance(headers, Mapping) else headers
    for key, value in items:
        if key == name and value is not None:
            try:
                return int(value)
            except ValueError:
                return None
    return None


class Store(faust_rocksdb.Store):
    """Faust's RocksDB store plus key versions and atomic value + version + offset writes (see module doc)."""

    def __init__(self, url, app, table, *, options=None, **kwargs) -> None:
        super().__init__(url, app, table, options={**OPTIONS, **(options or {})}, driver="rocksdict", **kwargs)

    @property
    def versioned(self) -> bool:
        return bool(getattr(self.table, "versioned", False))

    def apply_changelog_batch(self, batch: Iterable, to_key, to_value) -> None:
        writes: dict[int, rocksdict.WriteBatch] = defaultdict(lambda: rocksdict.WriteBatch(raw_mode=True))
        offsets: dict[int, int] = {}
        versioned = self.versioned
        for event in batch:
            msg = event.message
            wb = writes[msg.partition]
            offsets[msg.partition] = max(offsets.get(msg.partition, -1), msg.offset)
            if msg.value is None:
                wb.delete(msg.key)
            else:
                wb.put(msg.key, msg.value)
            if versioned:
                version = header_int(msg.headers, VERSION_HEADER)
                if version is None or msg.value is None:
                    wb.delete(VERSION_PREFIX + msg.key)
                else:
                    wb.put(VERSION_PREFIX + msg.key, str(version).encode())
        for partition, wb in writes.items():
            wb.put(self.offset_key, str(offsets[partition]).encode())
            self._db_for_partition(partition).write(wb)

    # ------------------------------------------------------------------ by partition (write-back caches)
    def partition_get(self, key: Any, partition: int) -> bytes | None:
        """The stored value bytes of a table key in its partition's database (Faust's `_get` picks the
        partition of the event being processed, which a flush of many partitions' batches cannot use)."""
        return self._db_for_partition(partition).get(self._encode_key(key))

    def key_version(self, key: Any, partition: int) -> int:
        raw = self._db_for_partition(partition).get(VERSION_PREFIX + self._encode_key(key))
        return -1 if raw is None else int(raw)

    def write_partition(self, partition: int, changes: Iterable[tuple[Any, bytes | None, int | None]],
              offset: int | None) -> None:
        """(key, value or None to delete, version or None) of one partition, and the changelog offset that
        holds them all, in one atomic write."""
        wb = rocksdict.WriteBatch(raw_mode=True)
        versioned = self.versioned
        for key, value, version in changes:
            k = self._encode_key(key)
            if value is None:
                wb.delete(k)
            else:
                wb.put(k, self._encode_value(value))
                self._key_index[k] = partition
            if versioned:
                if value is None or version is None:
                    wb.delete(VERSION_PREFIX + k)
                else:
                    wb.put(VERSION_PREFIX + k, str(version).encode())
        if offset is not None:
            wb.put(self.offset_key, str(offset).encode())
        self._db_for_partition(partition).write(wb)

    # ------------------------------------------------------------------ iteration hides the versions
    def _visible_keys(self, db) -> Iterator[bytes]:
        for key in super()._visible_keys(db):
            if not key.startswith(VERSION_PREFIX):
                yield key

    def _visible_items(self, db) -> Iterator[tuple[bytes, bytes]]:
        for key, value in super()._visible_items(db):
            if not key.startswith(VERSION_PREFIX):
                yield key, value


def reset_stale(app, created: set[str], cluster_id: str | None) -> list[str]:
    """Delete the stored tables that cannot be a prefix of the changelogs on this broker, before the worker
    opens them: all of them when the data directory was last used with another Kafka cluster (a broker
    started afresh: Faust would refuse an offset past the new changelog's end, or, once the new one grew
    past it, keep the old values), a table's when its changelog topic was just created.  Returns what was
    deleted and why, for the log."""
    tabledir = app.conf.tabledir
    stamp = tabledir / "kafka-cluster-id"
    other = stamp.read_text().strip() if stamp.is_file() else None
    reasons = []
    for table in app.tables.values():
        if not isinstance(table.data, Store) or not tabledir.is_dir():
            continue
        why = (f"last used with Kafka cluster {other}, the broker is cluster {cluster_id}"
               if cluster_id and other and other != cluster_id else
               f"its changelog {table.changelog_topic.get_topic_name()} was just created"
               if table.changelog_topic.get_topic_name() in created else None)
        dbs = [p for p in tabledir.iterdir() if re.fullmatch(re.escape(table.name) + r"-\d+\.db", p.name)]
        if why and dbs:
            for path in dbs:
                shutil.rmtree(path)
            reasons.append(f"deleted the stored table {table.name} in {tabledir} ({why}): it recovers from "
                           f"its changelog")
    if cluster_id:
        tabledir.mkdir(parents=True, exist_ok=True)
        stamp.write_text(cluster_id + "\n")
    return reasons


STORES.aliases[SCHEME] = f"{__name__}:Store"
