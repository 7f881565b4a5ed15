"""Actor co-occurrence: pairs, event-time buckets, duplicate detection and aggregation.

Pure code (no Kafka, no Faust): the Faust agents in `streams.stream.cooccurrence` and the offline
`OfflineCooccurrence` (``khabar extract --cooccurrence``) call exactly these functions, so the
streaming and the offline tables are equal by construction.

The flow for one enriched article:

1. ``article_features(record)`` -> event time, actors (with mention counts and sentence ids),
   pairs (same-article and same-sentence), a MinHash signature of the text.
2. ``DedupIndex.check(...)`` decides, once per article id and over every article (one global index,
   not one per partition), if it counts: not the same id again (seen-set), not a near-duplicate of a
   recent article (MinHash + LSH bands), not later than the lateness horizon.
3. ``article_batches(...)`` splits the article's pair and actor updates by the partition that owns each
   key: one message per partition, carrying the article id.
4. ``Aggregator.apply(batch)`` folds a batch into per-key counts: a running total plus one bucket per
   `step` of event time (a day by default).  It ignores a batch it has already applied (replays count
   once).  Any hopping window is answered at query time by summing its buckets (``pair_window``,
   ``actor_window``), the same windows as Faust's HoppingWindow (``window_ranges``).
"""
from __future__ import annotations

import array
import bisect
import functools
import datetime as dt
import hashlib
import heapq
import os
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, MutableMapping

import orjson

ACTOR_TYPES = ("PERSON", "ORG", "GPE")
PAIR_SEP = "|"
DAY = 86400.0
_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": DAY, "w": 7 * DAY}


# --------------------------------------------------------------------------- configuration

def parse_duration(value: str | float | int) -> float:
    """'7d', '36h', '90m', '30s', '2w' or a number of seconds -> seconds."""
    if isinstance(value, (int, float)):
        return float(value)
    text = value.strip().lower()
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([smhdw]?)", text)
    if not m:
        raise ValueError(f"not a duration: {value!r} (use e.g. 7d, 24h, 30m, 3600)")
    return float(m.group(1)) * _UNITS[m.group(2) or "s"]


def format_duration(seconds: float) -> str:
    for unit in ("d", "h", "m"):
        if seconds % _UNITS[unit] == 0 and seconds >= _UNITS[unit]:
            return f"{int(seconds // _UNITS[unit])}{unit}"
    return f"{int(seconds)}s"


@dataclass(frozen=True)
class WindowConfig:
    """Hopping windows by event time: `size` long, a new one every `step`, kept `retention`."""
    size: float = 7 * DAY
    step: float = DAY
    retention: float = 30 * DAY
    near_duplicate_threshold: float = 0.8   # estimated Jaccard of word shingles
    shingle_words: int = 4
    num_perm: int = 64
    bands: int = 16
    flush_interval: float = 1.0             # stream only: table changes are cached and written this often

    def __post_init__(self):
        if self.size <= 0 or self.step <= 0:
            raise ValueError("window size and step must be positive")
        if self.size % self.step:
            raise ValueError(f"window size ({self.size}s) must be a multiple of the step ({self.step}s)")
        # Faust pitfall: expiry shorter than (or equal to) the window drops live windows.  Keep room
        # for at least one step of lateness on top of a whole window.
        if self.retention < self.size + self.step:
            raise ValueError(f"retention ({format_duration(self.retention)}) must be at least window size + step "
                             f"({format_duration(self.size + self.step)})")
        if self.num_perm % self.bands:
            raise ValueError("num_perm must be a multiple of bands")
        if self.flush_interval <= 0:
            raise ValueError("the flush interval must be positive")

    @property
    def lateness(self) -> float:
        """How far behind the watermark an article may be and still count.

        A window is garbage-collected once it ends `retention` before the newest window end; an article
        no older than this horizon only touches windows that are still alive, so counts never restart
        in a window that was already dropped (that would make results depend on GC timing)."""
        return self.retention - self.size - self.step

    @property
    def window_name(self) -> str:
        return format_duration(self.size)

    @classmethod
    def from_settings(cls, settings: Any = None) -> "WindowConfig":
        def get(attr: str, env: str, default: str) -> str:
            value = getattr(settings, attr, None) if settings is not None else None
            return value if value is not None else os.environ.get(env, default)
        return cls(size=parse_duration(get("cooccurrence_window", "KHABAR_COOCCURRENCE_WINDOW", "7d")),
                   step=parse_duration(get("cooccurrence_step", "KHABAR_COOCCURRENCE_STEP", "1d")),
                   retention=parse_duration(get("cooccurrence_retention", "KHABAR_COOCCURRENCE_RETENTION", "30d")),
                   near_duplicate_threshold=float(get("near_duplicate_threshold", "KHABAR_NEAR_DUPLICATE_THRESHOLD",
                                                      "0.8")),
                   flush_interval=parse_duration(get("cooccurrence_flush", "KHABAR_COOCCURRENCE_FLUSH", "1")))


