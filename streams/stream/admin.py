"""Create the topics before the worker starts: a consumer that subscribes to a missing topic
waits for a metadata refresh (minutes) before it sees the topic appear."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

from streams.config import (ALL_TOPICS, COOCCURRENCE, DEDUP, FUSED, PAIRS, REPARTITION_CONFIG, Settings,
                            changelog_config)
from streams.stream.fusion import REPORTS
from streams.stream.security import client_security

# the worker's own repartition topics too: Faust would create them only after its consumer subscribed
WORKER_TOPICS = ALL_TOPICS + (DEDUP, PAIRS, REPORTS)


def topic_configs(settings: Settings) -> dict[str, dict[str, str]]:
    """Configs of the topics created here.  actors.cooccurrence is the changelog of the pair table (so
    configured like every changelog), events.fused one message per changed fused event: the latest
    message per key is its current value."""
    return {COOCCURRENCE: changelog_config(settings), FUSED: {"cleanup.policy": "compact"},
            DEDUP: REPARTITION_CONFIG, PAIRS: REPARTITION_CONFIG, REPORTS: REPARTITION_CONFIG}


BOOTSTRAP_FAILED = "the port accepts connections, but the Kafka bootstrap failed"
START_HINT = "start one with `scripts/kafka-local start` or `docker compose up`, or set KHABAR_BROKER"
# what a failed bootstrap's reason points at, and which settings to check
HINTS = (("SaslAuthentication", "the broker refused the credentials: check KHABAR_SASL_USERNAME, "
                                "KHABAR_SASL_PASSWORD(_FILE) and KHABAR_SASL_MECHANISM"),
         ("CERTIFICATE_VERIFY_FAILED", "the broker's TLS certificate was not accepted: check KHABAR_SSL_CAFILE "
                                       "(and KHABAR_SSL_CHECK_HOSTNAME)"),
         ("SSL", "the TLS handshake failed: check KHABAR_SECURITY_PROTOCOL and the KHABAR_SSL_* settings"),
         ("Unsupported SASL mechanism", "check KHABAR_SASL_MECHANISM"))


class BrokerUnavailable(RuntimeError):
    """No Kafka broker answers at the configured URL: an expected failure, reported in one line."""

    def __init__(self, broker: str, detail: str, hint: str = START_HINT):
        super().__init__(f"no Kafka broker reachable at {broker} ({detail}); {hint}")


def bootstrap_failed(settings: Settings, reasons: list[str]) -> BrokerUnavailable:
    """The port answered, but no bootstrap succeeded: name aiokafka's reason and the settings behind it."""
    reason = reasons[-1] if reasons else ""
    hint = next((h for key, h in HINTS if key in reason), None)
    if hint is None:  # the broker closed the connection: most often a listener of another protocol
        protocol = settings.security_protocol
        hint = f"does that listener speak {protocol}? check KHABAR_SECURITY_PROTOCOL and KHABAR_BROKER"
        if protocol.endswith("SSL") and not settings.ssl_certfile:
            hint += "; a listener that requires a client certificate needs KHABAR_SSL_CERTFILE"
    return BrokerUnavailable(settings.broker, f"{BOOTSTRAP_FAILED}: {reason}" if reason else BOOTSTRAP_FAILED, hint)


class _Reasons(logging.Handler):
    """Keeps the errors of aiokafka's failed bootstrap connections: 'Unable connect to "%s:%s": %s'."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.reasons: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args if isinstance(record.args, tuple) else ()
        if str(record.msg).startswith("Unable connect to") and len(args) == 3:
            self.reasons.append(str(args[2]))


@contextlib.contextmanager
def quiet_bootstrap():
    """aiokafka logs every failed bootstrap connection itself, and raises an error that does not say why:
    its log goes to a collector instead (the yielded list of reasons), for BrokerUnavailable to say once."""
    log = logging.getLogger("aiokafka")
    collector = _Reasons()
    saved = log.level, log.propagate
    log.setLevel(logging.ERROR)
    log.propagate = False
    log.addHandler(collector)
    try:
        yield collector.reasons
    finally:
        log.removeHandler(collector)
        log.setLevel(saved[0])
        log.propagate = saved[1]


def bootstrap_servers(broker: str) -> str:
    return ",".join(part.split("://", 1)[-1] for part in broker.split(";"))


def check_broker(broker: str, timeout: float = 3.0) -> None:
    """Fail fast when no bootstrap server accepts a TCP connection (aiokafka would retry, then trace back)."""
    errors = []
    for server in bootstrap_servers(broker).split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            socket.create_connection((host.strip("[]") or "127.0.0.1", int(port or 9092)), timeout=timeout).close()
            return
        except (OSError, ValueError) as e:
            errors.append(f"{server}: {getattr(e, 'strerror', None) or e}")
    raise BrokerUnavailable(broker, "; ".join(errors))


async def ensure_topics(settings: Settings, names=WORKER_TOPICS, changelogs=(), cluster: dict | None = None
                        ) -> list[str]:
    """Create the missing topics among `names` (logical names, prefixed) and `changelogs` (table changelog
    topics by their full name, compacted).  A changelog Faust creates itself at start can be missing from
    the cluster metadata when the group assigns partitions: the assignor then ignores it ("Ignoring missing
    topic") and the worker may wait on the table for good.  `cluster`, if given, receives the cluster's
    metadata (`cluster_id`)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers(settings.broker), **client_security(settings))
    try:
        with quiet_bootstrap() as reasons:
            await admin.start()
    except KafkaConnectionError as e:  # the port answered, but not as a Kafka broker (or refused us)
        await admin.close()
        raise bootstrap_failed(settings, reasons) from e
    try:
        if cluster is not None:
            cluster.update(await admin.describe_cluster())
        existing = set(await admin.list_topics())
        configs = topic_configs(settings)
        new = [NewTopic(settings.topic(n), settings.partitions, settings.replicas, topic_configs=configs.get(n, {}))
               for n in names if settings.topic(n) not in existing]
        new += [NewTopic(n, settings.partitions, settings.replicas, topic_configs=changelog_config(settings))
                for n in changelogs if n not in existing]
        if new:
            try:
                await admin.create_topics(new)
            except TopicAlreadyExistsError:
                pass
        return [t.name for t in new]
    finally:
        await admin.close()


def ensure_topics_sync(settings: Settings, changelogs=(), cluster: dict | None = None) -> list[str]:
    return asyncio.run(ensure_topics(settings, changelogs=changelogs, cluster=cluster))
