"""End-to-end smoke check of a running broker (started by scripts/kafka-local start).

    python3 scripts/kafka/smoke.py [BOOTSTRAP]      # default 127.0.0.1:9092 / $KAFKA_BOOTSTRAP_SERVERS

Creates a uniquely named topic, produces 10 messages, consumes them back with a
consumer group (committing offsets), checks the committed offset, deletes the topic.
Needs aiokafka. Exit code 0 on success.
"""

import asyncio
import os
import sys
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

N = 10


async def main(bootstrap: str) -> None:
    topic = f"khabar-smoke-{uuid.uuid4().hex[:8]}"
    group = f"{topic}-group"
    t0 = time.monotonic()

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        cluster = await admin.describe_cluster()
        print(f"cluster: {cluster}")
        await admin.create_topics([NewTopic(topic, num_partitions=3, replication_factor=1)])
        print(f"created topic {topic}")

        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
        await producer.start()
        try:
            for i in range(N):
                await producer.send_and_wait(
                    topic, key=f"k{i}".encode(), value=f"خبر {i}".encode()
                )
        finally:
            await producer.stop()
        print(f"produced {N} messages")

        consumer = AIOKafkaConsumer(
            topic,
            bootstrap_servers=bootstrap,
            group_id=group,
            auto_offset_reset="earliest",
            enable_auto_commit=False,
        )
        await consumer.start()
        got = []
        try:
            deadline = time.monotonic() + 30
            while len(got) < N and time.monotonic() < deadline:
                batch = await consumer.getmany(timeout_ms=1000)
                for msgs in batch.values():
                    got.extend(m.value.decode() for m in msgs)
            await consumer.commit()
            parts = [TopicPartition(topic, p) for p in range(3)]
            committed = sum([(await consumer.committed(tp)) or 0 for tp in parts])
        finally:
            await consumer.stop()
        print(f"consumed {len(got)} messages with group {group}, committed total offset {committed}")
        assert sorted(got) == sorted(f"خبر {i}" for i in range(N)), got
        assert committed == N, committed

        await admin.delete_topics([topic])
    finally:
        await admin.close()
    print(f"OK in {time.monotonic() - t0:.1f} s")


if __name__ == "__main__":
    bs = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    asyncio.run(main(bs))