# --------------------------------------------------------------------------- time and windows

def parse_time(value: Any) -> float | None:
    """ISO date or date-time -> epoch seconds (UTC for dates and naive times), None if unusable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 10:
            d = dt.date.fromisoformat(text)
            return dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc).timestamp()
        t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        try:
            d = dt.date.fromisoformat(text[:10])
        except ValueError:
            return None
        return dt.datetime(d.year, d.month, d.day, tzinfo=dt.timezone.utc).timestamp()
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.timezone.utc)
    return t.timestamp()


def event_time(record: Mapping[str, Any]) -> float:
    """published_at, falling back to the ingest time (processed_at, stamped when the worker or the
    CLI took the article in)."""
    for name in ("published_at", "processed_at"):
        t = parse_time(record.get(name))
        if t is not None and t > 0:
            return t
    return dt.datetime.now(dt.timezone.utc).timestamp()


def is_dated(record: Mapping[str, Any]) -> bool:
    t = parse_time(record.get("published_at"))
    return t is not None and t > 0


def iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(ts, dt.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


Window = tuple[float, float]


def window_ranges(ts: float, cfg: WindowConfig) -> list[Window]:
    """Every hopping window that contains `ts`, exactly as faust.windows.HoppingWindow.ranges
    (window key (start, start + size - 0.1))."""
    first = (ts // cfg.step) * cfg.step - cfg.size + cfg.step
    return [(float(start), float(start) + cfg.size - 0.1)
            for start in range(int(first), int(ts) + 1, int(cfg.step))]


def current_window(ts: float, cfg: WindowConfig) -> Window:
    """The window of `size` that ends with the step containing `ts` ("the last 7 days")."""
    start = (ts // cfg.step) * cfg.step - cfg.size + cfg.step
    return float(start), float(start) + cfg.size - 0.1


def window_at(start: float, cfg: WindowConfig) -> Window:
    start = (start // cfg.step) * cfg.step
    return float(start), float(start) + cfg.size - 0.1


def bucket_start(ts: float, cfg: WindowConfig) -> float:
    """The `step`-long bucket holding `ts`: every hopping window contains whole buckets."""
    return float((ts // cfg.step) * cfg.step)


# --------------------------------------------------------------------------- pairs from one article

def pair_key(a: str, b: str) -> str:
    a, b = sorted((a, b))
    return f"{a}{PAIR_SEP}{b}"


def _sentence_starts(record: Mapping[str, Any], fields: Mapping[str, Any] | None = None) -> dict[str, list[int]]:
    """Original-text offsets where each sentence of title and body starts; `fields`: the record's own
    document fields, already normalised and split (else built here from the text)."""
    from streams.core.document import Field

    starts: dict[str, list[int]] = {}
    for name in ("title", "body"):
        text = record.get(name) or ""
        if not text:
            starts[name] = [0]
            continue
        f = fields[name] if fields is not None else Field.build(name, text)
        starts[name] = [f.norm.to_original(s.start, max(s.end, s.start + 1))[0] if s.start < len(f.norm.starts)
                        else len(text) for s in f.sentences]
    return starts


@dataclass
class ArticleActor:
    id: str
    name: str
    type: str
    mentions: int
    sentences: frozenset


@dataclass
class Features:
    """Everything the co-occurrence stage needs from one enriched article (JSON-friendly).  The message to the
    dedup agent carries each actor's sentence numbers, not the article's pairs: n actors give n(n-1)/2 pairs,
    each with both names (two thirds of that message's bytes when it held them); the pairs are formed where
    they are counted."""
    article_id: str
    time: float
    actors: list[dict]          # {id, name, type, mentions, sentences: sentence numbers, title ones < 0}
    signature: list[int] | None
    dated: bool = True          # time is published_at (else the ingest time)
    source: int = 0             # input partition (each one delivers in its own order)
    _pairs: list[dict] | None = field(default=None, repr=False, compare=False)

    @property
    def pairs(self) -> list[dict]:
        """{key, a, b, a_name, b_name, same_sentence} per unordered pair of the article's actors."""
        if self._pairs is None:
            self._pairs = article_pairs(self.actors)
        return self._pairs

    def to_json(self) -> dict:
        return {"article_id": self.article_id, "time": self.time, "actors": self.actors,
                "signature": self.signature, "dated": self.dated, "source": self.source}

    @classmethod
    def from_json(cls, value: Mapping) -> "Features":
        value = dict(value)
        pairs = value.pop("pairs", None)   # a message written before the actors carried their sentences
        return cls(**value, _pairs=pairs)


def article_actors(record: Mapping[str, Any], fields: Mapping[str, Any] | None = None) -> list[ArticleActor]:
    starts = _sentence_starts(record, fields)
    actors = []
    for ent in record.get("entities") or []:
        if ent.get("type") not in ACTOR_TYPES or not ent.get("id"):
            continue
        sentences = set()
        for m in ent.get("mentions") or []:
            fstarts = starts.get(m.get("field"), [0])
            sentences.add((m.get("field"), max(0, bisect.bisect_right(fstarts, m.get("start", 0)) - 1)))
        actors.append(ArticleActor(ent["id"], ent.get("name") or ent["id"], ent["type"],
                                   len(ent.get("mentions") or []), frozenset(sentences)))
    # one entry per canonical id (defensive: the record should already have one)
    merged: dict[str, ArticleActor] = {}
    for a in actors:
        if a.id in merged:
            old = merged[a.id]
            merged[a.id] = ArticleActor(a.id, old.name, old.type, old.mentions + a.mentions, old.sentences | a.sentences)
        else:
            merged[a.id] = a
    return sorted(merged.values(), key=lambda a: a.id)


def article_pairs(actors: list[Mapping]) -> list[dict]:
    """Unordered pairs of distinct actors (sorted by id), once per article; same_sentence if any sentence holds
    both."""
    sentences = [set(a["sentences"]) for a in actors]
    pairs = []
    for i, x in enumerate(actors):
        for j in range(i + 1, len(actors)):
            y = actors[j]
            a, b = (x, y) if x["id"] < y["id"] else (y, x)
            pairs.append({"key": pair_key(a["id"], b["id"]), "a": a["id"], "b": b["id"], "a_name": a["name"],
                          "b_name": b["name"], "same_sentence": 1 if sentences[i] & sentences[j] else 0})
    return pairs


def _sentence_number(field_name: str, index: int) -> int:
    return -1 - index if field_name == "title" else index


def article_features(record: Mapping[str, Any], cfg: WindowConfig | None = None,
                     fields: Mapping[str, Any] | None = None) -> Features:
    """`fields`: the Document fields the record was made from, when at hand (the same features, sooner)."""
    cfg = cfg or WindowConfig()
    actors = article_actors(record, fields)
    text = f"{record.get('title') or ''}\n{record.get('body') or ''}"
    return Features(
        article_id=str(record["id"]), time=event_time(record),
        actors=[{"id": a.id, "name": a.name, "type": a.type, "mentions": a.mentions,
                 "sentences": sorted(_sentence_number(f, k) for f, k in a.sentences)} for a in actors],
        signature=minhash(text, cfg), dated=is_dated(record))


# --------------------------------------------------------------------------- MinHash / LSH

_WORDS = re.compile(r"\w+")
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا", "آ": "ا",
                       "\u200c": None, "\u064b": None, "\u064c": None, "\u064d": None, "\u064e": None,
                       "\u064f": None, "\u0650": None, "\u0651": None, "\u0652": None, "\u0654": None,
                       **{chr(0x06F0 + i): str(i) for i in range(10)}, **{chr(0x0660 + i): str(i) for i in range(10)}})


