"""Create the topics before the worker starts: a consumer that subscribes to a missing topic
waits for a metadata refresh (minutes) before it sees the topic appear."""
from __future__ import annotations

import asyncio

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from streams.config import ALL_TOPICS, COOCCURRENCE, Settings
from streams.stream.cooccurrence import DEDUP, PAIRS, REPARTITION_CONFIG

# the worker's own repartition topics too: Faust would create them only after its consumer subscribed
WORKER_TOPICS = ALL_TOPICS + (DEDUP, PAIRS)
# actors.cooccurrence is the changelog of the pair table: the latest message per pair is its current value
TOPIC_CONFIGS = {COOCCURRENCE: {"cleanup.policy": "compact"}, DEDUP: REPARTITION_CONFIG, PAIRS: REPARTITION_CONFIG}


def bootstrap_servers(broker: str) -> str:
    return ",".join(part.split("://", 1)[-1] for part in broker.split(";"))


async def ensure_topics(settings: Settings, names=WORKER_TOPICS) -> list[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers(settings.broker))
    await admin.start()
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
