"""The shortcuts that make extraction faster must not change what it finds (issue 11, item 3)."""
from __future__ import annotations

import pycrfsuite
import pytest

from streams.core.actors.ner import MODEL_FILE as NER_MODEL, decoded
from streams.core.actors.ner import default_model_dir as ner_model_dir
from streams.core.actors.ner import get_tagger as get_ner
from streams.core.document import Document
from streams.core.events import visit_decision as vd
from streams.core.events.clauses import sentences
from streams.core.pipeline import default_pipeline
from streams.core.record import event_json
from streams.core.text.normalize import normalize
from streams.core.text.tagger import MODEL_FILE as POS_MODEL
from streams.core.text.tagger import default_model_dir as pos_model_dir
from streams.core.text.tagger import get_tagger as get_pos
from streams.core.text.tokenize import tokenize

TEXT = ("وزیر امور خارجه ایران روز دوشنبه به مسکو سفر کرد و با سرگئی لاوروف دیدار کرد. "
        "وزارت خزانه‌داری آمریکا ۷ فرد و ۴ شرکت را در فهرست تحریم‌ها قرار داد.")


def _before_visits(article: dict) -> Document:
    doc = Document.from_article(article)
    for name, component in default_pipeline().components:
        if name == "visits":
            return doc
        doc = component(doc)
    raise AssertionError("no visits stage")


@pytest.mark.skipif(not (ner_model_dir() / NER_MODEL).exists() or not (pos_model_dir() / POS_MODEL).exists(),
                    reason="CRF models not built")
@pytest.mark.parametrize("get", [get_ner, get_pos], ids=["ner", "pos"])
def test_crf_reads_the_same_attributes_as_bytes_as_it_was_trained_on_as_text(get):
    tagger = get()
    norm = normalize(TEXT).text
    tokens = [t.text for t in tokenize(norm)]
    items = tagger.features.sentence_items(tokens)
    assert all(isinstance(a, bytes) for item in items for a in item)
    assert decoded(items) == tagger.features.sentence_features(tokens)
    # the training scripts hand pycrfsuite the text features: its tagger reads the bytes to the same tags, and
    # our decoder (streams.core.actors.crf) gives them too
    reference = pycrfsuite.Tagger()
    reference.open(str(tagger.model_path))
    expected = list(reference.tag(tagger.features.sentence_features(tokens)))
    assert list(reference.tag(items)) == expected
    assert tagger.tag(tokens) == expected


def test_sentence_view_phrase_and_word_search_match_a_plain_scan():
    doc = Document.from_article({"id": "x", "title": "", "body": TEXT + " به به دنبال به"})
    for view in sentences(doc):
        lo, hi = view.first, view.last
        for phrase in [("به",), ("به", "مسکو"), ("به", "دنبال"), ("در", "فهرست", "تحریمها"), ("نه",), ()]:
            for start in range(lo - 2, hi + 2):
                for end in (None, start + 1, start + 3, hi, hi + 5, lo - 1):
                    a, b = max(start, lo), min(hi if end is None else end, hi)
                    plain = next((i for i in range(a, b - len(phrase) + 1)
                                  if all(view.word(i + k) == w for k, w in enumerate(phrase))), None)
                    assert view.has_phrase(phrase, start, end) == plain, (phrase, start, end)
                    words = set(phrase)
                    assert view.find(words, start, end) == [i for i in range(a, b) if view.word(i) in words]


def test_visit_decision_without_pointless_pos_tagging_is_the_same(dev_articles):
    pair_model, status_model = vd._models()
    if pair_model is None:
        pytest.skip("visit pair model not trained")
    skipped = tagged = 0
    for article in dev_articles:
        full = _before_visits(article)
        lazy = _before_visits(article)
        full_cands, lazy_cands = vd.candidates(full), vd.candidates(lazy, pair_model)
        assert len(full_cands) == len(lazy_cands)
        for f, z in zip(full_cands, lazy_cands):
            has_pos = any(x.startswith(vd.POS_SLOTS) for x in z.features)
            needs_pos = any(x.startswith(vd.POS_SLOTS) for x in f.features)   # not the rule-only pairs
            skipped += needs_pos and not has_pos
            tagged += has_pos
            # the bound: a pair that passes with its POS features is never left without them
            threshold = pair_model.meta.get("rule_threshold", pair_model.threshold) if f.by_rule \
                else pair_model.threshold
            if needs_pos and pair_model.probability(f.features) >= threshold:
                assert has_pos
        got = [event_json(lazy, e) for e in vd.decide(lazy, lazy_cands, pair_model, status_model)]
        want = [event_json(full, e) for e in vd.decide(full, full_cands, pair_model, status_model)]
        assert got == want, article["id"]
    assert skipped and tagged  # both paths ran
