"""Statistical named-entity recogniser: a linear-chain CRF (python-crfsuite) trained on PEYMA.

The model is built by ``scripts/train_ner.py`` and ships in ``streams/data/ner/``
(``ner.crfsuite`` + ``clusters.tsv`` + ``MODEL.md``).  Input is ONE sentence as a list of
tokens already passed through ``streams.core.text.normalize.normalize`` and
``streams.core.text.tokenize.tokenize``; output is one BIO tag per token
(``B-PER``, ``I-ORG``, ``O`` ...).  Entity types: PER, ORG, LOC, DAT, TIM, MON, PCT.

Feature extraction is pure Python and fast: everything that depends on one token form only
(affixes, shape, trigger-word flags, word cluster, lookup key) is computed once per distinct form
and cached, so tagging a sentence is mostly list concatenation plus one pass of name-lexicon
lookups (hand-curated gazetteer names as features, ``NameLexicon``).  The same ``sentence_features``
function is used by training and inference, so they cannot drift apart.

    from streams.core.actors.ner import get_tagger
    tagger = get_tagger()                     # loads the model once per process (lazily)
    tagger.tag(["سرگئی", "لاوروف", "وزیر", "خارجه", "روسیه"])
    tagger.entities(tokens)                   # [(start, end_exclusive, "PER"), ...]
"""
from __future__ import annotations

import json
import os
import threading
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Iterable, Sequence

from streams.core.text.normalize import key

ZWNJ = "\u200c"
MODEL_FILE = "ner.crfsuite"
CLUSTER_FILE = "clusters.tsv"
ENTITY_TYPES = ("PER", "ORG", "LOC", "DAT", "TIM", "MON", "PCT")

# Small hand-written trigger lists (not gazetteers of names): words that typically precede or
# head a person name, an organisation or a place.
TITLE_WORDS = frozenset("""
آقای آقا خانم جناب سرکار حضرت آیت‌الله آیت‌اله حجت‌الاسلام حجت‌الاسلام‌والمسلمین شیخ سید سیده
دکتر مهندس استاد پروفسور سردار سرلشکر سرتیپ سرهنگ سرگرد سروان ژنرال دریادار امیر تیمسار
وزیر وزیران رئیس رییس رئیس‌جمهور رییس‌جمهور رئیس‌جمهوری معاون سخنگو سخنگوی دبیرکل دبیر
نماینده نمایندگان سفیر سفرای کاردار مشاور دستیار فرمانده فرماندهی مدیر مدیرعامل مدیرکل
نخست‌وزیر صدراعظم پادشاه شاه ملکه امیر شاهزاده ولیعهد پاپ اسقف رهبر امام ولی‌فقیه
استاندار فرماندار شهردار بخشدار دادستان قاضی رئیس‌کل رئیس‌مجلس نایب‌رئیس عضو اعضای
سناتور نامزد کاندیدای کاندیدا مربی سرمربی بازیکن هافبک مهاجم دروازه‌بان کاپیتان خبرنگار
نویسنده شاعر کارگردان بازیگر هنرمند خواننده محقق کارشناس تحلیلگر فعال حقوقدان
""".split())
ORG_TRIGGERS = frozenset("""
وزارت وزارتخانه سازمان شرکت خبرگزاری بانک دانشگاه حزب مجلس مجمع شورای شورا دولت کمیسیون
کمیته اتحادیه انجمن بنیاد ستاد اداره دفتر نهاد موسسه مؤسسه مرکز پژوهشگاه پژوهشکده آژانس
روزنامه هفته‌نامه ماهنامه نشریه شبکه رادیو تلویزیون صدا سیما باشگاه تیم فدراسیون کانون
جبهه جنبش گروه گروهک ارتش سپاه نیروی نیروهای پلیس دادگاه دیوان قوه قوه‌ی هیئت هیات
کنفرانس اجلاس سازمان‌های شرکت‌های بانک‌های دانشکده مدرسه بیمارستان کارخانه گروهان لشکر
فرمانداری استانداری شهرداری دادگستری دادسرا اتاق بورس صندوق جامعه مجموعه خانه
""".split())
LOC_TRIGGERS = frozenset("""
استان شهر شهرستان کشور کشورهای روستای روستا منطقه مناطق خیابان میدان بزرگراه جزیره جزایر
دریای دریا رود رودخانه کوه کوه‌های خلیج تنگه بندر بخش قاره ایالت ایالات پایتخت مرز مرزهای
جمهوری پادشاهی امیرنشین شبه‌جزیره حومه محله کوی بلوار جاده فرودگاه ورزشگاه ناحیه دهستان
""".split())
DATE_TRIGGERS = frozenset("""
فروردین اردیبهشت خرداد تیر مرداد شهریور مهر آبان آذر دی بهمن اسفند ژانویه فوریه مارس آوریل
مه ژوئن ژوئیه اوت سپتامبر اکتبر نوامبر دسامبر شنبه یکشنبه دوشنبه سه‌شنبه چهارشنبه پنجشنبه
پنج‌شنبه جمعه امروز دیروز فردا سال ماه روز هفته قرن دهه محرم صفر رمضان شوال ذی‌الحجه
ساعت دقیقه صبح ظهر بعدازظهر عصر شب بامداد
""".split())
MONEY_WORDS = frozenset("""
ریال تومان دلار یورو پوند درهم دینار روبل یوان ین لیر فرانک میلیون میلیارد هزار تریلیون
درصد
""".split())


