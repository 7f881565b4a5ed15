"""The indexed mention queries answer exactly what their plain definitions say, on random mention sets."""
from __future__ import annotations

import random

from streams.core.actors.recognizer import actor_mentions
from streams.core.document import Document, Mention


def random_doc(rnd: random.Random) -> Document:
    doc = Document.from_article({"id": "r", "title": "عنوان", "body": "متن " * 50})
    for _ in range(rnd.randrange(0, 40)):
        start = rnd.randrange(0, 60)
        doc.mentions.append(Mention(rnd.choice(["title", "body"]), start, start + rnd.randrange(1, 12),
                                    rnd.choice(["PERSON", "ORG", "GPE", "LOC"]), f"e{rnd.randrange(5)}", "gazetteer"))
    return doc


def test_mentions_in_and_actor_mentions_match_their_definitions():
    rnd = random.Random(7)
    for _ in range(300):
        doc = random_doc(rnd)
        for _ in range(10):
            field, start = rnd.choice(["title", "body"]), rnd.randrange(0, 60)
            end = start + rnd.randrange(0, 30)
            inside = [m for m in doc.mentions if m.field == field and m.start >= start and m.end <= end]
            assert doc.mentions_in(field, start, end) == inside
            actors = [m for m in inside if m.label in ("PERSON", "ORG", "GPE")]
            outermost = [m for m in actors if not any(
                o is not m and o.start <= m.start and m.end <= o.end and o.end - o.start > m.end - m.start
                for o in actors)]
            assert actor_mentions(doc, field, start, end) == outermost
        doc.mentions.append(Mention("body", 0, 99, "ORG", "late", "link"))  # the index follows a grown list
        assert doc.mentions_in("body", 0, 99)[-1].entity_key == "late"
        doc.mentions = doc.mentions[:1]  # and a replaced one
        assert doc.mentions_in(doc.mentions[0].field, 0, 200) == doc.mentions
