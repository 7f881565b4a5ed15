"""Event fusion: the per-article events of many reports -> one record per real-world event.

Pure code (no Kafka, no Faust): the Faust agent in `streams.stream.fusion` and `OfflineFusion`
(``khabar extract --fuse``) call exactly these functions, so the streaming and the offline tables are equal
by construction.  Which articles count is the co-occurrence dedup decision (``fuses``): the same article
again and a syndicated copy add nothing.

Identity.  A per-article event becomes one *report* under a *group key*: its type and its key arguments as
canonical ids, sorted (``sanction|authority=...|target=...``, ``visit|visitor=...|destination=...``; a
sanction naming no target is keyed by its target counts, an argument without an id by its folded text).
A sanction's status is part of its identity (threatened, imposed and lifted are separate events, linked by
``follows``); a visit's is not (planned, then occurred, is one record with a status history).

Dates.  A report's day is its event date, else its publication date.  Within a group (and a sanction
status), reports sorted by day are cut wherever two consecutive days are more than the span apart:
single-linkage clusters.  That is the one cut that depends on the set of reports only, never on their
arrival order: a report falling between two clusters joins them, so a chain of reports each within the span
of the next is one event however long it runs (continuing coverage of one trip; the price is that daily
reports of the same pair on many days fuse too).  Fixed date buckets would split two reports a day apart
across a bucket edge.  A report with no date at all cannot be placed and stays its own event.

The fused id hashes the group, the status (sanctions) and the cluster's first day, so it is stable while
reports join the cluster; when a report joins two clusters, or moves a cluster's first day, the old ids
disappear (a tombstone on the compacted topic) and the merged record takes a new one.  Every record is
recomputed from the group's stored reports, so the table is a pure function of the set of reports.
"""
from __future__ import annotations

import hashlib
import os
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, MutableMapping

import orjson

from streams.cooccurrence import _FOLD, DAY, Decision, iso, parse_time, write_jsonl

KEY_ROLES = {"sanction": ("authority", "target"), "visit": ("visitor", "destination")}
EXTRA_ROLES = {"sanction": (), "visit": ("host",)}      # listed on the record, not part of the identity
FOLLOWS = {"imposed": "threatened", "lifted": "imposed"}  # a sanction status and the one it follows
STATUS_ORDER = {"threatened": 0, "imposed": 1, "lifted": 2, "planned": 0, "occurred": 1}
_KEY_UNSAFE = re.compile(r"[|+=\s]+")


@dataclass(frozen=True)
class FusionConfig:
    span_days: float = 3.0       # reports whose days are at most this far apart are one event
    max_article_ids: int = 50    # article ids listed per record (newest kept); the counts cover all

    def __post_init__(self):
        if self.span_days < 0:
            raise ValueError("the fusion span must not be negative")
        if self.max_article_ids < 1:
            raise ValueError("a fused record lists at least one article id")

    @classmethod
    def from_settings(cls, settings: Any = None) -> "FusionConfig":
        value = getattr(settings, "fusion_span_days", None) if settings is not None else None
        return cls(span_days=float(value if value is not None else os.environ.get("KHABAR_FUSION_SPAN_DAYS", "3")))


def fuses(decision: Decision) -> bool:
    """The dedup decision, read for fusion: an article counts unless it is a copy or was already counted.
    Unlike co-occurrence, an article far behind the watermark ("late") is still a report of its event."""
    if decision.duplicate_of is not None:
        return False
    return decision.counts or decision.resend or decision.reason == "late"


# --------------------------------------------------------------------------- reports from one article

def _fold(text: str) -> str:
    return _KEY_UNSAFE.sub(" ", text.translate(_FOLD).lower()).strip()


def _arg_key(arg: Mapping) -> str | None:
    if arg.get("entity_id"):
        # "واشنگتن تحریم کرد" and "آمریکا تحریم کرد" are one authority: a capital in such a role stands for its state
        return arg.get("stands_for") or arg["entity_id"]
    folded = _fold(arg.get("text") or "")
    return f"text:{folded}" if folded else None


def _role_keys(args: Iterable[Mapping]) -> list[str]:
    return sorted({k for k in map(_arg_key, args) if k})