def trigger_flags(w: str) -> list[str]:
    """Title (T), organisation (G) and place (C) trigger flags of a word or of its part before a ZWNJ."""
    head = w.split(ZWNJ, 1)[0]
    return [flag for flag, words in (("T", TITLE_WORDS), ("G", ORG_TRIGGERS), ("C", LOC_TRIGGERS))
            if w in words or head in words]


def _shape(w: str) -> str:
    has_digit = has_latin = has_fa = has_other = False
    for ch in w:
        if ch.isdigit():
            has_digit = True
        elif "a" <= ch <= "z" or "A" <= ch <= "Z":
            has_latin = True
        elif "\u0600" <= ch <= "\u06ff":
            has_fa = True
        elif ch != ZWNJ:
            has_other = True
    if has_fa and not (has_digit or has_latin or has_other):
        return "F"
    if has_digit and not (has_fa or has_latin or has_other):
        return "D" if len(w) != 4 else "D4"
    if has_latin and not (has_fa or has_digit or has_other):
        return "L"
    if has_other and not (has_fa or has_digit or has_latin):
        return "P"
    return "M" + ("d" if has_digit else "") + ("l" if has_latin else "") + ("f" if has_fa else "") + ("p" if has_other else "")


GZ_MAX_TOKENS = 6  # longest alias, in tokens, the lexicon features look for
LEXICON_TYPES = ("PERSON", "ORG", "GPE")
LEXICON_SOURCES = ("curated",)  # never the PEYMA-mined entries: they would leak training labels


