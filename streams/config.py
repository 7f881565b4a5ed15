"""Settings from the environment (KHABAR_*), shared by the worker, the producer and the CLI."""
from __future__ import annotations

import os
from dataclasses import dataclass, field


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


PROCESSING_GUARANTEES = ("at_least_once", "exactly_once")


@dataclass(frozen=True)
class Settings:
    broker: str = field(default_factory=lambda: _env("KHABAR_BROKER", "kafka://127.0.0.1:9092"))
    app_id: str = field(default_factory=lambda: _env("KHABAR_APP_ID", "khabar"))
    topic_prefix: str = field(default_factory=lambda: _env("KHABAR_TOPIC_PREFIX", ""))
    partitions: int = field(default_factory=lambda: int(_env("KHABAR_PARTITIONS", "1")))
    replicas: int = field(default_factory=lambda: int(_env("KHABAR_REPLICAS", "1")))
    web_host: str = field(default_factory=lambda: _env("KHABAR_WEB_HOST", "127.0.0.1"))
    web_port: int = field(default_factory=lambda: int(_env("KHABAR_WEB_PORT", "6066")))
    store: str = field(default_factory=lambda: _env("KHABAR_STORE", "memory://"))
    data_dir: str = field(default_factory=lambda: _env("KHABAR_DATA_DIR", "khabar-data"))
    max_body_chars: int = field(default_factory=lambda: int(_env("KHABAR_MAX_BODY_CHARS", "200000")))
    max_message_bytes: int = field(default_factory=lambda: int(_env("KHABAR_MAX_MESSAGE_BYTES", str(16 * 1024 * 1024))))
    log_level: str = field(default_factory=lambda: _env("KHABAR_LOG_LEVEL", "info"))
    # at_least_once (default) or exactly_once (Kafka transactions; read outputs with read_committed)
    processing_guarantee: str = field(default_factory=lambda: _env("KHABAR_PROCESSING_GUARANTEE", "at_least_once"))
    # seconds a stopping worker gets before it gives up and exits non-zero (Faust's stop can hang)
    shutdown_timeout: float = field(default_factory=lambda: float(_env("KHABAR_SHUTDOWN_TIMEOUT", "20")))
    # actor co-occurrence: hopping windows by event time (durations like 7d, 12h, 3600)
    cooccurrence_window: str = field(default_factory=lambda: _env("KHABAR_COOCCURRENCE_WINDOW", "7d"))
    cooccurrence_step: str = field(default_factory=lambda: _env("KHABAR_COOCCURRENCE_STEP", "1d"))
    cooccurrence_retention: str = field(default_factory=lambda: _env("KHABAR_COOCCURRENCE_RETENTION", "30d"))
    near_duplicate_threshold: float = field(default_factory=lambda: float(_env("KHABAR_NEAR_DUPLICATE_THRESHOLD",
                                                                                 "0.8")))

    def __post_init__(self) -> None:
        if self.processing_guarantee not in PROCESSING_GUARANTEES:
            raise ValueError(f"KHABAR_PROCESSING_GUARANTEE must be one of {', '.join(PROCESSING_GUARANTEES)}, "
                             f"got {self.processing_guarantee!r}")

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"


# Logical topic names; the real name is Settings.topic(name).
ARTICLES = "articles"
ENRICHED = "articles.enriched"
SANCTIONS = "events.sanctions"
VISITS = "events.visits"
DEADLETTER = "articles.deadletter"
COOCCURRENCE = "actors.cooccurrence"
ALL_TOPICS = (ARTICLES, ENRICHED, SANCTIONS, VISITS, DEADLETTER, COOCCURRENCE)
