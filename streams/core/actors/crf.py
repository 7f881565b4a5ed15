"""Linear-chain CRF tagging in numpy, read straight from a CRFsuite model file.

python-crfsuite trains our NER and part-of-speech models; at inference its tagger looked up every
attribute name of every token (about 22 per token) in the model's string database on each call: most
of the NER's cost (``benchmarks/results/extraction-speed.md``).  A CRF's scores are sums of weights, so
the weights of everything that depends on one token form (its own features and its views as the
-2/-1/+1/+2 neighbour) can be summed once per form and cached as five label-score vectors; a sentence's
scores are then a few vector gathers, plus the few features that depend on two forms (bigrams) or on a
run of tokens (name-lexicon hits).  Viterbi runs over all sentences of a call at once.

The weights come from the ``.crfsuite`` file itself (format of CRFsuite's ``crf1m_model.c``: a header,
a feature array of (type, source, destination, double weight), and label and attribute string databases
whose backward arrays map ids to names), so the scores are the model's exact doubles and the tags are
the ones CRFsuite's own Viterbi gives (ties go to the lowest label id in both; ``tests/test_crf.py``
compares them token by token).
"""
from __future__ import annotations

import struct
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

HEADER = struct.Struct("<4sI4sIIIIIIIII")
CQDB_HEADER = struct.Struct("<4sIIIII")
FEATURES = np.dtype([("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")])
STATE, TRANSITION = 0, 1
_name_hash = hash  # how attribute names are looked up (a test swaps it to make two names clash)


def _strings(buf: bytes, offset: int) -> list[bytes]:
    """The id -> string table of a CRFsuite CQDB chunk: its backward array holds, by id, the offset of a
    record (id, size, the string and a NUL)."""
    chunk, _size, _flag, _order, count, backward = CQDB_HEADER.unpack_from(buf, offset)
    if chunk != b"CQDB":
        raise ValueError("not a CRFsuite string database")
    records = offset + np.frombuffer(buf, dtype="<u4", count=count, offset=offset + backward).astype(np.int64)
    raw = np.frombuffer(buf, dtype=np.uint8)
    sizes = raw[records + 4].astype(np.int64) | raw[records + 5].astype(np.int64) << 8 | \
        raw[records + 6].astype(np.int64) << 16 | raw[records + 7].astype(np.int64) << 24
    starts = records + 8
    return [buf[a:b] for a, b in zip(starts.tolist(), (starts + sizes - 1).tolist())]