class NameLexicon:
    """Known names as CRF features: hand-curated gazetteer aliases (PERSON/ORG/GPE) and first names.

    Features say "this token starts / continues / is alone a known name of type X" (also for the
    neighbours) and "this token is a known first name".  They generalise: the model learns how far to
    trust a lexicon hit, so names added to the gazetteer later help the tagger without retraining.
    Matching uses ``normalize.key`` (spelling-insensitive, spaces and ZWNJs ignored).
    """

    def __init__(self, entries: Iterable[tuple[str, str]], first_names: Iterable[str] = ()):
        types: dict[str, set[str]] = {}
        self.prefixes: set[str] = set()
        for alias, typ in entries:
            k = key(alias)
            if len(k) < 2:
                continue
            types.setdefault(k, set()).add(typ)
            for n in range(1, len(k) + 1):
                self.prefixes.add(k[:n])
        # sorted: feature order must not depend on set iteration (byte-identical model rebuilds)
        self.by_key = {k: tuple(sorted(v)) for k, v in types.items()}
        self.first_names = {k for k in map(key, first_names) if len(k) >= 2}

    @classmethod
    def from_gazetteer_lines(cls, lines: Iterable[bytes | str]) -> "NameLexicon":
        entries, firsts = [], set()
        not_first = TITLE_WORDS | {"سید", "سیده", "میر"}
        for line in lines:
            if not line.strip():
                continue
            e = json.loads(line)
            if e.get("source") not in LEXICON_SOURCES or e.get("type") not in LEXICON_TYPES:
                continue
            for alias in e.get("aliases") or [e["name"]]:
                entries.append((alias, e["type"]))
            if e["type"] == "PERSON":
                words = [w for w in e["name"].split() if w not in not_first]
                if len(words) >= 2:
                    firsts.add(words[0])
        return cls(entries, firsts)

    def hits(self, keys: Sequence[str]) -> list[tuple[int, str]]:
        """(token index, feature) of each token's own lexicon features, given each token's ``normalize.key``."""
        n = len(keys)
        out: list[tuple[int, str]] = []
        prefixes, by_key, first_names = self.prefixes, self.by_key, self.first_names
        for i in range(n):
            k = keys[i]
            if k in prefixes:
                for j in range(i, min(n, i + GZ_MAX_TOKENS)):
                    if j > i:
                        k += keys[j]
                        if k not in prefixes:
                            break
                    for typ in by_key.get(k, ()):
                        out.append((i, "gzB=" + typ))
                        if j == i:
                            out.append((i, "gz1=" + typ))
                        for m in range(i + 1, j + 1):
                            out.append((m, "gzI=" + typ))
            if keys[i] in first_names:
                out.append((i, "gzFN"))
        return out

    def token_features(self, keys: Sequence[str]) -> list[list[str]]:
        """Features per token: its own hits, and its neighbours' as ``-1``/``+1`` features."""
        n = len(keys)
        own: list[list[str]] = [[] for _ in range(n)]
        for i, feature in self.hits(keys):
            own[i].append(feature)
        out = []
        for i in range(n):
            f = list(own[i])
            if i > 0 and own[i - 1]:
                f += ["-1" + x for x in own[i - 1]]
            if i + 1 < n and own[i + 1]:
                f += ["+1" + x for x in own[i + 1]]
            out.append(f)
        return out


@lru_cache(maxsize=1)
def default_lexicon() -> NameLexicon:
    """The curated gazetteer's names, built once per process (the NER and the POS tagger share it)."""
    path = resources.files("streams.data").joinpath("gazetteer.jsonl")
    return NameLexicon.from_gazetteer_lines(path.read_bytes().splitlines())


def window_features(toks: Sequence[tuple]) -> list[list[bytes]]:
    """Per-token CRF features from cached per-form parts (``FormCache``: own, as -1, as +1, as -2, as +2,
    form, key): a token's own features, its neighbours' within two, and the bigrams with them.  Shared by the
    NER and the part-of-speech tagger."""
    n = len(toks)
    out: list[list[bytes]] = []
    for i, t in enumerate(toks):
        f = list(t[0])
        if i > 0:
            prev = toks[i - 1]
            f += prev[1]
            f.append(b"bg-=" + prev[5] + b"|" + t[5])
            f += toks[i - 2][3] if i > 1 else [b"-2BOS"]
        else:
            f.append(b"BOS")
        if i + 1 < n:
            nxt = toks[i + 1]
            f += nxt[2]
            f.append(b"bg+=" + t[5] + b"|" + nxt[5])
            f += toks[i + 2][4] if i + 2 < n else [b"+2EOS"]
        else:
            f.append(b"EOS")
        out.append(f)
    return out


class FormCache:
    """A tagger's per-form feature parts, at most ``size`` forms (then emptied: bounded memory in a
    long-running worker).  A form's parts: (own, as -1, as +1, as -2, as +2) feature tuples, then the form
    and its lookup key; features as UTF-8 bytes, the attribute names crfsuite stores (handed bytes, it skips
    one encode per feature and call).  Each part's first feature names the form itself (``w=``, ``-1w=``
    ...); the others (affixes, shape, length, clusters, flags) are spelled alike for many forms and kept
    once each, not once per form: with tuples for lists, a cached form costs about half
    (benchmarks/results/worker-memory-coldstart.md)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.forms: dict[str, tuple] = {}
        self._shared: dict[bytes, bytes] = {}

    def get(self, w: str) -> tuple | None:
        return self.forms.get(w)

    def clear(self) -> None:
        self.forms.clear()
        self._shared.clear()

    def put(self, own: list[str], m1: list[str], p1: list[str], m2: list[str], p2: list[str], w: str,
            k: str) -> tuple:
        """Cache the form's parts and return them."""
        if len(self.forms) >= self.size:
            self.clear()
        share = self._shared.setdefault
        hit = tuple((part[0].encode(),) + tuple(share(x, x) for x in map(str.encode, part[1:]))
                    for part in (own, m1, p1, m2, p2)) + (w.encode(), w if k == w else k)
        self.forms[w] = hit
        return hit


