"""The CRF part-of-speech tagger (streams.core.text.tagger), its shipped model and its training script."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from streams.core.document import Field
from streams.core.text.normalize import normalize
from streams.core.text.tagger import MODEL_FILE, UPOS, Tagger, default_model_dir, get_tagger
from streams.core.text.tokenize import tokenize

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("KHABAR_SHARED") or REPO.parent / "shared")
UD = SHARED / "corpora" / "ud-persian"

needs_model = pytest.mark.skipif(not (default_model_dir() / MODEL_FILE).exists(), reason="tagger model not built")


def tagged(text: str) -> list[tuple[str, str]]:
    tokens = [t.text for t in tokenize(normalize(text).text)]
    return list(zip(tokens, get_tagger().tag(tokens)))


def tag_of(pairs: list[tuple[str, str]], word: str, nth: int = 0) -> str:
    return [t for w, t in pairs if w == word][nth]


@needs_model
def test_model_loads_once_and_ships_its_facts():
    tagger = get_tagger()
    assert isinstance(tagger, Tagger)
    assert get_tagger() is tagger
    meta = json.loads((default_model_dir() / "model.json").read_text(encoding="utf-8"))
    assert meta["bytes"] == (default_model_dir() / MODEL_FILE).stat().st_size
    assert meta["bytes"] < 8_000_000  # small enough to ship in the package
    assert tagger.tag([]) == []


@needs_model
def test_tags_are_upos_one_per_token():
    tokens = [t.text for t in tokenize(normalize("سخنگوی دولت گفت: «این تصمیم ۲۰ درصد از واردات را کاهش می‌دهد.»").text)]
    tags = get_tagger().tag(tokens)
    assert len(tags) == len(tokens)
    assert set(tags) <= set(UPOS)
    assert tags[tokens.index("20")] == "NUM"
    assert tags[tokens.index("«")] == "PUNCT"


@needs_model
def test_prepositions_verbs_and_names():
    s = tagged("وزیر امور خارجه ایران روز دوشنبه به مسکو سفر کرد و در آنجا با همتای روس خود دیدار کرد.")
    assert tag_of(s, "به") == "ADP"
    assert tag_of(s, "در") == "ADP"
    assert tag_of(s, "با") == "ADP"
    assert tag_of(s, "کرد") == "VERB"
    assert tag_of(s, "کرد", 1) == "VERB"
    assert tag_of(s, "وزیر") == "NOUN"
    assert tag_of(s, "ایران") == "PROPN"
    assert tag_of(s, "مسکو") == "PROPN"


@needs_model
def test_present_and_past_verbs_and_auxiliaries():
    s = tagged("هیئت تجاری عراق دیروز از تهران رفت ولی رئیس‌جمهور فرانسه هفته آینده به پکن می‌رود.")
    assert tag_of(s, "از") == "ADP"
    assert tag_of(s, "رفت") == "VERB"
    assert tag_of(s, "می‌رود") == "VERB"
    assert tag_of(s, "فرانسه") == "PROPN"
    s = tagged("دولت آمریکا تحریم‌های تازه‌ای علیه این شرکت‌ها وضع خواهد کرد که اجرای آن ممکن است ماه‌ها طول بکشد.")
    assert tag_of(s, "خواهد") == "AUX"   # UD Persian: the future auxiliary
    assert tag_of(s, "است") == "AUX"
    assert tag_of(s, "کرد") == "VERB"
    assert tag_of(s, "تحریم‌های") == "NOUN"
    assert tag_of(s, "آمریکا") == "PROPN"


@needs_model
def test_untidy_spelling_keeps_the_verb():
    # Arabic yeh/kaf and a verb prefix written with a space, as in the sample sentence: the normaliser
    # joins the prefix, so the tagger sees the one verb token "می‌کند"
    s = tagged("وزير خارجه فرانسه هفته آينده به تهران سفر مي كند.")
    assert tag_of(s, "به") == "ADP"
    assert tag_of(s, "می\u200cکند") == "VERB"
    assert tag_of(s, "تهران") == "PROPN"


@needs_model
def test_tag_sentence_of_a_field():
    field = Field.build("body", "وزیر خارجه چین فردا به تهران می‌آید. او با رئیس‌جمهور دیدار می‌کند.")
    tagger = get_tagger()
    assert len(field.sentences) == 2
    first, second = (tagger.tag_sentence(field, s) for s in field.sentences)
    words = [t.text for t in field.tokens[field.sentences[0].first_token:field.sentences[0].last_token]]
    assert len(first) == len(words) and first == tagger.tag(words)
    assert first[words.index("به")] == "ADP"
    assert first[words.index("می‌آید")] == "VERB"
    assert second[-2] == "VERB" and second[-1] == "PUNCT"


@pytest.mark.skipif(not UD.exists(), reason=f"{UD} not available")
def test_training_is_deterministic(tmp_path):
    """Two runs in fresh processes (different hash seeds) on a small slice write identical model bytes."""
    digests = []
    for seed in ("1", "2"):
        out = tmp_path / seed
        env = dict(os.environ, PYTHONHASHSEED=seed, KHABAR_SHARED=str(SHARED), PYTHONPATH=str(REPO))
        subprocess.run([sys.executable, str(REPO / "scripts" / "train_tagger.py"), "--limit", "300", "--no-augment",
                        "--model-dir", str(out)], check=True, env=env, timeout=300, capture_output=True)
        digests.append(((out / MODEL_FILE).read_bytes(), (out / "pos-lexicon.tsv").read_bytes(),
                        json.loads((out / "model.json").read_text(encoding="utf-8"))))
    assert digests[0][0] == digests[1][0]
    assert digests[0][1] == digests[1][1]
    assert digests[0][2] == digests[1][2]
    assert digests[0][2]["data"]["sentences"] == 300
    # the small model is a working tagger of the same kind
    small = Tagger(tmp_path / "1")
    assert small.tag(["به", "تهران", "رفت", "."])[-1] == "PUNCT"


def _train_script():
    sys.path.insert(0, str(REPO / "scripts"))
    import train_tagger  # noqa: PLC0415 - a script, importable only with scripts/ on the path

    return train_tagger


def test_alignment_to_our_tokens(tmp_path):
    """UD units -> our tokens: clitic multiword tokens stay one token with the host's tag; ZWNJ variants."""
    T = _train_script()
    conllu = tmp_path / "x.conllu"
    conllu.write_text(
        "# sent_id = t1\n"
        "# text = كتابش را ديروز به من داد و مي‌كند.\n"
        "1-2\tكتابش\t_\t_\t_\t_\t_\t_\t_\t_\n"
        "1\tكتاب\tکتاب\tNOUN\t_\t_\t0\troot\t_\t_\n"
        "2\tش\tاو\tPRON\t_\t_\t1\tnmod\t_\t_\n"
        "3\tرا\tرا\tADP\t_\t_\t1\tcase\t_\t_\n"
        "4\tديروز\tدیروز\tNOUN\t_\t_\t1\tobl\t_\t_\n"
        "5\tبه\tبه\tADP\t_\t_\t6\tcase\t_\t_\n"
        "6\tمن\tمن\tPRON\t_\t_\t1\tobl\t_\t_\n"
        "7\tداد\tداد\tVERB\t_\t_\t0\troot\t_\t_\n"
        "8\tو\tو\tCCONJ\t_\t_\t9\tcc\t_\t_\n"
        "9\tمي‌كند\tکرد\tVERB\t_\t_\t7\tconj\t_\tSpaceAfter=No\n"
        "10\t.\t.\tPUNCT\t_\t_\t7\tpunct\t_\t_\n"
        "\n", encoding="utf-8")
    (sent,) = T.read_conllu(conllu)
    stats = __import__("collections").Counter()
    d = {"upos": [u[1] for u in sent["units"]], "variants": {k: T.align(sent, k, stats) for k in T.VARIANTS}}
    toks, tags = T.labelled(d, "clean")
    # normalised as at run time (Persian kaf/yeh), the clitic stays on its host
    assert toks == ["کتابش", "را", "دیروز", "به", "من", "داد", "و", "می‌کند", "."]
    assert tags == ["NOUN", "ADP", "NOUN", "ADP", "PRON", "VERB", "CCONJ", "VERB", "PUNCT"]
    toks, tags = T.labelled(d, "zwnj_as_space")
    # the normaliser joins a spaced verb prefix again: one token, as in the clean text
    assert toks[-2:] == ["می\u200cکند", "."] and tags[-2:] == ["VERB", "PUNCT"]
    toks, tags = T.labelled(d, "no_zwnj")
    assert len(toks) == 9 and toks[-2] in ("می‌کند", "میکند") and tags[-2] == "VERB"  # the normaliser may repair it
    assert stats["ud_units"] == 9 and stats["ud_units_merged"] == 0 and stats["rebuilt_from_forms"] == 0


def test_alignment_without_text_line_rebuilds_from_forms(tmp_path):
    T = _train_script()
    conllu = tmp_path / "y.conllu"
    conllu.write_text(
        "# sent_id = t2\n"
        "1\tرئیس‌جمهور\t_\tNOUN\t_\t_\t0\troot\t_\t_\n"
        "2\tبه\t_\tADP\t_\t_\t3\tcase\t_\t_\n"
        "3\tپکن\t_\tPROPN\t_\t_\t4\tobl\t_\t_\n"
        "4\tرفت\t_\tVERB\t_\t_\t0\troot\t_\tSpaceAfter=No\n"
        "5\t.\t_\tPUNCT\t_\t_\t4\tpunct\t_\t_\n"
        "\n", encoding="utf-8")
    (sent,) = T.read_conllu(conllu)
    stats = __import__("collections").Counter()
    d = {"upos": [u[1] for u in sent["units"]], "variants": {"clean": T.align(sent, "clean", stats)}}
    assert T.labelled(d, "clean") == (["رئیس‌جمهور", "به", "پکن", "رفت", "."], ["NOUN", "ADP", "PROPN", "VERB", "PUNCT"])
    assert stats["rebuilt_from_forms"] == 1
