"""One input message in, output messages out: the single code path shared by the Faust agent
and the offline CLI.  No Kafka imports: outputs are (logical topic, key, value) triples."""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass, field, replace
from typing import Any

import orjson

from streams.config import DEADLETTER, ENRICHED, SANCTIONS, VISITS
from streams.core.record import (MAX_BODY_CHARS, InvalidArticle, check_article, deadletter_record, enriched_record,
                                 event_messages, parse_article)

log = logging.getLogger(__name__)
EVENT_TOPICS = {"sanction": SANCTIONS, "visit": VISITS}


@dataclass(frozen=True)
class Output:
    topic: str        # logical topic name (streams.config)
    key: bytes | None
    value: dict[str, Any]
    # the Document an enriched record was made from, in this process only (never sent): the co-occurrence
    # features reuse its normalised fields instead of normalising and splitting the text again
    document: Any = field(default=None, compare=False, repr=False)

    def value_bytes(self) -> bytes:
        return orjson.dumps(self.value)


@dataclass
class Counts:
    """in = enriched + deadlettered, always."""
    received: int = 0
    enriched: int = 0
    deadlettered: int = 0
    events: dict[str, int] = field(default_factory=lambda: {"sanction": 0, "visit": 0})
    reasons: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"in": self.received, "enriched": self.enriched, "deadlettered": self.deadlettered,
                "events": dict(self.events), "deadletter_reasons": dict(self.reasons)}


def _key_bytes(value: Any) -> bytes | None:
    if value is None:
        return None
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def process(payload: bytes | str | dict, *, key: bytes | str | None = None, topic: str | None = None,
            partition: int | None = None, offset: int | None = None, counts: Counts | None = None,
            max_body_chars: int | None = None) -> list[Output]:
    """Enrich one raw input message; anything that cannot be processed becomes one dead letter."""
    # imported here: the worker process only publishes (its extraction process calls this), and importing the
    # pipeline's modules loads the word lexicon (20 MiB) and takes 0.4 s
    from streams.core.pipeline import default_pipeline

    counts = counts if counts is not None else Counts()
    counts.received += 1
    try:
        limit = max_body_chars or MAX_BODY_CHARS
        article = check_article(payload, limit) if isinstance(payload, dict) else parse_article(payload, limit)
        doc = default_pipeline()(article)
        record = enriched_record(doc)
    except InvalidArticle as e:
        return [dead_letter(payload, e.reason, str(e), key, topic, partition, offset, counts)]
    except Exception as e:  # a bug must not kill the worker: the message goes to the dead letters
        log.exception("processing failed for key=%r", key)
        return [dead_letter(payload, "processing_error", f"{type(e).__name__}: {e}", key, topic, partition, offset,
                            counts)]
    counts.enriched += 1
    article_key = record["id"].encode("utf-8")
    outputs = [Output(ENRICHED, article_key, record, doc)]
    for message in event_messages(record):
        counts.events[message["type"]] += 1
        outputs.append(Output(EVENT_TOPICS[message["type"]], message["id"].encode("utf-8"), message))
    return outputs


def dead_letter(payload, reason, message, key, topic, partition, offset, counts: Counts) -> Output:
    counts.deadlettered += 1
    counts.reasons[reason] = counts.reasons.get(reason, 0) + 1
    raw = orjson.dumps(payload) if isinstance(payload, dict) else payload
    record = deadletter_record(raw, reason, message, key=key, topic=topic, partition=partition, offset=offset)
    return Output(DEADLETTER, _key_bytes(key), record)


def process_with_features(payload: bytes | str | dict, cfg: Any = None, **kwargs) -> tuple[list[Output], Any, float,
                                                                                          Counts]:
    """process() plus the co-occurrence features of its enriched record (the worker runs both, CPU-bound, in
    its extraction process): (outputs, features or None, seconds of process() itself, counts).  The outputs
    come back without their document: it stays in the process that made it."""
    from streams.cooccurrence import article_features

    counts = Counts()
    start = time.perf_counter()
    outputs = process(payload, counts=counts, **kwargs)
    seconds = time.perf_counter() - start
    features = None
    enriched = next((o for o in outputs if o.topic == ENRICHED), None)
    if enriched is not None:
        try:
            features = article_features(enriched.value, cfg, enriched.document.fields)
        except Exception:  # co-occurrence must never cost the article its enrichment
            log.exception("co-occurrence features failed for %s", enriched.value.get("id"))
    return [replace(o, document=None) for o in outputs], features, seconds, counts


def load_pipeline_in_child() -> None:
    """The worker's extraction process, before its first input: load the models, and end with the worker (the
    process waits on its input pipe, which it holds open itself: a SIGKILLed worker would leave it running
    for ever).  It lives here, not beside the pool in `streams.stream.app`: a spawned child imports the module
    of the function it runs, and that one imports Faust, aiokafka and aiohttp (about 40 MiB the child never
    uses)."""
    from streams.core.pipeline import default_pipeline

    parent = os.getppid()

    def exit_with_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(0)

    threading.Thread(target=exit_with_parent, daemon=True, name="exit-with-worker").start()
    default_pipeline()
