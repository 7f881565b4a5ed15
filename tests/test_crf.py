"""The numpy CRF decoder (streams.core.actors.crf): the model read from a CRFsuite file, its Viterbi, and
the tags of the shipped NER and part-of-speech models against python-crfsuite's own tagger."""
from __future__ import annotations

import itertools

import numpy as np
import pycrfsuite
import pytest

from conftest import read_jsonl, shared
from streams.core.actors import crf
from streams.core.actors.crf import CrfDecoder, CrfModel
from streams.core.actors.ner import NerTagger
from streams.core.document import Document
from streams.core.text.tagger import Tagger


def _brute_force(model: CrfModel, scores: np.ndarray) -> list[int]:
    """The best label sequence by trying every one (first in enumeration order wins a tie, as in Viterbi)."""
    best, best_score = None, -np.inf
    for ys in itertools.product(range(len(model.labels)), repeat=len(scores)):
        s = sum(scores[t, y] for t, y in enumerate(ys)) + sum(model.transitions[a, b] for a, b in zip(ys, ys[1:]))
        if s > best_score + 1e-12:
            best, best_score = list(ys), s
    return best


def test_viterbi_finds_the_best_sequence_of_each_of_a_batch():
    rng = np.random.default_rng(7)
    none = np.zeros(0, dtype=np.int64)
    model = CrfModel(["a", "b", "c"], [b"x"], none, none, np.zeros(0), rng.normal(size=(3, 3)))
    lengths = [4, 1, 3, 5, 2]
    starts = np.cumsum([0] + [n + 2 for n in lengths[:-1]])  # gaps between sequences, as the decoder leaves
    scores = rng.normal(size=(int(starts[-1]) + lengths[-1], 3))
    best = model.viterbi(scores, starts, np.array(lengths))
    for a, n in zip(starts, lengths):
        assert best[a:a + n].tolist() == _brute_force(model, scores[a:a + n])
        alone = model.viterbi(scores[a:a + n], np.array([0]), np.array([n]))
        assert alone.tolist() == best[a:a + n].tolist()


def _toy_model(tmp_path) -> str:
    trainer = pycrfsuite.Trainer(verbose=False)
    data = [(["w=the", "w=cat"], ["D", "N"]), (["w=a", "w=dog"], ["D", "N"]), (["w=dog", "w=runs"], ["N", "V"]),
            (["w=cat", "w=sleeps"], ["N", "V"])]
    for xs, ys in data:
        trainer.append([[x, "bias"] for x in xs], ys)
    trainer.set_params({"c2": 0.01, "max_iterations": 50, "feature.possible_transitions": True})
    path = str(tmp_path / "toy.crfsuite")
    trainer.train(path)
    return path


def test_the_model_read_from_the_file_is_the_one_crfsuite_dumps(tmp_path):
    path = _toy_model(tmp_path)
    model = CrfModel.read(path)
    tagger = pycrfsuite.Tagger()
    tagger.open(path)
    info = tagger.info()
    assert sorted(model.labels) == sorted(info.labels)
    attrs = sorted({a for a, _ in info.state_features})
    state = model.state(model.rows([a.encode() for a in attrs]))
    for (attr, label), weight in info.state_features.items():  # the dump prints six decimals
        assert state[attrs.index(attr), model.labels.index(label)] == pytest.approx(weight, abs=1e-6)
    for (a, b), weight in info.transitions.items():
        assert model.transitions[model.labels.index(a), model.labels.index(b)] == pytest.approx(weight, abs=1e-6)
    assert np.count_nonzero(state) == len(info.state_features) == len(model.weights)
    assert model.rows([b"never-seen"]).tolist() == [model.unknown]
    assert not model.scores([b"never-seen"]).any()


def test_two_names_with_one_hash_are_told_apart(monkeypatch):
    monkeypatch.setattr(crf, "_name_hash", lambda name: 1 if name in (b"x", b"y", b"z") else hash(name))
    src, dst = np.array([0, 1, 2]), np.array([0, 1, 1])
    model = CrfModel(["a", "b"], [b"x", b"y", b"w"], src, dst, np.array([1.0, 2.0, 3.0]), np.zeros((2, 2)))
    assert model.rows([b"x", b"y", b"w", b"z", b"v"]).tolist() == [0, 1, 2, model.unknown, model.unknown]
    assert model.scores([b"y", b"x", b"y"]).tolist() == [1.0, 4.0]


def test_a_decoder_that_empties_its_cache_tags_the_same(tmp_path):
    path = _toy_model(tmp_path)
    model = CrfModel.read(path)

    def parts(w):
        return ["w=" + w, "bias"], ["-1w=" + w], ["+1w=" + w], ["-2w=" + w], ["+2w=" + w], w

    sentences = [["the", "cat", "sleeps"], ["a", "dog", "runs"], ["dog"], ["the", "dog", "sleeps", "cat"]]
    roomy, tight = CrfDecoder(model, parts), CrfDecoder(model, parts, capacity=2)
    expected = roomy.tag_many(sentences)
    assert [tight.tag_many([s])[0] for s in sentences] == expected
    assert tight.tag_many(sentences) == expected
    assert len(tight.ids) <= len({w for s in sentences for w in s})


@pytest.fixture(scope="module")
def news_sentences() -> list[list[list[str]]]:
    """The sentences of 60 annotated news articles (the eval dev and training sets), one list per article."""
    articles = read_jsonl(shared("eval", "dev-articles.jsonl")) + read_jsonl(shared("eval", "train-articles.jsonl"))
    out = []
    for article in articles[:60]:
        doc = Document.from_article(article)
        out.append([[t.text for t in f.tokens[s.first_token:s.last_token]]
                    for f in doc.fields.values() for s in f.sentences if s.last_token > s.first_token])
    return out


@pytest.mark.parametrize("tagger_class", [NerTagger, Tagger], ids=["ner", "pos"])
def test_shipped_models_tag_news_exactly_as_crfsuite_does(tagger_class, news_sentences):
    tagger = tagger_class()
    reference = pycrfsuite.Tagger()
    reference.open(str(tagger.model_path))
    tokens = 0
    for sentences in news_sentences:
        expected = [list(reference.tag(tagger.features.sentence_items(s))) for s in sentences]
        assert tagger.tag_many(sentences) == expected
        assert [tagger.tag(s) for s in sentences[:3]] == expected[:3]
        tokens += sum(map(len, sentences))
    assert tokens > 10_000
