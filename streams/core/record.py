"""Input validation and the output records (enriched article, event messages, dead letters).

Everything that leaves the core is built here, so the offline CLI and the Faust agents
publish byte-for-byte the same records.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any, Mapping

import orjson

from streams.core.events.codes import HOSTED_VISIT, plover
from streams.core.document import Argument, Document, Event, Span
from streams.core.actors.gazetteer import default_gazetteer
from streams.version import PIPELINE_VERSION

INPUT_FIELDS = ("id", "source", "url", "published_at", "title", "body")
MAX_BODY_CHARS = 200_000
ROLE_ORDER = {"sanction": ("authority", "target"), "visit": ("visitor", "destination", "host")}


class InvalidArticle(ValueError):
    """An input that cannot be processed; `reason` is the dead-letter reason code."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_article(raw: bytes | str | None, max_body_chars: int = MAX_BODY_CHARS) -> dict[str, Any]:
    """Bytes or text of one input message -> a checked article dict, or InvalidArticle."""
    if raw is None:  # a Kafka tombstone: a key with no value
        raise InvalidArticle("null_message", "message has no value (a null/tombstone record); "
                                             "an article must be a JSON object with an id and a body")
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise InvalidArticle("not_utf8", f"payload is not UTF-8: {e}") from None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as e:
        raise InvalidArticle("invalid_json", f"payload is not JSON: {e}") from None
    return check_article(value, max_body_chars)


def check_article(value: Any, max_body_chars: int = MAX_BODY_CHARS) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        raise InvalidArticle("not_an_object", f"an article must be a JSON object, got {type(value).__name__}")
    if "id" not in value or value["id"] in (None, ""):
        raise InvalidArticle("missing_id", "article has no id")
    if not isinstance(value["id"], str):
        # a number would be renamed on the way ("1" vs 1.0 vs 1): ids travel as message keys, so text only
        raise InvalidArticle("invalid_id", f"article id must be a string, got {type(value['id']).__name__}")
    if "body" not in value or value["body"] is None:
        raise InvalidArticle("missing_body", "article has no body")
    if not isinstance(value["body"], str):
        raise InvalidArticle("body_not_string", f"body must be a string, got {type(value['body']).__name__}")
    if len(value["body"]) > max_body_chars:
        raise InvalidArticle("body_too_large", f"body has {len(value['body'])} characters, limit {max_body_chars}")
    for name in ("title", "source", "url", "published_at"):
        if value.get(name) is not None and not isinstance(value[name], str):
            raise InvalidArticle(f"{name}_not_string", f"{name} must be a string or null")
    return {name: value.get(name) for name in INPUT_FIELDS}


def _span_json(doc: Document, span: Span) -> dict[str, Any]:
    text, start, end = doc.original_span(span)
    return {"text": text, "start": start, "end": end, "field": span.field}


METONYMIC_ROLES = ("authority", "target", "visitor", "host")


def _argument_json(doc: Document, arg: Argument) -> dict[str, Any]:
    out = {"entity_id": arg.entity_id, **_span_json(doc, arg.span)}
    if arg.inferred:
        out["inferred"] = True
    if arg.role in METONYMIC_ROLES and arg.entity_id:
        actor = default_gazetteer().by_id.get(arg.entity_id)
        state = default_gazetteer().capital_of(actor) if actor else None
        if state is not None:
            out["stands_for"] = state.id  # "تهران تحریم شد": the capital stands for the state
    return out


def _distinct(arguments: list[Argument]) -> list[Argument]:
    """One argument per role and actor: the longest mention ("شرکت صنایع هواپیماسازی ایران", not "هسا")."""
    best: dict[tuple[str, str], Argument] = {}
    out: list[Argument] = []
    for arg in arguments:
        if arg.entity_id is None:
            out.append(arg)
            continue
        k = (arg.role, arg.entity_id)
        if k not in best:
            best[k] = arg
            out.append(arg)
        elif arg.span.end - arg.span.start > best[k].span.end - best[k].span.start:
            out[out.index(best[k])] = arg
            best[k] = arg
    return out


