"""Settings from the environment (KHABAR_*), shared by the worker, the producer and the CLI.

`Settings` is the one list of settings: each field names its environment variable, default and
meaning in its metadata, and `khabar worker --help` is generated from it (`describe()`)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Callable


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _setting(env: str, default: str, help: str, parse: Callable[[str], object] = str):
    """A field read from `env` (else `default`) when Settings() is made."""
    return field(default_factory=lambda: parse(_env(env, default)),
                 metadata={"env": env, "default": default, "help": help})


PROCESSING_GUARANTEES = ("at_least_once", "exactly_once")


@dataclass(frozen=True)
class Settings:
    broker: str = _setting("KHABAR_BROKER", "kafka://127.0.0.1:9092", "Kafka bootstrap URL(s), Faust style")
    app_id: str = _setting("KHABAR_APP_ID", "khabar", "Faust app id = consumer group and changelog prefix")
    topic_prefix: str = _setting("KHABAR_TOPIC_PREFIX", "", "prepended to every topic name")
    partitions: int = _setting("KHABAR_PARTITIONS", "1", "partitions for topics the app creates", int)
    replicas: int = _setting("KHABAR_REPLICAS", "1", "replication factor for topics the app creates", int)
    web_host: str = _setting("KHABAR_WEB_HOST", "127.0.0.1", "address of the worker web views and /metrics")
    web_port: int = _setting("KHABAR_WEB_PORT", "6066", "port of the worker web views and /metrics", int)
    store: str = _setting("KHABAR_STORE", "memory://", "Faust table store (state is rebuilt from changelogs)")
    data_dir: str = _setting("KHABAR_DATA_DIR", "khabar-data", "Faust data directory")
    max_body_chars: int = _setting("KHABAR_MAX_BODY_CHARS", "200000",
                                   "longer bodies are dead-lettered (body_too_large)", int)
    max_message_bytes: int = _setting("KHABAR_MAX_MESSAGE_BYTES", str(16 * 1024 * 1024),
                                      "producer/consumer message size (the broker must allow it)", int)
    log_level: str = _setting("KHABAR_LOG_LEVEL", "info", "worker log level (debug, info, warning, error)")
    processing_guarantee: str = _setting("KHABAR_PROCESSING_GUARANTEE", "at_least_once",
                                         "at_least_once, or exactly_once (Kafka transactions; read outputs "
                                         "with read_committed)")
    shutdown_timeout: float = _setting("KHABAR_SHUTDOWN_TIMEOUT", "20",
                                       "seconds a stopping worker gets before it gives up and exits non-zero",
                                       float)
    # actor co-occurrence: hopping windows by event time (durations like 7d, 12h, 3600)
    cooccurrence_window: str = _setting("KHABAR_COOCCURRENCE_WINDOW", "7d",
                                        "co-occurrence window size (event time; 7d, 12h, 3600)")
    cooccurrence_step: str = _setting("KHABAR_COOCCURRENCE_STEP", "1d", "co-occurrence window step (= bucket length)")
    cooccurrence_retention: str = _setting("KHABAR_COOCCURRENCE_RETENTION", "30d",
                                           "how long co-occurrence buckets are kept")
    cooccurrence_flush: str = _setting("KHABAR_COOCCURRENCE_FLUSH", "1",
                                       "seconds of co-occurrence changes cached per key before they are written")
    near_duplicate_threshold: float = _setting("KHABAR_NEAR_DUPLICATE_THRESHOLD", "0.8",
                                               "MinHash Jaccard above which an article is a syndicated copy",
                                               float)

    def __post_init__(self) -> None:
        if self.processing_guarantee not in PROCESSING_GUARANTEES:
            raise ValueError(f"KHABAR_PROCESSING_GUARANTEE must be one of {', '.join(PROCESSING_GUARANTEES)}, "
                             f"got {self.processing_guarantee!r}")

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"


def describe() -> list[tuple[str, str, str]]:
    """(environment variable, default, meaning) for every setting, in declaration order."""
    return [(f.metadata["env"], f.metadata["default"], f.metadata["help"]) for f in fields(Settings)]

# Logical topic names; the real name is Settings.topic(name).
ARTICLES = "articles"
ENRICHED = "articles.enriched"
SANCTIONS = "events.sanctions"
VISITS = "events.visits"
DEADLETTER = "articles.deadletter"
COOCCURRENCE = "actors.cooccurrence"
ALL_TOPICS = (ARTICLES, ENRICHED, SANCTIONS, VISITS, DEADLETTER, COOCCURRENCE)
# The worker's internal repartition topics (here, not in streams.stream.cooccurrence, so that creating
# topics does not import Faust: `khabar extract` starts without it).
DEDUP = "actors.dedup"          # every article's features, all on partition 0
PAIRS = "actors.pairs"          # one batch per (counted article, owning partition)
# Event timestamps of a replayed archive are years old: keep time-based deletion and segment rolling
# from dropping unread repartition records (size-bounded instead).
REPARTITION_CONFIG = {"retention.ms": "-1", "retention.bytes": str(1 << 30), "segment.ms": str(100 * 365 * 86400000)}