def group_key(event: Mapping) -> str | None:
    """type + sorted key arguments (ids); None when a key argument is missing (the event stays alone)."""
    roles = KEY_ROLES.get(event.get("type"))
    if roles is None:
        return None
    parts = [event["type"]]
    for role in roles:
        keys = _role_keys(event["arguments"].get(role) or [])
        if not keys and role == "target":
            count = event.get("target_count") or {}
            if count.get("persons") is None and count.get("entities") is None:
                return None
            keys = [f"count:persons={count.get('persons')},entities={count.get('entities')}"]
        if not keys:
            return None
        parts.append(f"{role}={'+'.join(keys)}")
    return "|".join(parts)


def _day(value: Any) -> str | None:
    t = parse_time(value)
    return None if t is None or t <= 0 else iso(t)[:10]


def article_reports(record: Mapping[str, Any]) -> dict[str, list[dict]]:
    """The events of one enriched record as reports, by group key (an event without its key arguments gets
    a group of its own, keyed by its event id)."""
    names = {e["id"]: e.get("name") or e["id"] for e in record.get("entities") or []}
    t = parse_time(record.get("published_at"))
    t = t if t is not None and t > 0 else None
    out: dict[str, list[dict]] = {}
    for ev in record.get("events") or []:
        if ev.get("type") not in KEY_ROLES:
            continue
        group = group_key(ev) or f"{ev['type']}|event={ev['id']}"
        args = {}
        for role in KEY_ROLES[ev["type"]] + EXTRA_ROLES[ev["type"]]:
            args[role] = sorted({(_arg_key(a), names.get(_arg_key(a)) or names.get(a.get("entity_id"))
                                  or a.get("text") or "")
                                 for a in ev["arguments"].get(role) or [] if _arg_key(a)})
        out.setdefault(group, []).append({
            "article_id": str(record["id"]), "event_id": ev["id"], "source": record.get("source") or None,
            "t": t, "date": ev.get("date"), "day": ev.get("date") or (iso(t)[:10] if t is not None else None),
            "status": ev["status"], "args": args, "target_count": ev.get("target_count"),
            "evidence": {"article_id": str(record["id"]), **ev["evidence"]},
            "cameo": ev.get("cameo"), "plover": ev.get("plover"), "host_cameo": ev.get("host_cameo")})
    return out


def _report_order(r: Mapping) -> tuple:
    return (r["t"] is None, r["t"] or 0.0, r["article_id"], r["event_id"])


# --------------------------------------------------------------------------- clusters -> fused records

def _days_apart(a: str, b: str) -> float:
    return (parse_time(b) - parse_time(a)) / DAY


def clusters(reports: list[dict], cfg: FusionConfig) -> list[tuple[str, list[dict]]]:
    """(anchor, reports) per event: dated reports cut where consecutive days are more than the span apart
    (anchor = the first day), each undated article alone (anchor = its article id)."""
    dated = sorted((r for r in reports if r["day"]), key=lambda r: (r["day"],) + _report_order(r))
    out: list[tuple[str, list[dict]]] = []
    for r in dated:
        if out and _days_apart(out[-1][1][-1]["day"], r["day"]) <= cfg.span_days:
            out[-1][1].append(r)
        else:
            out.append((r["day"], [r]))
    undated: dict[str, list[dict]] = {}
    for r in sorted((r for r in reports if not r["day"]), key=_report_order):
        undated.setdefault(r["article_id"], []).append(r)
    out.extend((f"article:{aid}", rs) for aid, rs in undated.items())
    return out


def fused_id(group: str, lineage: str, anchor: str) -> str:
    digest = hashlib.blake2b(f"{group}#{lineage}#{anchor}".encode("utf-8"), digest_size=8).hexdigest()
    return f"fused-{group.split('|', 1)[0]}-{digest}"


def _most_common(values: Iterable, default=None):
    """The most frequent value (ties: the smallest by its JSON text), so the choice is order-free."""
    counts = Counter(orjson.dumps(v, option=orjson.OPT_SORT_KEYS) for v in values)
    if not counts:
        return default
    best = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
    return orjson.loads(best)


def _arguments(reports: list[dict], roles: Iterable[str]) -> dict[str, list[dict]]:
    out = {}
    for role in roles:
        by_id: dict[str, list[str]] = {}
        for r in reports:
            for key, name in r["args"].get(role) or []:
                by_id.setdefault(key, []).append(name)
        rows = [{"id": key, "name": _most_common(names), "reports": len(names)} for key, names in by_id.items()]
        out[role] = sorted(rows, key=lambda a: (-a["reports"], a["id"]))
    return out