_U32 = next(code for code in "IL" if array.array(code).itemsize == 4)


def shingles(text: str, k: int = 4) -> set[str]:
    words = _WORDS.findall(text.translate(_FOLD).lower())
    if len(words) < k:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}


def minhash(text: str, cfg: WindowConfig) -> list[int] | None:
    """MinHash signature: for each of `num_perm` hash functions, the smallest hash over the shingles.
    Hash function i is the i-th 32-bit word of SHAKE-128 of the shingle (independent functions, one C
    call per shingle), and the minimum per position runs in C (zip/min): ~10x faster than Python
    arithmetic per (shingle, function)."""
    sh = shingles(text, cfg.shingle_words)
    if len(sh) < 8:  # too short to call anything a near-duplicate of it
        return None
    size = 4 * cfg.num_perm
    rows = [array.array(_U32, hashlib.shake_128(x.encode()).digest(size)) for x in sh]
    if sys.byteorder != "little":  # the same signature on every machine (they travel in the seen-set)
        for row in rows:
            row.byteswap()
    return list(map(min, zip(*rows)))


def similarity(sig1: list[int], sig2: list[int]) -> float:
    return sum(1 for x, y in zip(sig1, sig2) if x == y) / len(sig1)


def band_keys(signature: list[int], cfg: WindowConfig) -> list[str]:
    rows = cfg.num_perm // cfg.bands
    return [f"{i}:" + hashlib.blake2b(orjson.dumps(signature[i * rows:(i + 1) * rows]), digest_size=8).hexdigest()
            for i in range(cfg.bands)]


