"""Actor co-occurrence: pairs, event-time windows, duplicate detection and aggregation.

Pure code (no Kafka, no Faust): the Faust agents in `streams.stream.cooccurrence` and the offline
`OfflineCooccurrence` (``khabar extract --cooccurrence``) call exactly these functions, so the
streaming and the offline tables are equal by construction.

The flow for one enriched article:

1. ``article_features(record)`` -> event time, actors (with mention counts and sentence ids),
   pairs (same-article and same-sentence), a MinHash signature of the text.
2. ``DedupIndex.check(...)`` decides if it counts: not the same id again (seen-set), not a
   near-duplicate of a recent article (MinHash + LSH bands), not later than the lateness horizon.
   State lives in three mappings (dicts offline, Faust tables in the stream) and expires with the
   event-time watermark.
3. One ``pair record`` per pair (keyed by the canonical pair key) and one ``actor record`` per actor
   (keyed by actor id) go to their own repartition topic, stamped with the event time.
4. ``apply_pair`` / ``apply_actor`` fold a record into every hopping window that contains its event
   time (``window_ranges``, identical to Faust's HoppingWindow) and into the running total.
"""
from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import heapq
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator, Mapping, MutableMapping

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
                                                      "0.8")))


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


def window_is_stale(window_end: float, latest_end: float, cfg: WindowConfig) -> bool:
    """Faust's HoppingWindow.stale rule, applied to event time (the newest window end seen)."""
    return window_end <= current_window(latest_end - cfg.retention, cfg)[0]


# --------------------------------------------------------------------------- pairs from one article

def pair_key(a: str, b: str) -> str:
    a, b = sorted((a, b))
    return f"{a}{PAIR_SEP}{b}"


def _sentence_starts(record: Mapping[str, Any]) -> dict[str, list[int]]:
    """Original-text offsets where each sentence of title and body starts."""
    from streams.core.document import Field

    starts: dict[str, list[int]] = {}
    for name in ("title", "body"):
        text = record.get(name) or ""
        if not text:
            starts[name] = [0]
            continue
        f = Field.build(name, text)
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
    """Everything the co-occurrence stage needs from one enriched article (JSON-friendly)."""
    article_id: str
    time: float
    actors: list[dict]          # {id, name, type, mentions}
    pairs: list[dict]           # {key, a, b, a_name, b_name, same_sentence}
    signature: list[int] | None

    def to_json(self) -> dict:
        return {"article_id": self.article_id, "t": self.time, "actors": self.actors, "pairs": self.pairs,
                "signature": self.signature}


def article_actors(record: Mapping[str, Any]) -> list[ArticleActor]:
    starts = _sentence_starts(record)
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


def article_pairs(actors: list[ArticleActor]) -> list[dict]:
    """Unordered pairs of distinct actors, once per article; same_sentence if any sentence holds both."""
    pairs = []
    for i, x in enumerate(actors):
        for y in actors[i + 1:]:
            a, b = (x, y) if x.id < y.id else (y, x)
            pairs.append({"key": pair_key(a.id, b.id), "a": a.id, "b": b.id, "a_name": a.name, "b_name": b.name,
                          "same_sentence": 1 if a.sentences & b.sentences else 0})
    return pairs


def article_features(record: Mapping[str, Any], cfg: WindowConfig | None = None) -> Features:
    cfg = cfg or WindowConfig()
    actors = article_actors(record)
    text = f"{record.get('title') or ''}\n{record.get('body') or ''}"
    return Features(
        article_id=str(record["id"]), time=event_time(record),
        actors=[{"id": a.id, "name": a.name, "type": a.type, "mentions": a.mentions} for a in actors],
        pairs=article_pairs(actors), signature=minhash(text, cfg))


# --------------------------------------------------------------------------- MinHash / LSH

_MERSENNE = (1 << 61) - 1
_WORDS = re.compile(r"\w+")
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "ة": "ه", "ۀ": "ه", "أ": "ا", "إ": "ا", "آ": "ا",
                       "\u200c": None, "\u064b": None, "\u064c": None, "\u064d": None, "\u064e": None,
                       "\u064f": None, "\u0650": None, "\u0651": None, "\u0652": None, "\u0654": None,
                       **{chr(0x06F0 + i): str(i) for i in range(10)}, **{chr(0x0660 + i): str(i) for i in range(10)}})


