from streams.core.text.normalize import ZWNJ, key, normalize, repair_word
from streams.core.text.tokenize import split_sentences, tokenize


def test_letters_digits_and_marks_are_unified():
    n = normalize("كشور ايران ۱۴۰۲ و ٣ و مُحَمَّد ـــ\u200fتهران")
    assert n.text == "کشور ایران 1402 و 3 و محمد تهران"


def test_offsets_point_at_original_characters():
    original = "وزارت  خزانه\u200cداري آمريكا\u200f، ۱۲ فرد"
    n = normalize(original)
    for word in ("خزانه", "آمریکا", "12", "فرد"):
        i = n.text.index(word)
        assert normalize(n.original_text(i, i + len(word))).text == word


def test_lost_zwnj_is_repaired_with_the_lexicon():
    assert repair_word("گفتوگو") == f"گفت{ZWNJ}وگو"
    assert repair_word("داراییهای") == f"دارایی{ZWNJ}های"
    assert repair_word("بهشمار") == f"به{ZWNJ}شمار"
    assert repair_word("کردهاند") == f"کرده{ZWNJ}اند"
    assert repair_word("میشود") == f"می{ZWNJ}شود"


def test_names_are_not_split():
    for name in ("شویگو", "گوگردچیان", "پوتین", "باقری"):
        assert repair_word(name) == name


def test_inserted_zwnj_maps_to_an_empty_original_range():
    n = normalize("آنها گفتوگو کردهاند")
    assert ZWNJ in n.text
    i = n.text.index("گفت")
    assert n.original_text(i, i + len("گفت\u200cوگو")) == "گفتوگو"
    assert n.original_text(0, len(n.text)) == "آنها گفتوگو کردهاند"


def test_spaces_and_zwnj_noise_are_cleaned():
    assert normalize("ایران   \u200c و\u00a0 روسیه \u200c").text == "ایران و روسیه"


def test_key_ignores_spelling_variants():
    assert key("خزانه‌داری") == key("خزانه داری") == key("خزانهداري") == key("خزانهداری")
    assert key("آمریکا") == key("امريكا")


def test_tokens_and_sentences():
    text = normalize("سرگئی شویگو، وزیر دفاع روسیه، وارد تهران شد. او ۳.۵ ساعت ماند!\nخبر دوم").text
    toks = tokenize(text)
    assert [t.text for t in toks[:3]] == ["سرگئی", "شویگو", "،"]
    assert "3.5" in [t.text for t in toks]
    sents = split_sentences(text, toks)
    assert [text[s.start:s.end] for s in sents] == [
        "سرگئی شویگو، وزیر دفاع روسیه، وارد تهران شد.", "او 3.5 ساعت ماند!", "خبر دوم"]