# --------------------------------------------------------------------------- duplicates, lateness

@dataclass
class Decision:
    counts: bool
    duplicate_of: str | None = None
    reason: str | None = None    # None | "seen" | "near_duplicate" | "late"
    time: float | None = None    # the event time the article counts with (the first delivery's)
    resend: bool = False         # "seen", but it counted: send its updates again (a replay may have lost them)


class DedupIndex:
    """Seen-set by article id plus a MinHash LSH index of recent articles, expiring by event time.

    One index over all articles, in one order (the stream routes every decision to one partition), so a
    copy is found wherever it was published.  `seen` (article id -> {"t", "sig", "dup", "dated", "src"}) is
    the only state: a dict offline, a changelog-backed table in the worker.  The LSH bands and the
    watermarks are derived from it and rebuilt after a recovery (``reset``), so they cost no changelog writes.
    * watermark (lateness and expiry): the newest published_at of each of the `sources` input partitions,
      the oldest of those, once every partition has delivered one (a partition delivers in order,
      partitions race each other: the slowest one says how far the input has surely got, as a stream
      processor's watermark does; offline, one sequence: its newest).  Undated articles carry the ingest
      time, which says nothing about the news: they neither move it nor are ever late.  Until every
      partition has spoken nothing is late, and the newest event time of all bounds the expiry;
    * mark: newest published_at among counted articles ("the current window").
    """

    PRUNE_EVERY = 64

    def __init__(self, cfg: WindowConfig, seen: MutableMapping, sources: int = 1):
        self.cfg, self.seen, self.sources = cfg, seen, sources
        self._since_prune = 0
        self.reset()

    def reset(self) -> None:
        self._bands: dict[str, dict[str, float]] | None = None
        self._newest: float | None = None       # any event time
        self._dated: dict[int, float] = {}      # input partition -> newest published_at
        self._mark: float | None = None

    def _index(self) -> dict[str, dict[str, float]]:
        if self._bands is None:
            self._bands = {}
            for aid, v in list(self.seen.items()):
                self._observe(aid, v)
        return self._bands

    def _observe(self, article_id: str, v: Mapping) -> None:
        t = v["t"]
        self._newest = t if self._newest is None else max(self._newest, t)
        if v.get("dated"):
            src = v.get("src", 0)
            self._dated[src] = max(self._dated.get(src, t), t)
            if v.get("dup") is None and (self._mark is None or t > self._mark):
                self._mark = t
        if v.get("sig"):
            for bk in band_keys(v["sig"], self.cfg):
                self._bands.setdefault(bk, {})[article_id] = t

    def _lateness_mark(self) -> float | None:
        return min(self._dated.values()) if len(self._dated) >= self.sources else None

    @property
    def watermark(self) -> float | None:
        self._index()
        wm = self._lateness_mark()
        return wm if wm is not None else self._newest

    @property
    def mark(self) -> float | None:
        self._index()
        return self._mark

    @property
    def horizon(self) -> float | None:
        """Event time before which nothing can count any more (retention behind the watermark)."""
        wm = self.watermark
        return None if wm is None else wm - self.cfg.retention

    def check(self, article_id: str, t: float, signature: list[int] | None, dated: bool = True,
              source: int = 0) -> Decision:
        self._index()
        entry = self.seen.get(article_id)
        if entry is not None:
            return Decision(False, entry.get("dup"), "seen", entry["t"], resend=entry.get("dup") is None)
        wm = self._lateness_mark()
        if dated and wm is not None and t < wm - self.cfg.lateness:
            # Too late for any live window: it could only land in a window already dropped.  Still linked
            # to an original it copies (looked up, not indexed): event fusion counts late articles.
            return Decision(False, self._near_duplicate(signature) if signature else None, "late", t)
        duplicate_of = self._near_duplicate(signature) if signature else None
        entry = {"t": t, "sig": signature if duplicate_of is None else None, "dup": duplicate_of, "dated": dated,
                 "src": source}
        self.seen[article_id] = entry
        self._observe(article_id, entry)
        self._since_prune += 1
        if self._since_prune >= self.PRUNE_EVERY:
            self.prune()
        if duplicate_of is not None:
            return Decision(False, duplicate_of, "near_duplicate", t)
        return Decision(True, None, None, t)

    def _near_duplicate(self, signature: list[int]) -> str | None:
        candidates: set[str] = set()
        for bk in band_keys(signature, self.cfg):
            candidates.update((self._bands.get(bk) or {}).keys())
        best, best_sim = None, 0.0
        for cid in sorted(candidates):
            entry = self.seen.get(cid)
            if not entry or not entry.get("sig"):
                continue
            sim = similarity(signature, entry["sig"])
            if sim >= self.cfg.near_duplicate_threshold and sim > best_sim:
                best, best_sim = cid, sim
        return best

    def prune(self) -> int:
        """Forget articles older than the retention behind the watermark (they could only be late)."""
        self._since_prune = 0
        horizon = self.horizon
        if horizon is None:
            return 0
        stale = [(aid, v) for aid, v in list(self.seen.items()) if v["t"] < horizon]
        for aid, v in stale:
            if v.get("sig"):
                for bk in band_keys(v["sig"], self.cfg):
                    members = self._bands.get(bk)
                    if members is not None:
                        members.pop(aid, None)
                        if not members:
                            del self._bands[bk]
            del self.seen[aid]
        return len(stale)