def _perms(n: int) -> list[tuple[int, int]]:
    out = []
    for i in range(n):
        h = hashlib.blake2b(f"khabar-minhash-{i}".encode(), digest_size=16).digest()
        out.append((int.from_bytes(h[:8], "big") % (_MERSENNE - 1) + 1, int.from_bytes(h[8:], "big") % _MERSENNE))
    return out


_PERMS: dict[int, list[tuple[int, int]]] = {}


def shingles(text: str, k: int = 4) -> set[int]:
    words = _WORDS.findall(text.translate(_FOLD).lower())
    if len(words) < k:
        return {int.from_bytes(hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest(), "big")} \
            if words else set()
    return {int.from_bytes(hashlib.blake2b(" ".join(words[i:i + k]).encode(), digest_size=8).digest(), "big")
            for i in range(len(words) - k + 1)}


def minhash(text: str, cfg: WindowConfig) -> list[int] | None:
    sh = shingles(text, cfg.shingle_words)
    if len(sh) < 8:  # too short to call anything a near-duplicate of it
        return None
    perms = _PERMS.get(cfg.num_perm) or _PERMS.setdefault(cfg.num_perm, _perms(cfg.num_perm))
    xs = [x % _MERSENNE for x in sh]
    return [min((a * x + b) % _MERSENNE for x in xs) for a, b in perms]


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


class DedupIndex:
    """Seen-set by article id plus a MinHash LSH index of recent articles, expiring by event time.

    `seen`: article id -> {"t": event time, "sig": signature or null}
    `bands`: band key -> {article id: event time}
    `meta`: "watermark" -> newest event time seen (per partition name in the stream)
    Any MutableMapping works: dicts offline, Faust tables (changelog-backed) in the worker.
    """

    PRUNE_EVERY = 64

    def __init__(self, cfg: WindowConfig, seen: MutableMapping, bands: MutableMapping, meta: MutableMapping,
                 watermark_key: str = "watermark"):
        self.cfg, self.seen, self.bands, self.meta = cfg, seen, bands, meta
        self.watermark_key = watermark_key
        self._since_prune = 0

    @property
    def watermark(self) -> float | None:
        return self.meta.get(self.watermark_key)

    def check(self, article_id: str, t: float, signature: list[int] | None) -> Decision:
        if article_id in self.seen:
            return Decision(False, None, "seen")
        wm = self.watermark
        if wm is not None and t < wm - self.cfg.lateness:
            # Too late for any live window: it could only land in a window already dropped.
            return Decision(False, None, "late")
        duplicate_of = self._near_duplicate(signature) if signature else None
        self.seen[article_id] = {"t": t, "sig": signature}
        if wm is None or t > wm:
            self.meta[self.watermark_key] = t
        if duplicate_of is not None:
            return Decision(False, duplicate_of, "near_duplicate")
        if signature:
            for bk in band_keys(signature, self.cfg):
                members = dict(self.bands.get(bk) or {})
                members[article_id] = t
                self.bands[bk] = members
        self._since_prune += 1
        if self._since_prune >= self.PRUNE_EVERY:
            self.prune()
        return Decision(True)

    def _near_duplicate(self, signature: list[int]) -> str | None:
        candidates: set[str] = set()
        for bk in band_keys(signature, self.cfg):
            candidates.update((self.bands.get(bk) or {}).keys())
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
        wm = self.watermark
        if wm is None:
            return 0
        horizon = wm - self.cfg.retention
        stale = [(aid, v) for aid, v in list(self.seen.items()) if v["t"] < horizon]
        for aid, v in stale:
            if v.get("sig"):
                for bk in band_keys(v["sig"], self.cfg):
                    members = self.bands.get(bk)
                    if members and aid in members:
                        members = {k: x for k, x in members.items() if k != aid}
                        if members:
                            self.bands[bk] = members
                        else:
                            del self.bands[bk]
            del self.seen[aid]
        return len(stale)