class CrfModel:
    """A CRFsuite model's labels, attribute ids and weights as arrays: the state weights of attribute i are
    ``weights[indptr[i]:indptr[i + 1]]`` for labels ``label_ids[...]`` (row ``unknown`` has none: attributes
    the model does not know), ``transitions[a, b]`` the score of label b after label a.

    Attribute names are not kept: a model has ~160,000 of them and a dict of them took ~27 MB, the sorted
    64-bit hashes of the names take 1.3 MB.  A name is looked up by its hash (Python's ``hash`` of the
    bytes, per process).  Two of the model's own names with one hash are kept apart in a small dict; an
    unknown name taken for a known one needs a 64-bit collision (odds about 1e-14 per lookup)."""

    def __init__(self, labels: Sequence[str], attributes: Sequence[bytes], src: np.ndarray, dst: np.ndarray,
                 weights: np.ndarray, transitions: np.ndarray) -> None:
        self.labels = tuple(labels)
        self.unknown = len(attributes)
        order = np.argsort(src, kind="stable")
        self.label_ids = np.asarray(dst, dtype=np.int8)[order]
        self.weights = np.asarray(weights, dtype=np.float64)[order]
        self.indptr = np.zeros(len(attributes) + 2, dtype=np.int64)
        np.cumsum(np.bincount(np.asarray(src, dtype=np.int64), minlength=len(attributes) + 1),
                  out=self.indptr[1:])
        self.transitions = np.asarray(transitions, dtype=np.float64)
        self._into = np.ascontiguousarray(self.transitions.T)
        hashes = np.fromiter(map(_name_hash, attributes), dtype=np.int64, count=len(attributes))
        by_hash = np.argsort(hashes, kind="stable")
        hashes = hashes[by_hash]
        clash = np.zeros(len(hashes), dtype=bool)
        if len(hashes) > 1:
            same = hashes[1:] == hashes[:-1]
            clash[1:] |= same
            clash[:-1] |= same
        self.clashes = {attributes[i]: i for i in by_hash[clash].tolist()}
        self._hashes, self._ids = hashes[~clash], by_hash[~clash]

    @classmethod
    def read(cls, path: Path | str) -> "CrfModel":
        buf = Path(path).read_bytes()
        (magic, _size, kind, _version, _nf, n_labels, n_attrs, off_features, off_labels, off_attrs, _olr,
         _oar) = HEADER.unpack_from(buf, 0)
        if magic != b"lCRF" or kind != b"FOMC":
            raise ValueError(f"{path}: not a CRFsuite linear-chain model")
        labels = [s.decode() for s in _strings(buf, off_labels)]
        attributes = _strings(buf, off_attrs)
        if len(labels) != n_labels or len(attributes) != n_attrs:
            raise ValueError(f"{path}: label or attribute count differs from its header")
        count = struct.unpack_from("<I", buf, off_features + 8)[0]
        feats = np.frombuffer(buf, dtype=FEATURES, count=count, offset=off_features + 12)
        st = feats[feats["type"] == STATE]
        transitions = np.zeros((n_labels, n_labels))
        tr = feats[feats["type"] == TRANSITION]
        transitions[tr["src"], tr["dst"]] = tr["weight"]
        return cls(labels, attributes, st["src"], st["dst"], st["weight"], transitions)

    def rows(self, attributes: Sequence[bytes]) -> np.ndarray:
        """Each name's attribute id, ``unknown`` for names the model does not have."""
        wanted = np.fromiter(map(_name_hash, attributes), dtype=np.int64, count=len(attributes))
        at = np.searchsorted(self._hashes, wanted)
        at[at == len(self._hashes)] = 0
        found = self._hashes[at] == wanted if len(self._hashes) else np.zeros(len(wanted), dtype=bool)
        out = np.where(found, self._ids[at] if len(self._ids) else 0, self.unknown)
        if self.clashes:
            for k, a in enumerate(attributes):
                if a in self.clashes:
                    out[k] = self.clashes[a]
        return out

    def state(self, rows: np.ndarray) -> np.ndarray:
        """The label scores of each attribute id in ``rows``, one row each."""
        begin = self.indptr[rows]
        count = self.indptr[rows + 1] - begin
        out = np.zeros((len(rows), len(self.labels)))
        total = int(count.sum())
        if total:
            which = np.repeat(np.arange(len(rows)), count)
            k = np.arange(total) + np.repeat(begin - (np.cumsum(count) - count), count)
            out[which, self.label_ids[k]] = self.weights[k]
        return out

    def scores(self, attributes: Sequence[bytes]) -> np.ndarray:
        """Summed label scores of a bag of attributes (repeats count again, as in CRFsuite)."""
        return self.state(self.rows(attributes)).sum(axis=0)

    def viterbi(self, scores: np.ndarray, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
        """Best label ids of several sequences at once: sequence k is ``scores[starts[k]:starts[k] +
        lengths[k]]``; returns an array parallel to ``scores`` (positions outside the sequences are 0)."""
        out = np.zeros(len(scores), dtype=np.intp)
        if not len(starts):
            return out
        order = np.argsort(-lengths, kind="stable")
        starts, lengths = starts[order], lengths[order]
        n_labels = len(self.labels)
        into = self._into  # (label, previous label): the reduction runs over the last, contiguous axis
        flat = np.arange(len(starts) * n_labels) * n_labels
        delta = scores[starts].copy()
        back: list[np.ndarray] = []
        active = len(starts)
        for t in range(1, int(lengths[0])):
            while lengths[active - 1] <= t:
                active -= 1
            cand = delta[:active, None, :] + into  # (sequence, label, previous label)
            prev = cand.argmax(axis=2)
            back.append(prev)
            # the maxima by the argmax's positions: one gather instead of a second reduction
            delta[:active] = cand.ravel()[flat[:active * n_labels] + prev.ravel()].reshape(active, n_labels)
            delta[:active] += scores[starts[:active] + t]
        best = delta.argmax(axis=1)
        active = 0
        for t in range(int(lengths[0]) - 1, -1, -1):
            while active < len(lengths) and lengths[active] > t:
                active += 1
            out[starts[:active] + t] = best[:active]
            if t:
                best[:active] = back[t - 1][np.arange(active), best[:active]]
        return out


# The five views of a form whose scores are cached: its own features, and the features it gives the
# token after it (-1), before it (+1), two after (-2) and two before (+2).
OWN, AS_PREV, AS_NEXT, AS_PREV2, AS_NEXT2 = range(5)


class CrfDecoder:
    """Tags sentences with a ``CrfModel`` and the feature function it was trained with.

    ``form_parts(w)`` gives a form's five feature lists (as in ``OWN`` ...) and its name-lexicon key;
    ``lexicon`` (a ``NameLexicon`` or None) the features of known-name runs; bigram features are
    ``bg-=a|b`` (on b) and ``bg+=a|b`` (on a); a sentence's edges read ``BOS``/``EOS`` on its first/last
    token and ``-2BOS``/``+2EOS`` on its second/second-to-last: ``streams.core.actors.ner.window_features``
    spelt out, which training uses.  Per-form scores are cached; a call that finds ``capacity`` forms cached
    empties the cache first (bounded memory in a long-running worker).  Not thread-safe."""

    # two reserved form ids around every sentence: their views add the edge features to its first two and
    # last two tokens (see ``_pad_rows``)
    PAD_AFTER, PAD_BEFORE = 0, 1

    def __init__(self, model: CrfModel, form_parts: Callable[[str], tuple], lexicon=None,
                 capacity: int = 30_000) -> None:
        self.model = model
        self.form_parts = form_parts
        self.lexicon = lexicon
        self.capacity = capacity
        self._lexicon_rows: dict[str, tuple[int, int, int]] = {}
        self.clear()

    def clear(self) -> None:
        self.ids: dict[str, int] = {}
        self.forms: list[bytes] = [b"", b""]
        self.keys: list[str] = ["", ""]
        self.views = np.zeros((4096, 5, len(self.model.labels)))
        self.views[:2] = self._pad_rows()

    def _pad_rows(self) -> np.ndarray:
        """A sentence sits between PAD_BEFORE (before its first token, preceded by PAD_AFTER of the sentence
        before) and PAD_AFTER (after its last, followed by PAD_BEFORE): so its first token sees BOS as its
        -1 and nothing as its -2, its second sees -2BOS, its last EOS as +1, its second-to-last +2EOS."""
        m = self.model
        rows = np.zeros((2, 5, len(m.labels)))
        rows[self.PAD_AFTER, AS_NEXT] = m.scores([b"EOS"])
        rows[self.PAD_AFTER, AS_NEXT2] = m.scores([b"+2EOS"])
        rows[self.PAD_BEFORE, AS_PREV] = m.scores([b"BOS"])
        rows[self.PAD_BEFORE, AS_PREV2] = m.scores([b"-2BOS"])
        return rows

    def _ids(self, forms: Sequence[str]) -> list[int]:
        """Each form's cache id; the forms not cached yet get their five views scored together (one batch
        of lookups per call: a form's first sighting is what a cold cache pays for)."""
        cached = self.ids
        out = [cached.get(w, -1) for w in forms]
        if -1 not in out:
            return out
        names: list[bytes] = []
        bounds: list[int] = []
        first = len(self.forms)
        for n, w in enumerate(forms):
            if out[n] != -1:
                continue
            i = cached.get(w)
            if i is None:
                i = cached[w] = len(self.forms)
                *parts, k = self.form_parts(w)
                for feats in parts:
                    bounds.append(len(names))
                    names += [f.encode() for f in feats] or [b""]  # reduceat needs one name per view
                self.forms.append(w.encode())
                self.keys.append(k)
            out[n] = i
        if len(self.forms) > len(self.views):
            grown = np.zeros((max(2 * len(self.views), len(self.forms)),) + self.views.shape[1:])
            grown[:len(self.views)] = self.views
            self.views = grown
        model = self.model
        sums = np.add.reduceat(model.state(model.rows(names)), bounds)
        self.views[first:len(self.forms)] = sums.reshape(-1, 5, len(model.labels))
        return out

    def _lexicon_hit_rows(self, feature: str) -> tuple[int, int, int]:
        rows = self._lexicon_rows.get(feature)
        if rows is None:
            own, as_prev, as_next = self.model.rows([feature.encode(), ("-1" + feature).encode(),
                                                     ("+1" + feature).encode()]).tolist()
            rows = self._lexicon_rows[feature] = (own, as_prev, as_next)
        return rows

    def tag_many(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """One label per token of each sentence."""
        model = self.model
        if len(self.ids) >= self.capacity:
            self.clear()  # between calls only: a call's own forms stay cached until it ends
        form_ids = self._ids([w for s in sentences for w in s])
        ids = [self.PAD_AFTER, self.PAD_BEFORE]
        starts, lengths = [], []
        done = 0
        for s in sentences:
            starts.append(len(ids))
            lengths.append(len(s))
            ids += form_ids[done:done + len(s)]
            ids += (self.PAD_AFTER, self.PAD_BEFORE)
            done += len(s)
        index = np.asarray(ids)
        views = self.views[index]
        scores = views[:, OWN].copy()
        scores[1:] += views[:-1, AS_PREV]
        scores[:-1] += views[1:, AS_NEXT]
        scores[2:] += views[:-2, AS_PREV2]
        scores[:-2] += views[2:, AS_NEXT2]
        # features of two forms (bigrams) and of known-name runs: few per token, gathered into one update
        where: list[int] = []
        names: list[bytes] = []
        forms = self.forms
        for a, n in zip(starts, lengths):
            for p in range(a + 1, a + n):
                pair = forms[ids[p - 1]] + b"|" + forms[ids[p]]
                names += (b"bg-=" + pair, b"bg+=" + pair)
                where += (p, p - 1)  # bg-= scores the second token of the pair, bg+= the first
        rows = model.rows(names).tolist()
        if self.lexicon is not None:
            for a, n in zip(starts, lengths):
                for i, feature in self.lexicon.hits([self.keys[j] for j in ids[a:a + n]]):
                    own, as_prev, as_next = self._lexicon_hit_rows(feature)
                    where.append(a + i)
                    rows.append(own)
                    if i + 1 < n:
                        where.append(a + i + 1)
                        rows.append(as_prev)
                    if i > 0:
                        where.append(a + i - 1)
                        rows.append(as_next)
        rows_a = np.asarray(rows, dtype=np.int64)
        known = rows_a != model.unknown
        if known.any():
            at, rows_a = np.asarray(where, dtype=np.int64)[known], rows_a[known]
            # summed per position (a position can take several): sort, then one reduceat (ufunc.at is slow)
            order = np.argsort(at, kind="stable")
            at, rows_a = at[order], rows_a[order]
            first = np.flatnonzero(np.r_[True, at[1:] != at[:-1]])
            scores[at[first]] += np.add.reduceat(model.state(rows_a), first)
        best = model.viterbi(scores, np.asarray(starts, dtype=np.intp), np.asarray(lengths, dtype=np.intp))
        labels = model.labels
        return [[labels[y] for y in best[a:a + n].tolist()] for a, n in zip(starts, lengths)]