# --------------------------------------------------------------------------- batches and aggregation

def actor_updates(features: Features) -> list[dict]:
    """One update per actor, carrying its partners in this article (the actor-keyed adjacency)."""
    partners: dict[str, list] = {a["id"]: [] for a in features.actors}
    for p in features.pairs:
        partners[p["a"]].append([p["b"], p["b_name"], p["same_sentence"]])
        partners[p["b"]].append([p["a"], p["a_name"], p["same_sentence"]])
    return [{"id": a["id"], "name": a["name"], "type": a["type"], "mentions": a["mentions"],
             "partners": partners[a["id"]]} for a in features.actors]


def article_batches(features: Features, decision: Decision, index: DedupIndex,
                    partition_of=lambda key: 0) -> dict[int, dict]:
    """The updates of one counted article, one batch per partition owning their keys (`partition_of`
    maps a pair key or actor id to its partition).  Each batch names the article, so applying it twice
    is recognised; it carries the bucket, the expiry horizon and the current-window mark as decided."""
    t = decision.time if decision.time is not None else features.time
    head = {"article_id": features.article_id, "t": t, "horizon": index.horizon, "mark": index.mark}
    batches: dict[int, dict] = {}
    for p in features.pairs:
        batches.setdefault(partition_of(p["key"]), {**head, "pairs": [], "actors": []})["pairs"].append(p)
    for a in actor_updates(features):
        batches.setdefault(partition_of(a["id"]), {**head, "pairs": [], "actors": []})["actors"].append(a)
    return batches


@functools.lru_cache(maxsize=8192)
def _start_ts(start: str) -> float:
    return parse_time(start)