# --------------------------------------------------------------------------- records and aggregation

def pair_records(features: Features) -> list[dict]:
    return [{**p, "article_id": features.article_id, "t": features.time} for p in features.pairs]


def actor_records(features: Features) -> list[dict]:
    """One record per actor, carrying its partners in this article (the actor-keyed adjacency)."""
    partners: dict[str, list] = {a["id"]: [] for a in features.actors}
    for p in features.pairs:
        partners[p["a"]].append([p["b"], p["b_name"], p["same_sentence"]])
        partners[p["b"]].append([p["a"], p["a_name"], p["same_sentence"]])
    return [{**a, "article_id": features.article_id, "t": features.time, "partners": partners[a["id"]]}
            for a in features.actors]


def apply_pair(value: Mapping | None, rec: Mapping) -> dict:
    value = value or {}
    return {"a": rec["a"], "b": rec["b"], "a_name": rec["a_name"], "b_name": rec["b_name"],
            "articles": value.get("articles", 0) + 1,
            "sentences": value.get("sentences", 0) + int(rec["same_sentence"]),
            "last_article_id": rec["article_id"], "last_t": max(value.get("last_t", rec["t"]), rec["t"])}


def apply_actor(value: Mapping | None, rec: Mapping) -> dict:
    value = value or {}
    partners = dict(value.get("partners") or {})
    for pid, pname, same in rec["partners"]:
        old = partners.get(pid) or [0, 0, pname]
        partners[pid] = [old[0] + 1, old[1] + int(same), pname]
    return {"id": rec["id"], "name": rec["name"], "type": rec["type"],
            "articles": value.get("articles", 0) + 1, "mentions": value.get("mentions", 0) + rec["mentions"],
            "partners": partners, "last_article_id": rec["article_id"]}


def cooccurrence_message(key: str, window: Window | None, value: Mapping) -> dict:
    """The actors.cooccurrence message for one table change (window None = running total)."""
    return {"key": key,
            "window_start": iso(window[0]) if window else None,
            "window_end": iso(round(window[1] + 0.1)) if window else None,
            "a": value["a"], "b": value["b"], "a_name": value["a_name"], "b_name": value["b_name"],
            "articles": value["articles"], "sentences": value["sentences"],
            "last_article_id": value["last_article_id"]}


def message_id(message: Mapping) -> tuple[str, str | None]:
    return message["key"], message["window_start"]


# --------------------------------------------------------------------------- queries (shared by views)

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


def actor_summary(value: Mapping | None) -> dict | None:
    if not value:
        return None
    return {"id": value["id"], "name": value["name"], "type": value["type"], "articles": value["articles"],
            "mentions": value["mentions"], "partners": len(value.get("partners") or {}),
            "last_article_id": value.get("last_article_id")}


# --------------------------------------------------------------------------- offline (and benchmark) driver

@dataclass
class Tables:
    """In-memory equivalents of the Faust tables (windowed keys are (key, (start, end)))."""
    pair_windows: dict = field(default_factory=dict)
    pair_total: dict = field(default_factory=dict)
    actor_windows: dict = field(default_factory=dict)
    actor_total: dict = field(default_factory=dict)
    latest_end: float = 0.0
    _expiry: list = field(default_factory=list)   # heap of (window end, table name, key), like Faust's

    def set_window(self, name: str, key: tuple, value: dict) -> None:
        table = getattr(self, name)
        if key not in table:
            heapq.heappush(self._expiry, (key[1][1], name, key))
        table[key] = value
        self.latest_end = max(self.latest_end, key[1][1])

    def gc(self, cfg: WindowConfig) -> int:
        """Drop windows gone stale by event time (what the worker's table cleanup does)."""
        removed = 0
        while self._expiry and window_is_stale(self._expiry[0][0], self.latest_end, cfg):
            _, name, key = heapq.heappop(self._expiry)
            if getattr(self, name).pop(key, None) is not None:
                removed += 1
        return removed


