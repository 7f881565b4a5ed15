"""The enrich agent in Faust's test context (no broker): outputs and counts."""
from __future__ import annotations

import orjson
import pytest

from conftest import assert_valid, broker_less_khabar
from streams.config import DEADLETTER, ENRICHED, SANCTIONS, VISITS

ARTICLE = {
    "id": "agent-1", "source": "test", "url": None, "published_at": "2024-05-06",
    "title": "تحریم‌های تازه",
    "body": "وزارت خزانه‌داری آمریکا روز گذشته سه شرکت و دو فرد مستقر در ایران را تحریم کرد.\n"
            "وزیر امور خارجه روسیه دیروز وارد تهران شد.",
}


@pytest.fixture()
def khabar(tmp_path):
    return broker_less_khabar(tmp_path, "khabar-agent-test")


async def test_agent_enriches_and_dead_letters(khabar):
    async with khabar.enrich.test_context() as agent:
        await agent.put(orjson.dumps(ARTICLE), key=b"agent-1")
        await agent.put(b"{not json", key=b"broken")
        await agent.put(b'{"id": "x"}', key=b"x")
    topics = [o.topic for o in khabar.sent]
    assert topics.count(ENRICHED) == 1 and topics.count(DEADLETTER) == 2
    counts = khabar.totals().as_dict()  # from the changelog-backed stats table
    assert counts["in"] == 3 == counts["enriched"] + counts["deadlettered"]
    assert counts["deadletter_reasons"] == {"invalid_json": 1, "missing_body": 1}
    for out in khabar.sent:
        schema_topic = {ENRICHED: "articles.enriched", DEADLETTER: "articles.deadletter",
                        SANCTIONS: "events.sanctions", VISITS: "events.visits"}[out.topic]
        assert_valid(schema_topic, out.value)
    enriched = next(o.value for o in khabar.sent if o.topic == ENRICHED)
    assert enriched["id"] == "agent-1"
    assert any(o.topic == SANCTIONS for o in khabar.sent)