def _stable_name(old: str | None, new: str) -> str:
    """The name an actor is shown by: its articles may spell a provisional actor differently ("همتی‌زاده",
    "همتی زاده": one id), and the last one counted depends on how partitions interleave; the smallest
    spelling seen is the same in every order, so streaming and offline tables agree."""
    return new if old is None else min(old, new)

def _bucket(buckets: list[dict], start: str, empty: dict) -> dict:
    """The bucket starting at `start` (ISO text sorts like time), inserted in order when new."""
    if buckets and buckets[-1]["start"] == start:  # the usual case: news of the newest day
        return buckets[-1]
    i = bisect.bisect_left([b["start"] for b in buckets], start)
    if i == len(buckets) or buckets[i]["start"] != start:
        buckets.insert(i, {"start": start, **empty})
    return buckets[i]


def _expiry_limit(horizon: float | None, cfg: WindowConfig) -> str | None:
    """Buckets starting before this hold no live window any more (all ended before the horizon)."""
    return None if horizon is None else iso(bucket_start(horizon, cfg) - cfg.size)


def _expire(buckets: list[dict], limit: str | None) -> None:
    if limit is not None:
        while buckets and buckets[0]["start"] < limit:
            buckets.pop(0)


class Aggregator:
    """Running totals plus event-time buckets per pair and per actor, fed by article batches.

    `pairs`: pair key -> the actors.cooccurrence message itself (schema cooccurrence.schema.json: names,
    total articles/sentences, `buckets`); `actors`: actor id -> totals, partners and buckets;
    `applied`: "partition:article id" -> [event time, mark, offset] of every batch applied (expired with
    the horizon), so a batch delivered again changes nothing.  Values are updated in place: the worker
    hands in a write-back cache (one table write per key per flush), offline passes dicts.

    With an `offset` (the batch's offset in its partition; the worker), each pair and actor key also
    keeps the offset of the last batch applied to it (the mappings then offer `version(key)` and
    `put(key, value, offset)`, as the worker's write-back cache does): a key's writes come from one
    partition in order, so a batch read again after a crash skips exactly the keys whose new value was
    already delivered, even when the crash cut its flush in half (its `applied` mark delivered, some
    pair writes not; or the reverse)."""

    def __init__(self, cfg: WindowConfig, pairs: MutableMapping, actors: MutableMapping, applied: MutableMapping):
        self.cfg, self.pairs, self.actors, self.applied = cfg, pairs, actors, applied
        self.bucket_name = format_duration(cfg.step)
        self.stats = {"batches": 0, "replayed": 0, "pair_records": 0, "actor_records": 0}

    def apply(self, batch: Mapping, partition: int = 0, offset: int | None = None) -> bool:
        akey = f"{partition}:{batch['article_id']}"
        mark = self.applied.get(akey)
        # applied before: skip, unless this is the very message that applied it, read again (its flush
        # may not have delivered every key; the keys' offsets tell which)
        if mark is not None and (offset is None or mark[2:3] != [offset]):
            self.stats["replayed"] += 1
            return False
        start = iso(bucket_start(batch["t"], self.cfg))
        aid, limit = batch["article_id"], _expiry_limit(batch.get("horizon"), self.cfg)
        for p in batch["pairs"]:
            if offset is None or self.pairs.version(p["key"]) < offset:
                self._store(self.pairs, p["key"], self._pair(p, aid, start, limit), offset)
        for a in batch["actors"]:
            if offset is None or self.actors.version(a["id"]) < offset:
                self._store(self.actors, a["id"], self._actor(a, aid, start, limit), offset)
        self.applied[akey] = [batch["t"], batch.get("mark"), offset]
        self.stats["batches"] += 1
        self.stats["pair_records"] += len(batch["pairs"])
        self.stats["actor_records"] += len(batch["actors"])
        return True

    def _pair(self, p: Mapping, article_id: str, start: str, limit: str | None) -> None:
        value = self.pairs.get(p["key"]) or {"key": p["key"], "a": p["a"], "b": p["b"], "articles": 0,
                                             "sentences": 0, "bucket": self.bucket_name, "buckets": []}
        same = int(p["same_sentence"])
        value.update(a_name=_stable_name(value.get("a_name"), p["a_name"]),
                     b_name=_stable_name(value.get("b_name"), p["b_name"]), articles=value["articles"] + 1,
                     sentences=value["sentences"] + same, last_article_id=article_id)
        b = _bucket(value["buckets"], start, {"articles": 0, "sentences": 0})
        b.update(articles=b["articles"] + 1, sentences=b["sentences"] + same, last_article_id=article_id)
        _expire(value["buckets"], limit)
        return value

    @staticmethod
    def _store(mapping: MutableMapping, key: str, value: dict, offset: int | None) -> None:
        if offset is None:
            mapping[key] = value
        else:
            mapping.put(key, value, offset)

    def _actor(self, a: Mapping, article_id: str, start: str, limit: str | None) -> None:
        value = self.actors.get(a["id"]) or {"id": a["id"], "articles": 0, "mentions": 0, "partners": {},
                                             "buckets": []}
        value.update(name=_stable_name(value.get("name"), a["name"]), type=a["type"], articles=value["articles"] + 1,
                     mentions=value["mentions"] + a["mentions"], last_article_id=article_id)
        b = _bucket(value["buckets"], start, {"articles": 0, "mentions": 0, "partners": {}})
        b.update(articles=b["articles"] + 1, mentions=b["mentions"] + a["mentions"], last_article_id=article_id)
        for pid, pname, same in a["partners"]:
            old = value["partners"].get(pid) or [0, 0, pname]
            value["partners"][pid] = [old[0] + 1, old[1] + int(same), _stable_name(old[2], pname)]
            old = b["partners"].get(pid) or [0, 0]
            b["partners"][pid] = [old[0] + 1, old[1] + int(same)]
        _expire(value["buckets"], limit)
        return value

    def expire_applied(self, horizon: float | None) -> int:
        """Forget applied batches behind the horizon: such an article is 'late' and never sent again."""
        if horizon is None:
            return 0
        stale = [k for k, mark in list(self.applied.items()) if mark[0] < horizon]
        for k in stale:
            del self.applied[k]
        return len(stale)