class OfflineCooccurrence:
    """The co-occurrence tables computed in-process, with the same functions the worker uses."""

    def __init__(self, settings: Any = None, cfg: WindowConfig | None = None, keep_history: bool = True,
                 gc_every: int = 16):
        self.cfg = cfg or WindowConfig.from_settings(settings)
        self.dedup = DedupIndex(self.cfg, {}, {}, {})
        self.tables = Tables()
        self.keep_history = keep_history
        self.final: dict[tuple[str, str | None], dict] = {}   # last message per (pair key, window start)
        self.messages = 0
        self.actor_records = 0
        self.stats = {"articles": 0, "counted": 0, "seen": 0, "near_duplicate": 0, "late": 0, "pairs": 0}
        self.duplicates: dict[str, str] = {}
        self.gc_every, self._since_gc = gc_every, 0

    def add(self, record: Mapping[str, Any], features: Features | None = None) -> Decision:
        """Count one enriched record (at most once); a near-duplicate gets record["duplicate_of"]."""
        features = features or article_features(record, self.cfg)
        self.stats["articles"] += 1
        decision = self.dedup.check(features.article_id, features.time, features.signature)
        if decision.duplicate_of:
            self.duplicates[features.article_id] = decision.duplicate_of
            if isinstance(record, MutableMapping):  # the link on the enriched record, as the worker does
                record["duplicate_of"] = decision.duplicate_of
        if not decision.counts:
            self.stats[decision.reason] += 1
            return decision
        self.stats["counted"] += 1
        for rec in pair_records(features):
            self.stats["pairs"] += 1
            for msg in self.apply_pair_record(rec):
                self._emit(msg)
        for rec in actor_records(features):
            self.actor_records += 1
            self.apply_actor_record(rec)
        self._since_gc += 1
        if self._since_gc >= self.gc_every:
            self._since_gc = 0
            self.tables.gc(self.cfg)
        return decision

    def apply_pair_record(self, rec: Mapping) -> list[dict]:
        t, out = self.tables, []
        for w in window_ranges(rec["t"], self.cfg):
            value = apply_pair(t.pair_windows.get((rec["key"], w)), rec)
            t.set_window("pair_windows", (rec["key"], w), value)
            out.append(cooccurrence_message(rec["key"], w, value))
        t.pair_total[rec["key"]] = value = apply_pair(t.pair_total.get(rec["key"]), rec)
        out.append(cooccurrence_message(rec["key"], None, value))
        return out

    def apply_actor_record(self, rec: Mapping) -> None:
        t = self.tables
        for w in window_ranges(rec["t"], self.cfg):
            t.set_window("actor_windows", (rec["id"], w), apply_actor(t.actor_windows.get((rec["id"], w)), rec))
        t.actor_total[rec["id"]] = apply_actor(t.actor_total.get(rec["id"]), rec)

    def _emit(self, message: dict) -> None:
        self.messages += 1
        if self.keep_history:
            self.final[message_id(message)] = message

    def results(self) -> list[dict]:
        """The last value of every (pair, window) ever published, totals first, then by window and key."""
        return sorted(self.final.values(), key=lambda m: (m["window_start"] or "", m["key"]))

    def write(self, path: str) -> int:
        rows = self.results()
        with open(path, "wb") as fh:
            for row in rows:
                fh.write(orjson.dumps(row) + b"\n")
        return len(rows)

    # queries, same shapes as the worker's views
    def partners(self, actor_id: str, window: Window | None = None, limit: int = 20) -> list[dict]:
        value = self.tables.actor_total.get(actor_id) if window is None else \
            self.tables.actor_windows.get((actor_id, window))
        return rank_partners(value, limit)

    def top(self, window: Window | None = None, limit: int = 50) -> list[dict]:
        values = self.tables.pair_total.values() if window is None else \
            (v for (k, w), v in self.tables.pair_windows.items() if w == window)
        return rank_pairs(values, limit)


def iter_windows(keys: Iterable[Any]) -> Iterator[Window]:
    seen = set()
    for k in keys:
        if isinstance(k, tuple) and len(k) == 2 and isinstance(k[1], (tuple, list)):
            w = (float(k[1][0]), float(k[1][1]))
            if w not in seen:
                seen.add(w)
                yield w
