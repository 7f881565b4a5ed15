"""The worker's extraction process: the same outputs as in-process extraction, and a child that dies is
replaced (the input tried again), not a stopped worker."""
from __future__ import annotations

import os
import signal
import time

import orjson

from streams.config import ENRICHED
from streams.cooccurrence import WindowConfig
from streams.processing import process_with_features
from streams.stream.app import Extractor

ARTICLE = {"id": "x-1", "source": "test", "url": None, "published_at": "2024-05-06", "title": "تحریم‌های تازه",
           "body": "وزارت خزانه‌داری آمریکا روز گذشته سه شرکت مستقر در ایران را تحریم کرد. "
                   "وزیر امور خارجه روسیه دیروز وارد تهران شد."}
KWARGS = dict(key=b"x-1", topic="articles", partition=0, offset=3, max_body_chars=200_000)


def _child_pids(extractor: Extractor) -> list[int]:
    return list(extractor.start()._processes)  # noqa: SLF001 (the pool's own bookkeeping)


async def test_child_extracts_like_in_process_and_survives_its_death():
    cfg = WindowConfig()
    payload = orjson.dumps(ARTICLE)
    local_outputs, local_features, _, local_counts = process_with_features(payload, cfg, **KWARGS)
    extractor = Extractor()
    try:
        outputs, features, seconds, counts = await extractor(payload, cfg, **KWARGS)
        strip = lambda outs: [(o.topic, o.key, {k: v for k, v in o.value.items() if k != "processed_at"})  # noqa: E731
                              for o in outs]
        assert strip(outputs) == strip(local_outputs) and outputs[0].topic == ENRICHED
        assert features == local_features and counts.as_dict() == local_counts.as_dict() and seconds > 0
        assert all(o.document is None for o in outputs)  # the document stays in the child

        (pid,) = _child_pids(extractor)
        os.kill(pid, signal.SIGKILL)
        deadline = time.time() + 10
        while time.time() < deadline and os.path.exists(f"/proc/{pid}/status"):
            time.sleep(0.05)
        outputs, _, _, counts = await extractor(payload, cfg, **KWARGS)
        assert [o.topic for o in outputs][:1] == [ENRICHED] and counts.enriched == 1
        assert _child_pids(extractor) != [pid]
    finally:
        extractor.stop()


async def test_two_children_extract_in_parallel_in_input_order():
    """KHABAR_EXTRACT_PROCESSES=2: both children start with the pool and take inputs; each result is the
    in-process one for its own input."""
    import asyncio

    cfg = WindowConfig()
    payloads = [orjson.dumps({**ARTICLE, "id": f"x-{i}"}) for i in range(6)]
    extractor = Extractor(2)
    try:
        assert len(_child_pids(extractor)) == 2
        results = await asyncio.gather(*(extractor(p, cfg, **{**KWARGS, "key": f"x-{i}".encode(), "offset": i})
                                         for i, p in enumerate(payloads)))
        assert [r[0][0].value["id"] for r in results] == [f"x-{i}" for i in range(6)]
        assert all(r[3].enriched == 1 for r in results)
        assert len(_child_pids(extractor)) == 2
    finally:
        extractor.stop()
