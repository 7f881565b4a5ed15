"""Settings from the environment (KHABAR_*), shared by the worker, the producer and the CLI.

`Settings` is the one list of settings: each field names its environment variable, default and
meaning in its metadata, and `khabar worker --help` is generated from it (`describe()`)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from typing import Callable


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _setting(env: str, default: str, help: str, parse: Callable[[str], object] = str, secret: bool = False):
    """A field read from `env` (else `default`) when Settings() is made; a `secret` one is masked in repr()."""
    def read():
        try:
            return parse(_env(env, default))
        except ValueError as e:
            raise SettingsError(f"{env}: {e}") from None

    return field(default_factory=read, metadata={"env": env, "default": default, "help": help, "secret": secret})


def _flag(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected 1 or 0 (true/false), got {value!r}")


STORES = ("rocksdb", "memory")


def _store(value: str) -> str:
    name = value.strip().lower().removesuffix("://")  # Faust's URL spelling (memory://) is accepted too
    if name not in STORES:
        raise ValueError(f"expected one of {', '.join(STORES)}, got {value!r}")
    return name


class SettingsError(ValueError):
    """A KHABAR_* setting that cannot work: the command reports it in one line (exit 2)."""


PROCESSING_GUARANTEES = ("at_least_once", "exactly_once")
SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
SASL_MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")
MASK = "********"


@dataclass(frozen=True)
class Settings:
    broker: str = _setting("KHABAR_BROKER", "kafka://127.0.0.1:9092", "Kafka bootstrap URL(s), Faust style")
    app_id: str = _setting("KHABAR_APP_ID", "khabar", "Faust app id = consumer group and changelog prefix")
    topic_prefix: str = _setting("KHABAR_TOPIC_PREFIX", "", "prepended to every topic name")
    partitions: int = _setting("KHABAR_PARTITIONS", "1", "partitions for topics the app creates", int)
    replicas: int = _setting("KHABAR_REPLICAS", "1", "replication factor for topics the app creates", int)
    web_host: str = _setting("KHABAR_WEB_HOST", "127.0.0.1", "address of the worker web views and /metrics")
    web_port: int = _setting("KHABAR_WEB_PORT", "6066", "port of the worker web views and /metrics", int)
    store: str = _setting("KHABAR_STORE", "rocksdb",
                          "table store: rocksdb (on disk in KHABAR_DATA_DIR: a restart reads only the changelog "
                          "tail since what it stored) or memory (rebuilt from the whole changelogs at each start; "
                          "always under exactly_once)",
                          _store)
    data_dir: str = _setting("KHABAR_DATA_DIR", "khabar-data",
                             "where the rocksdb store keeps the tables (one worker per directory)")
    max_body_chars: int = _setting("KHABAR_MAX_BODY_CHARS", "200000",
                                   "longer bodies are dead-lettered (body_too_large)", int)
    max_message_bytes: int = _setting("KHABAR_MAX_MESSAGE_BYTES", str(16 * 1024 * 1024),
                                      "producer/consumer message size (the broker must allow it)", int)
    log_level: str = _setting("KHABAR_LOG_LEVEL", "info", "worker log level (debug, info, warning, error)")
    processing_guarantee: str = _setting("KHABAR_PROCESSING_GUARANTEE", "at_least_once",
                                         "at_least_once, or exactly_once (Kafka transactions; read outputs "
                                         "with read_committed)")
    extract_processes: int = _setting("KHABAR_EXTRACT_PROCESSES", "1",
                                      "extraction processes of the worker (each loads the models); more than one "
                                      "when extraction is what falls behind and cores are free", int)
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
    changelog_segment_ms: int = _setting("KHABAR_CHANGELOG_SEGMENT_MS", str(10 * 60 * 1000),
                                         "segment length of the table changelogs (created by the worker): Kafka "
                                         "compacts closed segments only, so a restart replays at most this much "
                                         "uncompacted history per partition", int)
    near_duplicate_threshold: float = _setting("KHABAR_NEAR_DUPLICATE_THRESHOLD", "0.8",
                                               "MinHash Jaccard above which an article is a syndicated copy",
                                               float)
    fusion_span_days: float = _setting("KHABAR_FUSION_SPAN_DAYS", "3",
                                       "reports of one event (same type and key actors) at most this many days "
                                       "apart fuse into one record (event date, else publication date)", float)

    # broker security (streams.stream.security turns these into every Kafka client's settings)
    security_protocol: str = _setting("KHABAR_SECURITY_PROTOCOL", "PLAINTEXT",
                                      "PLAINTEXT, SSL (TLS), SASL_PLAINTEXT or SASL_SSL (SASL over TLS)", str.upper)
    sasl_mechanism: str = _setting("KHABAR_SASL_MECHANISM", "SCRAM-SHA-512",
                                   "SASL mechanism: SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN", str.upper)
    sasl_username: str = _setting("KHABAR_SASL_USERNAME", "", "SASL user name")
    sasl_password: str = _setting("KHABAR_SASL_PASSWORD", "", "SASL password (never logged or shown)",
                                  secret=True)
    sasl_password_file: str = _setting("KHABAR_SASL_PASSWORD_FILE", "",
                                       "file holding the SASL password (e.g. a Docker/Kubernetes secret), "
                                       "instead of KHABAR_SASL_PASSWORD")
    ssl_cafile: str = _setting("KHABAR_SSL_CAFILE", "",
                               "PEM file of the CA(s) that signed the broker certificate (default: system CAs)")
    ssl_certfile: str = _setting("KHABAR_SSL_CERTFILE", "", "client certificate (PEM) for mutual TLS")
    ssl_keyfile: str = _setting("KHABAR_SSL_KEYFILE", "",
                                "private key (PEM) of the client certificate (default: in KHABAR_SSL_CERTFILE)")
    ssl_key_password: str = _setting("KHABAR_SSL_KEY_PASSWORD", "", "password of an encrypted KHABAR_SSL_KEYFILE",
                                     secret=True)
    ssl_check_hostname: bool = _setting("KHABAR_SSL_CHECK_HOSTNAME", "1",
                                        "1: the broker certificate must name the host connected to; 0: only its "
                                        "CA is checked", _flag)

    def __post_init__(self) -> None:
        if self.extract_processes < 1:
            raise SettingsError(f"KHABAR_EXTRACT_PROCESSES must be at least 1, got {self.extract_processes}")
        if self.processing_guarantee not in PROCESSING_GUARANTEES:
            raise SettingsError(f"KHABAR_PROCESSING_GUARANTEE must be one of {', '.join(PROCESSING_GUARANTEES)}, "
                                f"got {self.processing_guarantee!r}")
        if self.security_protocol not in SECURITY_PROTOCOLS:
            raise SettingsError(f"KHABAR_SECURITY_PROTOCOL must be one of {', '.join(SECURITY_PROTOCOLS)}, "
                                f"got {self.security_protocol!r}")
        sasl, tls = self.security_protocol.startswith("SASL_"), self.security_protocol.endswith("SSL")
        if sasl:
            if self.sasl_mechanism not in SASL_MECHANISMS:
                raise SettingsError(f"KHABAR_SASL_MECHANISM must be one of {', '.join(SASL_MECHANISMS)}, "
                                    f"got {self.sasl_mechanism!r}")
            if not self.sasl_username or not (self.sasl_password or self.sasl_password_file):
                raise SettingsError(f"KHABAR_SECURITY_PROTOCOL={self.security_protocol} needs KHABAR_SASL_USERNAME "
                                    f"and KHABAR_SASL_PASSWORD (or KHABAR_SASL_PASSWORD_FILE)")
        # settings the protocol would silently ignore are a mistake: say so instead of connecting without them
        unused = [] if sasl else [env for env, value in (
            ("KHABAR_SASL_USERNAME", self.sasl_username), ("KHABAR_SASL_PASSWORD", self.sasl_password),
            ("KHABAR_SASL_PASSWORD_FILE", self.sasl_password_file)) if value]
        unused += [] if tls else [env for env, value in (
            ("KHABAR_SSL_CAFILE", self.ssl_cafile), ("KHABAR_SSL_CERTFILE", self.ssl_certfile),
            ("KHABAR_SSL_KEYFILE", self.ssl_keyfile), ("KHABAR_SSL_KEY_PASSWORD", self.ssl_key_password)) if value]
        if unused:
            raise SettingsError(f"{', '.join(unused)} set, but KHABAR_SECURITY_PROTOCOL={self.security_protocol} "
                                f"does not use {'it' if len(unused) == 1 else 'them'}")
        if self.ssl_keyfile and not self.ssl_certfile:
            raise SettingsError("KHABAR_SSL_KEYFILE needs KHABAR_SSL_CERTFILE")

    def __repr__(self) -> str:
        shown = (f"{f.name}={MASK if f.metadata['secret'] and getattr(self, f.name) else getattr(self, f.name)!r}"
                 for f in fields(self))
        return f"Settings({', '.join(shown)})"

    def sasl_secret(self) -> str:
        """The SASL password: KHABAR_SASL_PASSWORD, else the content of KHABAR_SASL_PASSWORD_FILE (read on each
        call, so a rotated secret file is picked up by the next client)."""
        if self.sasl_password:
            return self.sasl_password
        try:
            with open(self.sasl_password_file, encoding="utf-8") as f:
                return f.read().rstrip("\r\n")
        except OSError as e:
            raise SettingsError(f"KHABAR_SASL_PASSWORD_FILE {self.sasl_password_file}: "
                                f"cannot read: {e.strerror or e}") from None

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
FUSED = "events.fused"
ALL_TOPICS = (ARTICLES, ENRICHED, SANCTIONS, VISITS, DEADLETTER, COOCCURRENCE, FUSED)
# The worker's internal repartition topics (here, not in streams.stream.cooccurrence, so that creating
# topics does not import Faust: `khabar extract` starts without it).
DEDUP = "actors.dedup"          # every article's features, all on partition 0
PAIRS = "actors.pairs"          # one batch per (counted article, owning partition)
# Event timestamps of a replayed archive are years old: keep time-based deletion and segment rolling
# from dropping unread repartition records (size-bounded instead).
REPARTITION_CONFIG = {"retention.ms": "-1", "retention.bytes": str(1 << 30), "segment.ms": str(100 * 365 * 86400000)}


def changelog_config(settings: Settings) -> dict[str, str]:
    """Topic configs of the table changelogs.  Compacted (Faust's default), but with Kafka's default 7-day
    segments the log cleaner never reached the open segment: a restart replayed every change ever written
    and recovery grew with history.  Short segments and a low dirty ratio keep a changelog near one record
    per key."""
    return {"cleanup.policy": "compact", "segment.ms": str(settings.changelog_segment_ms),
            "min.cleanable.dirty.ratio": "0.1"}