def sentence_items(toks: Sequence[tuple], lexicon: NameLexicon | None) -> list[list[bytes]]:
    """One sentence's CRF items (attribute names as bytes) from its tokens' cached parts, with the name
    lexicon's features."""
    out = window_features(toks)
    if lexicon is not None:
        for f, g in zip(out, lexicon.token_features([t[6] for t in toks])):
            if g:
                f += [x.encode() for x in g]
    return out


def decoded(items: list[list[bytes]]) -> list[list[str]]:
    return [[x.decode() for x in item] for item in items]


class FeatureExtractor:
    """Turns a sentence (list of token forms) into CRF feature lists, caching per-form parts."""

    CACHE_SIZE = 50_000

    def __init__(self, clusters: dict[str, tuple[str, ...]] | None = None, lexicon: NameLexicon | None = None):
        self.clusters = clusters or {}
        self.lexicon = lexicon
        self._cache = FormCache(self.CACHE_SIZE)

    def _token(self, w: str):
        hit = self._cache.get(w)
        if hit is None:
            *parts, k = self.form_parts(w)
            hit = self._cache.put(*parts, w, k)
        return hit

    def form_parts(self, w: str) -> tuple[list[str], list[str], list[str], list[str], list[str], str]:
        """A form's own features, its features as the -1, +1, -2 and +2 neighbour, and its lexicon key."""
        sq = w.replace(ZWNJ, "")
        n = len(sq)
        shape = _shape(w)
        head = w.split(ZWNJ, 1)[0]
        flags = trigger_flags(w)
        if w in DATE_TRIGGERS:
            flags.append("A")
        if w in MONEY_WORDS:
            flags.append("$")
        cl = self.clusters.get(w) or self.clusters.get(sq) or ()
        # No 1-letter affixes and no suffix/shape of the neighbours: each attribute costs the CRF about the
        # same to look up, and these added nothing in CV (benchmarks/results/ner-features.md).
        own = [
            "w=" + w, "p2=" + sq[:2], "p3=" + sq[:3], "p4=" + sq[:4],
            "s2=" + sq[-2:], "s3=" + sq[-3:], "s4=" + sq[-4:],
            "sh=" + shape, "ln=" + (str(n) if n < 4 else "4-6" if n < 7 else "7+"),
        ]
        if ZWNJ in w:
            own.append("zw")
            own.append("hd=" + head)
            own.append("tl=" + w.rsplit(ZWNJ, 1)[1])
        for f in flags:
            own.append("f=" + f)
        for k, c in enumerate(cl):
            own.append(f"c{k}=" + c)
        if not cl and shape == "F":
            own.append("oov")
        cls = tuple(f"{k}=" + c for k, c in enumerate(cl)) if cl else ("=none",)
        fl = tuple(flags)
        # neighbour views: -2, -1, +1, +2
        # the -1/+1 neighbours' cluster at the finest granularity only (the coarser ones added nothing in CV)
        m1 = ["-1w=" + w, "-1c" + cls[-1]] + ["-1f=" + f for f in fl]
        p1 = ["+1w=" + w, "+1c" + cls[-1]] + ["+1f=" + f for f in fl]
        m2 = ["-2w=" + w, "-2c" + cls[0]] + ["-2f=" + f for f in fl]
        p2 = ["+2w=" + w, "+2c" + cls[0]] + ["+2f=" + f for f in fl]
        return own, m1, p1, m2, p2, key(w)

    def sentence_items(self, tokens: Sequence[str]) -> list[list[bytes]]:
        """What the tagger reads: ``sentence_features`` as bytes."""
        return sentence_items([self._token(t) for t in tokens], self.lexicon)

    def sentence_features(self, tokens: Sequence[str]) -> list[list[str]]:
        """Feature names per token (training and inspection)."""
        return decoded(self.sentence_items(tokens))


