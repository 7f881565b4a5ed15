"""Metamorphic tests: the same sentence in every orthographic variant gives the same events.

News text writes one word many ways: Arabic ي/ك for Persian ی/ک, a verb prefix or a plural suffix with a
zero-width non-joiner, a space or nothing ("می‌کند", "می کند", "میکند"), spaces around punctuation in
tokenised text.  Every sentence of the event tests (tests/test_events.py, collected from its source so new
tests join automatically) and the sentences of the events issue are rewritten in each variant; the events
must not change (compared by type, status, date, counts and each argument's actor id or normalised text).
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import streams
from streams.core.text.normalize import key

ZWNJ = "\u200c"
ISSUE_SENTENCES = [
    "وزیر خارجه فرانسه هفته آینده به تهران سفر می‌کند.",
    "وزیر خارجه چین فردا به تهران می‌آید.",
    "رئیس‌جمهور روسیه دیروز به پکن رفت.",
    "معاون وزیر خارجه ایران و همتای نروژی او دیروز در اسلو دیدار کردند.",
    "وزارت خزانه‌داری آمریکا روز گذشته پنج شرکت چینی را به فهرست تحریم‌ها افزود.",
    "دولت کانادا ورود پنج مقام ایرانی به خاک این کشور را ممنوع کرد.",
]


def _event_test_sentences() -> list[str]:
    tree = ast.parse((Path(__file__).parent / "test_events.py").read_text(encoding="utf-8"))
    found = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
             and len(n.value) > 25 and re.search("[\u0600-\u06ff]", n.value)]
    return sorted(set(found + ISSUE_SENTENCES))


def arabic_letters(s: str) -> str:
    return s.replace("ی", "ي").replace("ک", "ك")


def zwnj_as_space(s: str) -> str:
    return s.replace(ZWNJ, " ")


def zwnj_dropped(s: str) -> str:
    return s.replace(ZWNJ, "")


def spaced_punctuation(s: str) -> str:
    return re.sub(r"\s*([.،:؛«»!؟])\s*", r" \1 ", s).strip()


VARIANTS = [arabic_letters, zwnj_as_space, zwnj_dropped, spaced_punctuation,
            lambda s: arabic_letters(zwnj_as_space(s))]
VARIANT_IDS = ["arabic", "zwnj-space", "zwnj-none", "punct-spaced", "arabic+zwnj-space"]


def signature(body: str) -> list[tuple]:
    record = streams.extract({"id": "o", "body": body, "title": "", "published_at": "2024-03-12"})
    out = []
    for e in record["events"]:
        args = tuple(sorted((role, a["entity_id"] or key(a["text"])) for role, items in e["arguments"].items()
                            for a in items))
        out.append((e["type"], e["status"], e["date"], str(e.get("target_count")), args))
    return sorted(out, key=repr)   # a date may be None beside a string


SENTENCES = _event_test_sentences()


def test_the_corpus_is_the_event_tests():
    assert len(SENTENCES) >= 20


@pytest.mark.parametrize("variant", VARIANTS, ids=VARIANT_IDS)
@pytest.mark.parametrize("sentence", SENTENCES)
def test_every_orthographic_variant_gives_the_same_events(sentence, variant):
    rewritten = variant(sentence)
    assert signature(rewritten) == signature(sentence), rewritten
