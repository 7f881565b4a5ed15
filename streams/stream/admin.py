"""Create the topics before the worker starts: a consumer that subscribes to a missing topic
waits for a metadata refresh (minutes) before it sees the topic appear."""
from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError, TopicAlreadyExistsError

from streams.config import ALL_TOPICS, COOCCURRENCE, DEDUP, PAIRS, REPARTITION_CONFIG, Settings

# the worker's own repartition topics too: Faust would create them only after its consumer subscribed
WORKER_TOPICS = ALL_TOPICS + (DEDUP, PAIRS)
# actors.cooccurrence is the changelog of the pair table: the latest message per pair is its current value
TOPIC_CONFIGS = {COOCCURRENCE: {"cleanup.policy": "compact"}, DEDUP: REPARTITION_CONFIG, PAIRS: REPARTITION_CONFIG}


BOOTSTRAP_FAILED = "the port accepts connections, but the Kafka bootstrap failed"


class BrokerUnavailable(RuntimeError):
    """No Kafka broker answers at the configured URL: an expected failure, reported in one line."""

    def __init__(self, broker: str, detail: str):
        super().__init__(f"no Kafka broker reachable at {broker} ({detail}); start one with "
                         f"`scripts/kafka-local start` or `docker compose up`, or set KHABAR_BROKER")


@contextlib.contextmanager
def quiet_bootstrap():
    """aiokafka logs every failed bootstrap connection itself; BrokerUnavailable says it once, in one line."""
    log = logging.getLogger("aiokafka")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


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


async def ensure_topics(settings: Settings, names=WORKER_TOPICS) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers(settings.broker))
    try:
        with quiet_bootstrap():
            await admin.start()
    except KafkaConnectionError as e:  # the port answered, but not as a Kafka broker
        await admin.close()
        raise BrokerUnavailable(settings.broker, BOOTSTRAP_FAILED) from e
    try:
        existing = set(await admin.list_topics())
        wanted = [settings.topic(n) for n in names if settings.topic(n) not in existing]
        if wanted:
            try:
                await admin.create_topics([NewTopic(settings.topic(n), settings.partitions, settings.replicas,
                                                    topic_configs=TOPIC_CONFIGS.get(n, {}))
                                           for n in names if settings.topic(n) in wanted])
            except TopicAlreadyExistsError:
                pass
        return wanted
    finally:
        await admin.close()


def ensure_topics_sync(settings: Settings) -> list[str]:
    return asyncio.run(ensure_topics(settings))