def load_clusters(path: Path | str | None) -> dict[str, tuple[str, ...]]:
    """word<TAB>cluster-id[<TAB>cluster-id...] lines -> {word: (ids...)}; read once per file and process (the
    NER and the POS tagger share one), each cluster id one string object."""
    if path is None or not Path(path).exists():
        return {}
    path = Path(path).resolve()
    return _clusters(str(path), path.stat().st_mtime_ns)  # a rebuilt file is read again


@lru_cache(maxsize=4)
def _clusters(path: str, _mtime_ns: int) -> dict[str, tuple[str, ...]]:
    clusters: dict[str, tuple[str, ...]] = {}
    ids: dict[str, str] = {}
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 2 and parts[0]:
                clusters[parts[0]] = tuple(ids.setdefault(c, c) for c in parts[1:])
    return clusters


def bio_to_spans(tags: Sequence[str]) -> list[tuple[int, int, str]]:
    """BIO tags -> [(start, end_exclusive, type)]; a stray I-X starts a new entity."""
    spans: list[tuple[int, int, str]] = []
    start, typ = -1, None
    for i, tag in enumerate(tags):
        if tag.startswith("B-") or (tag.startswith("I-") and tag[2:] != typ):
            if typ is not None:
                spans.append((start, i, typ))
            start, typ = i, tag[2:]
        elif tag == "O" or not tag.startswith("I-"):
            if typ is not None:
                spans.append((start, i, typ))
            start, typ = -1, None
    if typ is not None:
        spans.append((start, len(tags), typ))
    return spans


def default_model_dir() -> Path:
    override = os.environ.get("KHABAR_NER_MODEL_DIR")
    if override:
        return Path(override)
    return Path(str(resources.files("streams.data").joinpath("ner")))


class CrfSequenceTagger:
    """A CRFsuite model plus the feature function it was trained with (``features.form_parts``, the per-form
    parts of ``sentence_features``, and ``features.lexicon``), decoded by ``crf.CrfDecoder`` (the same tags as
    python-crfsuite's tagger, about twice as fast on a field's sentences at once).  Thread-safe.  The NER and
    the part-of-speech tagger are both one."""

    def __init__(self, model_path: Path, features, what: str, script: str):
        from streams.core.actors.crf import CrfDecoder, CrfModel  # noqa: PLC0415 - numpy only when tagging

        if not model_path.exists():
            raise FileNotFoundError(f"{what} model not found at {model_path}; run {script}")
        self.model_path = model_path
        self.features = features
        self._decoder = CrfDecoder(CrfModel.read(model_path), features.form_parts, features.lexicon)
        self._lock = threading.Lock()  # the decoder's form cache is shared state

    def tag(self, tokens: Sequence[str]) -> list[str]:
        return self.tag_many([tokens])[0]

    def clear_cache(self) -> None:
        """Forget every form's cached scores and features (benchmarks: a cold pass)."""
        with self._lock:
            self._decoder.clear()
            self.features._cache.clear()

    def tag_many(self, sentences: Iterable[Sequence[str]]) -> list[list[str]]:
        """Tags of several sentences, decoded together (cheaper than one call each)."""
        sentences = [list(s) for s in sentences]
        with self._lock:
            return self._decoder.tag_many(sentences)


class NerTagger(CrfSequenceTagger):
    """The NER CRF with its feature extractor."""

    def __init__(self, model_dir: Path | str | None = None):
        self.model_dir = Path(model_dir) if model_dir is not None else default_model_dir()
        features = FeatureExtractor(load_clusters(self.model_dir / CLUSTER_FILE), default_lexicon())
        super().__init__(self.model_dir / MODEL_FILE, features, "NER", "scripts/train_ner.py")

    def entities(self, tokens: Sequence[str]) -> list[tuple[int, int, str]]:
        return bio_to_spans(self.tag(tokens))

    def entities_many(self, sentences: Iterable[Sequence[str]]) -> list[list[tuple[int, int, str]]]:
        return [bio_to_spans(tags) for tags in self.tag_many(sentences)]


_TAGGER: NerTagger | None = None
_TAGGER_LOCK = threading.Lock()


def get_tagger() -> NerTagger:
    """The process-wide tagger, loaded on first use."""
    global _TAGGER
    if _TAGGER is None:
        with _TAGGER_LOCK:
            if _TAGGER is None:
                _TAGGER = NerTagger()
    return _TAGGER