def event_id(doc: Document, ev: Event) -> str:
    """Deterministic: same article and same event -> same id."""
    first_args = ",".join(f"{a.role}={a.entity_id or doc.text_of(a.span)}" for a in ev.arguments[:2])
    basis = f"{doc.id}|{ev.type}|{ev.trigger.field}|{ev.trigger.start}|{first_args}"
    return f"{ev.type}-{hashlib.sha1(basis.encode()).hexdigest()[:16]}"


def event_json(doc: Document, ev: Event) -> dict[str, Any]:
    arguments: dict[str, list] = {role: [] for role in ROLE_ORDER[ev.type]}
    for arg in _distinct(ev.arguments):
        arguments.setdefault(arg.role, []).append(_argument_json(doc, arg))
    out: dict[str, Any] = {
        "id": event_id(doc, ev),
        "type": ev.type,
        "status": ev.status,
        "date": ev.date.isoformat() if ev.date else None,
        "arguments": arguments,
        "evidence": _span_json(doc, ev.evidence),
        "trigger": _span_json(doc, ev.trigger),
        "cameo": ev.cameo,
        "plover": plover(ev.cameo) if ev.cameo else None,
    }
    if ev.type == "sanction":
        out["target_count"] = ev.attributes.get("target_count")
        out["target_countries"] = [_argument_json(doc, a) for a in _distinct(ev.attributes.get("target_countries", []))]
        reason = ev.attributes.get("reason")
        out["reason"] = _span_json(doc, reason) if reason else None
    else:
        out["host_cameo"] = HOSTED_VISIT if ev.status == "occurred" and arguments["host"] else None
        out["duration"] = ev.attributes.get("duration")
    return out


def entity_json(doc: Document, ent) -> dict[str, Any]:
    return {
        "id": ent.id, "type": ent.type, "name": ent.name, "name_en": ent.name_en,
        "country": ent.country, "cameo": ent.cameo,
        "mentions": [{**_span_json(doc, m), "source": m.source} for m in ent.mentions],
    }


def enriched_record(doc: Document, processed_at: str | None = None) -> dict[str, Any]:
    record = {name: doc.article.get(name) for name in INPUT_FIELDS}
    record["id"] = doc.id
    record["entities"] = [entity_json(doc, e) for e in doc.entities.values() if e.type in ("PERSON", "ORG", "GPE")]
    record["events"] = [event_json(doc, ev) for ev in doc.events]
    record["warnings"] = list(doc.warnings)
    record["pipeline_version"] = PIPELINE_VERSION
    record["processed_at"] = processed_at or now_iso()
    return record


def event_messages(record: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One message per event for events.sanctions / events.visits, with its actors resolved."""
    entities = {e["id"]: {k: e[k] for k in ("id", "type", "name", "name_en", "country", "cameo")}
                for e in record["entities"]}
    out = []
    for ev in record["events"]:
        ids = {a["entity_id"] for args in ev["arguments"].values() for a in args if a["entity_id"]}
        ids |= {a["entity_id"] for a in ev.get("target_countries", []) if a["entity_id"]}
        out.append({**ev, "article_id": record["id"], "article_url": record.get("url"),
                    "published_at": record.get("published_at"),
                    "actors": [entities[i] for i in sorted(ids) if i in entities],
                    "pipeline_version": record["pipeline_version"], "processed_at": record["processed_at"]})
    return out


def deadletter_record(payload: bytes | str | None, reason: str, message: str, *, key: bytes | str | None = None,
                      topic: str | None = None, partition: int | None = None, offset: int | None = None,
                      ) -> dict[str, Any]:
    record: dict[str, Any] = {
        "key": _text_or_none(key), "reason": reason, "message": message[:2000],
        "source": {"topic": topic, "partition": partition, "offset": offset},
        "payload": None, "payload_base64": None,
        "pipeline_version": PIPELINE_VERSION, "failed_at": now_iso(),
    }
    if isinstance(payload, bytes):
        try:
            record["payload"] = payload.decode("utf-8")
        except UnicodeDecodeError:
            record["payload_base64"] = base64.b64encode(payload).decode("ascii")
    elif payload is not None:
        record["payload"] = payload
    return record


def _text_or_none(value: bytes | str | None) -> str | None:
    if isinstance(value, bytes):
        try:
            return value.decode("utf-8")
        except UnicodeDecodeError:
            return base64.b64encode(value).decode("ascii")
    return value