# --------------------------------------------------------------------------- queries (shared by views)

def _in_window(buckets: list[dict], window: Window, cfg: WindowConfig) -> list[dict]:
    lo, hi = iso(window[0]), iso(window[0] + cfg.size)
    return [b for b in buckets if lo <= b["start"] < hi]


def pair_window(value: Mapping | None, window: Window | None, cfg: WindowConfig) -> dict | None:
    """A pair's counts in one window (None: the running total); None if it has none there."""
    if not value:
        return None
    if window is None:
        return value
    inside = _in_window(value["buckets"], window, cfg)
    if not inside:
        return None
    return {"a": value["a"], "b": value["b"], "a_name": value["a_name"], "b_name": value["b_name"],
            "articles": sum(b["articles"] for b in inside), "sentences": sum(b["sentences"] for b in inside),
            "last_article_id": inside[-1]["last_article_id"]}


def actor_window(value: Mapping | None, window: Window | None, cfg: WindowConfig) -> dict | None:
    if not value:
        return None
    if window is None:
        return value
    inside = _in_window(value["buckets"], window, cfg)
    if not inside:
        return None
    names = value["partners"]
    partners: dict[str, list] = {}
    for b in inside:
        for pid, (n, s) in b["partners"].items():
            old = partners.get(pid) or [0, 0, names[pid][2]]
            partners[pid] = [old[0] + n, old[1] + s, old[2]]
    return {"id": value["id"], "name": value["name"], "type": value["type"],
            "articles": sum(b["articles"] for b in inside), "mentions": sum(b["mentions"] for b in inside),
            "partners": partners, "last_article_id": inside[-1]["last_article_id"]}


def window_starts(value: Mapping, cfg: WindowConfig) -> set[float]:
    """Start of every hopping window holding one of the value's buckets."""
    starts = set()
    for b in value.get("buckets") or ():
        starts.update(s for s, _ in window_ranges(_start_ts(b["start"]), cfg))
    return starts


def actor_windows(value: Mapping, cfg: WindowConfig) -> list[dict]:
    """Per-window articles and mentions of one actor, newest window first."""
    rows = []
    for s in sorted(window_starts(value, cfg), reverse=True):
        w = actor_window(value, window_at(s, cfg), cfg)
        rows.append({"start": iso(s), "end": iso(s + cfg.size), "articles": w["articles"], "mentions": w["mentions"]})
    return rows


