"""The CRF named-entity recogniser (streams.core.actors.ner) and its shipped model."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from streams.core.actors.ner import (
    ENTITY_TYPES, FeatureExtractor, NameLexicon, NerTagger, bio_to_spans, default_lexicon, default_model_dir,
    get_tagger,
)
from streams.core.text.normalize import key, normalize
from streams.core.text.tokenize import tokenize

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("KHABAR_SHARED") or REPO.parent / "shared")
PEYMA_300K = SHARED / "corpora" / "peyma" / "300K"

needs_model = pytest.mark.skipif(
    not (default_model_dir() / "ner.crfsuite").exists(), reason="NER model not built"
)


def toks(text: str) -> list[str]:
    return [t.text for t in tokenize(normalize(text).text)]


def ents(text: str) -> list[tuple[str, str]]:
    tokens = toks(text)
    return [(" ".join(tokens[s:e]), typ) for s, e, typ in get_tagger().entities(tokens)]


@needs_model
def test_singleton_loads_once():
    a = get_tagger()
    assert isinstance(a, NerTagger)
    assert get_tagger() is a


@needs_model
def test_tags_shape_and_vocabulary():
    tokens = toks("سرگئی لاوروف وزیر خارجه روسیه روز دوشنبه وارد تهران شد.")
    tags = get_tagger().tag(tokens)
    assert len(tags) == len(tokens)
    allowed = {"O"} | {f"{p}-{t}" for p in "BI" for t in ENTITY_TYPES}
    assert set(tags) <= allowed
    assert get_tagger().tag([]) == []


@needs_model
def test_person_after_title():
    found = ents("سرگئی لاوروف وزیر خارجه روسیه روز دوشنبه وارد تهران شد.")
    assert ("سرگئی لاوروف", "PER") in found
    assert ("تهران", "LOC") in found


@needs_model
def test_unknown_person_name_with_title():
    # invented names: no gazetteer can know them
    found = ents("آقای بهرام زرین‌کوبی‌نژاد رئیس هیئت مدیره این شرکت استعفا کرد.")
    assert any(t == "PER" and "زرین‌کوبی‌نژاد" in s for s, t in found), found


@needs_model
def test_organisation_and_location():
    found = ents("وزارت امور خارجه ایران تحریم‌های جدید اتحادیه اروپا را محکوم کرد.")
    types = {t for _, t in found}
    assert "ORG" in types, found
    assert any(t == "LOC" and s == "ایران" or t == "ORG" and "اتحادیه اروپا" in s for s, t in found), found


@needs_model
def test_entities_are_sane_spans():
    tagger = get_tagger()
    for text in (
        "رجب طیب اردوغان رئیس‌جمهور ترکیه با ولادیمیر پوتین در مسکو دیدار کرد.",
        "بانک مرکزی اعلام کرد نرخ تورم در آبان ماه به ۴۰ درصد رسید.",
        "سخنگوی وزارت خزانه‌داری آمریکا گفت این تحریم‌ها از فردا اجرا می‌شود.",
    ):
        tokens = toks(text)
        spans = tagger.entities(tokens)
        last_end = 0
        for s, e, typ in spans:
            assert 0 <= s < e <= len(tokens)
            assert s >= last_end  # sorted, non-overlapping
            assert typ in ENTITY_TYPES
            last_end = e
        assert spans == bio_to_spans(tagger.tag(tokens))


@needs_model
def test_deterministic_and_fresh_instance_agrees():
    tokens = toks("علی لاریجانی رئیس مجلس شورای اسلامی در نشست خبری در قم گفت.")
    first = get_tagger().tag(tokens)
    assert all(get_tagger().tag(tokens) == first for _ in range(3))
    assert NerTagger().tag(tokens) == first


def test_bio_to_spans():
    assert bio_to_spans(["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "I-ORG", "I-ORG"]) == [
        (0, 2, "PER"), (3, 4, "LOC"), (4, 5, "LOC"), (5, 7, "ORG"),
    ]
    assert bio_to_spans([]) == []
    assert bio_to_spans(["I-PER"]) == [(0, 1, "PER")]


def _peyma_docs(n: int):
    files = sorted(PEYMA_300K.iterdir())[::70][:n]
    for path in files:
        sent_toks, sent_tags = [], []
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.strip("\r").split("\t")
            if len(parts) != 2:
                if sent_toks:
                    yield sent_toks, sent_tags
                sent_toks, sent_tags = [], []
                continue
            tok = normalize(parts[0]).text.strip()
            if tok:
                sent_toks.append(tok)
                sent_tags.append(parts[1].strip())
        if sent_toks:
            yield sent_toks, sent_tags


@needs_model
@pytest.mark.skipif(not PEYMA_300K.is_dir(), reason="shared PEYMA corpus not available")
def test_small_sample_f1_sanity():
    # The shipped model has seen these documents (it is trained on all of PEYMA), so this
    # only guards against a broken model/feature mismatch, not a measure of quality
    # (see benchmarks/results/ner-cv.md for the cross-validated numbers).
    tagger = get_tagger()
    tp = fp = fn = 0
    for tokens, gold in _peyma_docs(10):
        g = {s for s in bio_to_spans(gold) if s[2] in ("PER", "ORG", "LOC")}
        p = {s for s in tagger.entities(tokens) if s[2] in ("PER", "ORG", "LOC")}
        tp += len(g & p)
        fp += len(p - g)
        fn += len(g - p)
    assert tp + fn > 20
    f1 = 2 * tp / (2 * tp + fp + fn)
    assert f1 > 0.8, f1


@needs_model
def test_model_ships_small_with_notes():
    d = default_model_dir()
    assert (d / "ner.crfsuite").stat().st_size < 50 * 1024 * 1024
    assert (d / "MODEL.md").exists()


def _gazetteer_line(name: str, typ: str, aliases=(), source: str = "curated") -> str:
    import json

    return json.dumps({"id": "x", "name": name, "type": typ, "aliases": list(aliases) or [name], "source": source},
                      ensure_ascii=False)


def test_lexicon_marks_known_names_and_first_names():
    lex = NameLexicon.from_gazetteer_lines([
        _gazetteer_line("کامران زرین‌فر", "PERSON"),
        _gazetteer_line("سازمان همکاری دریایی", "ORG"),
        _gazetteer_line("نام کاوی شده", "PERSON", source="peyma"),  # mined from training data: left out
    ])
    tokens = ["دیروز", "کامران", "زرین", "فر", "و", "سازمان", "همکاری", "دریایی", "و", "کامران", "نام", "کاوی", "شده"]
    feats = lex.token_features([key(t) for t in tokens])
    # spaces and ZWNJs do not matter: "زرین فر" matches the alias "زرین‌فر"
    assert "gzB=PERSON" in feats[1] and "gzI=PERSON" in feats[2] and "gzI=PERSON" in feats[3]
    assert "gzB=ORG" in feats[5] and "gzI=ORG" in feats[7] and "gz1=ORG" not in feats[5]
    assert "+1gzB=PERSON" in feats[0] and "-1gzI=ORG" in feats[8]
    assert "gzFN" in feats[9] and "gzB=PERSON" not in feats[9]  # a known first name alone is not a name
    assert not any(f.startswith("gz") for f in feats[10] + feats[11] + feats[12])


def test_feature_extractor_adds_lexicon_features_only_with_a_lexicon():
    lex = NameLexicon.from_gazetteer_lines([_gazetteer_line("تهران", "GPE")])
    tokens = ["سفر", "به", "تهران"]
    plain = FeatureExtractor().sentence_features(tokens)
    with_lex = FeatureExtractor(lexicon=lex).sentence_features(tokens)
    assert not any(f.startswith("gz") for f in plain[2])
    assert {"gzB=GPE", "gz1=GPE"} <= set(with_lex[2]) and "+1gzB=GPE" in with_lex[1]
    assert [f for f in with_lex[2] if "gz" not in f] == plain[2]


@pytest.mark.parametrize("features", ["ner", "pos"])
def test_form_cache_is_bounded_and_changes_no_feature(features):
    """A cache of 3 forms empties itself over and over: the features stay those of an uncached extractor;
    the features two forms spell alike are one object (kept once), each form's own words are not shared."""
    from streams.core.text.tagger import default_features

    def make():
        return (FeatureExtractor(lexicon=default_lexicon()) if features == "ner" else default_features())

    sentences = [toks("وزیر امور خارجه ایران روز دوشنبه به مسکو سفر کرد و با سرگئی لاوروف دیدار کرد."),
                 toks("وزیران خارجه روسیه و ایران در مسکو دیدار کردند."),
                 toks("وزیر خارجه به تهران بازگشت.")]
    small, fresh = make(), make()
    small._cache.size = 3
    for tokens in sentences * 2:
        assert small.sentence_features(tokens) == fresh.sentence_features(tokens)
        assert len(small._cache.forms) <= 3
    big = make()
    a, b = big._token("وزیر"), big._token("وزیران")
    assert a[0][0] != b[0][0] and a[0][0] is not b[0][0]  # w=...: the form's own
    shared = {x for x in a[0][1:] if x in b[0][1:]}
    assert shared and all(any(x is y for y in b[0][1:]) for x in shared)  # e.g. p2=, sh=: one object


def test_default_lexicon_comes_from_curated_gazetteer_entries():
    lex = default_lexicon()
    assert len(lex.by_key) > 1000 and len(lex.first_names) > 50
    assert "PERSON" in lex.by_key[key("ولادیمیر پوتین")]


def test_ablation_features_drop_exactly_the_named_groups():
    """`train_ner.py --drop-features`: the default features minus whole attribute groups, nothing else."""
    import sys  # noqa: PLC0415
    sys.path.insert(0, str(REPO / "scripts"))
    import train_ner  # noqa: PLC0415 - a script, importable only with scripts/ on the path

    tokens = ["سفر", "به", "تهران", "رفت"]
    full = FeatureExtractor().sentence_features(tokens)
    cut = train_ner.AblatedFeatures({}, None, ["bg-", "bg+", "ln"]).sentence_features(tokens)
    for f, g in zip(full, cut):
        assert g == [a for a in f if not a.startswith(("bg-=", "bg+=", "ln="))] and len(g) < len(f)