def _record(group: str, lineage: str, anchor: str, reports: list[dict], cfg: FusionConfig) -> dict:
    etype = group.split("|", 1)[0]
    reports = sorted(reports, key=_report_order)
    history = []
    for status in sorted({r["status"] for r in reports},
                         key=lambda s: (min(_report_order(r) for r in reports if r["status"] == s), STATUS_ORDER[s])):
        rs = [r for r in reports if r["status"] == status]
        history.append({"status": status, "first_reported": rs[0]["t"] and iso(rs[0]["t"]),
                        "article_id": rs[0]["article_id"], "articles": len({r["article_id"] for r in rs})})
    status = max((h["status"] for h in history), key=lambda s: STATUS_ORDER[s])  # occurred outranks planned
    current = [r for r in reports if r["status"] == status]
    stated = Counter(r["date"] for r in reports if r["date"])
    warnings = []
    if len(stated) > 1:
        warnings.append("reports disagree on the date: " +
                        ", ".join(f"{d} ({n})" for d, n in sorted(stated.items(), key=lambda x: (-x[1], x[0]))))
    if stated:
        date, date_source = min(stated.items(), key=lambda x: (-x[1], x[0]))[0], "reported"
    else:
        date, date_source = (anchor, "published") if reports[0]["day"] else (None, None)
    times = [r["t"] for r in reports if r["t"] is not None]
    newest = sorted(reports, key=lambda r: (r["t"] is not None, r["t"] or 0.0, r["article_id"]), reverse=True)
    article_ids = list(dict.fromkeys(r["article_id"] for r in newest))
    record = {
        "id": fused_id(group, lineage, anchor), "type": etype, "key": group, "status": status,
        "status_history": history, "follows": None,
        "arguments": _arguments(reports, KEY_ROLES[etype] + EXTRA_ROLES[etype]),
        "date": date, "date_source": date_source,
        "first_reported": iso(min(times)) if times else None, "last_reported": iso(max(times)) if times else None,
        "articles": len(article_ids), "sources": len({r["source"] for r in reports if r["source"]}),
        "mentions": len(reports), "article_ids": article_ids[:cfg.max_article_ids],
        "evidence": reports[0]["evidence"],  # the earliest report's
        "cameo": _most_common(r["cameo"] for r in current),
        "plover": _most_common(r["plover"] for r in current),
        "warnings": warnings,
    }
    if etype == "sanction":
        record["target_count"] = _most_common((r["target_count"] for r in reports if r["target_count"]), None)
    else:
        record["host_cameo"] = _most_common((r["host_cameo"] for r in current if r["host_cameo"]), None)
    return record


def copies(reports: list[dict]) -> dict[str, str]:
    """Articles that report the event in the very words (folded) of an earlier article: copy -> original.

    The dedup decision misses a copy when the index never held its original (an article too far behind the
    watermark is not indexed; copies in a replayed archive are just that); a copy repeats the evidence
    sentence, so it is recognised here too.  "Earlier" is the report order (publication time, then id): a
    function of the set of reports, whatever order they arrived in."""
    texts: dict[str, str] = {}
    out: dict[str, str] = {}
    by_article: dict[str, set[str]] = {}
    for r in sorted(reports, key=_report_order):
        by_article.setdefault(r["article_id"], set()).add(_fold(r["evidence"]["text"]))
    for aid, folded in by_article.items():
        original = next((texts[t] for t in sorted(folded) if t in texts), None)
        if original is not None:
            out[aid] = original
            continue
        for t in folded:
            texts.setdefault(t, aid)
    return out