def rank_partners(actor_value: Mapping | None, limit: int = 20) -> list[dict]:
    if not actor_value:
        return []
    rows = [{"id": pid, "name": name, "articles": n, "sentences": s}
            for pid, (n, s, name) in (actor_value.get("partners") or {}).items()]
    rows.sort(key=lambda r: (-r["articles"], -r["sentences"], r["id"]))
    return rows[:limit]


def rank_pairs(values: Iterable[Mapping], limit: int = 50) -> list[dict]:
    rows = [{"key": pair_key(v["a"], v["b"]), "a": v["a"], "b": v["b"], "a_name": v["a_name"], "b_name": v["b_name"],
             "articles": v["articles"], "sentences": v["sentences"], "last_article_id": v["last_article_id"]}
            for v in values]
    return heapq.nsmallest(limit, rows, key=lambda r: (-r["articles"], -r["sentences"], r["key"]))


def top_pairs(values: Iterable[Mapping], window: Window | None, cfg: WindowConfig, limit: int = 50) -> list[dict]:
    return rank_pairs((w for w in (pair_window(v, window, cfg) for v in values) if w), limit)


def actor_summary(value: Mapping | None) -> dict | None:
    if not value:
        return None
    return {"id": value["id"], "name": value["name"], "type": value["type"], "articles": value["articles"],
            "mentions": value["mentions"], "partners": len(value.get("partners") or {}),
            "last_article_id": value.get("last_article_id")}


# --------------------------------------------------------------------------- offline (and benchmark) driver

class OfflineCooccurrence:
    """The co-occurrence tables computed in-process, with the same functions the worker uses."""

    def __init__(self, settings: Any = None, cfg: WindowConfig | None = None):
        self.cfg = cfg or WindowConfig.from_settings(settings)
        self.dedup = DedupIndex(self.cfg, {})
        self.agg = Aggregator(self.cfg, {}, {}, {})
        self.stats = {"articles": 0, "counted": 0, "seen": 0, "near_duplicate": 0, "late": 0, "pairs": 0}
        self.duplicates: dict[str, str] = {}

    @property
    def actor_records(self) -> int:
        return self.agg.stats["actor_records"]

    def add(self, record: Mapping[str, Any], features: Features | None = None) -> Decision:
        """Count one enriched record (at most once); a near-duplicate gets record["duplicate_of"]."""
        features = features or article_features(record, self.cfg)
        self.stats["articles"] += 1
        decision = self.dedup.check(features.article_id, features.time, features.signature, features.dated,
                                    features.source)
        if decision.duplicate_of:
            self.duplicates[features.article_id] = decision.duplicate_of
            if isinstance(record, MutableMapping):  # the link on the enriched record, as the worker does
                record["duplicate_of"] = decision.duplicate_of
        if not decision.counts:
            self.stats[decision.reason] += 1
            return decision
        self.stats["counted"] += 1
        self.stats["pairs"] += len(features.pairs)
        for batch in article_batches(features, decision, self.dedup).values():
            self.agg.apply(batch)
        if self.stats["counted"] % DedupIndex.PRUNE_EVERY == 0:
            self.agg.expire_applied(self.dedup.horizon)
        return decision

    def results(self) -> list[dict]:
        """The current value of every pair, as the last actors.cooccurrence message per key, by key."""
        return [self.agg.pairs[k] for k in sorted(self.agg.pairs)]

    def write(self, path: str) -> int:
        return write_jsonl(path, self.results())

    def current(self) -> Window:
        """The window the views call current: the last `size` up to the newest published_at counted (now
        when no counted article has one)."""
        mark = self.dedup.mark
        return current_window(mark if mark is not None else time.time(), self.cfg)  # as the worker does

    # queries, same shapes as the worker's views
    def partners(self, actor_id: str, window: Window | None = None, limit: int = 20) -> list[dict]:
        return rank_partners(actor_window(self.agg.actors.get(actor_id), window, self.cfg), limit)

    def top(self, window: Window | None = None, limit: int = 50) -> list[dict]:
        return top_pairs(self.agg.pairs.values(), window, self.cfg, limit)


def write_jsonl(path: str, rows: list[dict]) -> int:
    """One JSON object per line (the offline tables' output files); returns the number of rows."""
    with open(path, "wb") as fh:
        for row in rows:
            fh.write(orjson.dumps(row) + b"\n")
    return len(rows)