def fuse_group(group: str, reports: list[dict], cfg: FusionConfig) -> dict[str, dict]:
    """Every fused record of one group key, by fused id."""
    etype = group.split("|", 1)[0]
    copied = copies(reports)
    lineages: dict[str, list[dict]] = {}
    for r in (r for r in reports if r["article_id"] not in copied):
        lineages.setdefault(r["status"] if etype == "sanction" else "", []).append(r)
    records = {}
    for lineage, rs in sorted(lineages.items()):
        for anchor, members in clusters(rs, cfg):
            rec = _record(group, lineage, anchor, members, cfg)
            ids = {r["article_id"] for r in members}
            rec["copies"] = sum(1 for original in copied.values() if original in ids)
            rec["_anchor"] = anchor
            records[rec["id"]] = rec
    # a sanction imposed follows the latest threat of the same authority and target at or before it (lifted:
    # the latest imposition); undated ones cannot be placed and follow nothing
    for rec in records.values():
        before = FOLLOWS.get(rec["status"]) if etype == "sanction" else None
        if before and rec["date"] is not None and not rec["_anchor"].startswith("article:"):
            prior = [p for p in records.values() if p["status"] == before and not p["_anchor"].startswith("article:")
                     and p["_anchor"] <= rec["_anchor"]]
            if prior:
                rec["follows"] = max(prior, key=lambda p: (p["_anchor"], p["id"]))["id"]
    for rec in records.values():
        del rec["_anchor"]
    return records


# --------------------------------------------------------------------------- the table

Change = tuple[str, "dict | None"]   # (fused id, record or None when the record disappeared)


class FusionTable:
    """Group key -> {"key", "reports", "records"}: every report of the group (sorted, so the stored value
    does not depend on arrival order) and the fused records computed from them.  `groups` is a dict offline,
    a write-back cache over a changelog-backed table in the worker.  ``apply`` is idempotent per article:
    an article whose reports the group already holds changes nothing (a re-delivered message, or the same
    article id again)."""

    def __init__(self, cfg: FusionConfig, groups: MutableMapping):
        self.cfg, self.groups = cfg, groups
        self.stats = {"applied": 0, "replayed": 0, "reports": 0, "changes": 0}

    def apply(self, group: str, reports: list[dict]) -> list[Change]:
        value = self.groups.get(group) or {"key": group, "reports": [], "records": {}}
        article_ids = {r["article_id"] for r in reports}
        if any(r["article_id"] in article_ids for r in value["reports"]):
            self.stats["replayed"] += 1
            return []
        merged = sorted(value["reports"] + list(reports), key=_report_order)
        new = fuse_group(group, merged, self.cfg)
        old = value["records"]
        changes: list[Change] = [(fid, rec) for fid, rec in sorted(new.items()) if old.get(fid) != rec]
        changes += [(fid, None) for fid in sorted(old) if fid not in new]
        self.groups[group] = {"key": group, "reports": merged, "records": new}
        self.stats["applied"] += 1
        self.stats["reports"] += len(reports)
        self.stats["changes"] += len(changes)
        return changes


# --------------------------------------------------------------------------- queries (shared by the views)

def recent(records: Iterable[Mapping], etype: str | None = None, limit: int = 20) -> list[Mapping]:
    """Newest reported first (undated last), then by id."""
    rows = [r for r in records if etype is None or r["type"] == etype]
    rows.sort(key=lambda r: (r["last_reported"] is None, _neg_time(r["last_reported"]), r["id"]))
    return rows[:limit]


def _neg_time(value: str | None) -> float:
    return -(parse_time(value) or 0.0)


def naming(records: Iterable[Mapping], actor_id: str) -> list[Mapping]:
    """Records with `actor_id` among their arguments."""
    return [r for r in records if any(a["id"] == actor_id for args in r["arguments"].values() for a in args)]


# --------------------------------------------------------------------------- offline driver

class OfflineFusion:
    """The fused-event table computed in-process, with the same functions the worker uses."""

    def __init__(self, settings: Any = None, cfg: FusionConfig | None = None):
        self.cfg = cfg or FusionConfig.from_settings(settings)
        self.table = FusionTable(self.cfg, {})
        self.messages = 0   # what the worker would publish to events.fused (one per change)
        self.events = 0     # per-article events fused

    def add(self, record: Mapping[str, Any], decision: Decision) -> list[Change]:
        if not fuses(decision):
            return []
        changes = []
        for group, reports in sorted(article_reports(record).items()):
            applied = self.table.apply(group, reports)
            if applied:
                self.events += len(reports)
            changes += applied
        self.messages += len(changes)
        return changes

    def results(self) -> list[dict]:
        """Every current fused record (the compacted events.fused topic), by id."""
        return sorted((rec for v in self.table.groups.values() for rec in v["records"].values()),
                      key=lambda r: r["id"])

    def write(self, path: str) -> int:
        return write_jsonl(path, self.results())
