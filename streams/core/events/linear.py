"""A binary logistic model over named binary features, shipped as JSON (streams/data/events/*.json).

Inference is a sum of weights, so the core needs no numerical library; training (scikit-learn, liblinear:
deterministic) happens only in scripts/train_events.py and benchmarks/events_cv.py.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable


@dataclass
class LinearModel:
    weights: dict[str, float]
    bias: float = 0.0
    threshold: float = 0.5
    meta: dict = field(default_factory=dict)
    _headroom: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def score(self, features: Iterable[str]) -> float:
        """The log-odds: bias plus the weights of the distinct features."""
        return self.bias + sum(self.weights.get(f, 0.0) for f in set(features))

    def probability(self, features: Iterable[str]) -> float:
        return self.probability_of(self.score(features))

    @staticmethod
    def probability_of(z: float) -> float:
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))

    def headroom(self, prefixes: tuple[str, ...]) -> float:
        """The most that one feature per prefix (each slot holds one value) can add to the score."""
        if prefixes not in self._headroom:
            self._headroom[prefixes] = sum(max([0.0] + [w for f, w in self.weights.items() if f.startswith(p)])
                                           for p in prefixes)
        return self._headroom[prefixes]

    def accepts(self, features: Iterable[str]) -> bool:
        return self.probability(features) >= self.threshold

    def to_json(self) -> str:
        weights = {k: round(v, 5) for k, v in sorted(self.weights.items()) if abs(v) >= 1e-5}
        return json.dumps({"meta": self.meta, "bias": round(self.bias, 5), "threshold": self.threshold,
                           "weights": weights}, ensure_ascii=False, indent=0, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> "LinearModel":
        data = json.loads(text)
        return cls(data["weights"], data["bias"], data["threshold"], data.get("meta", {}))

    @classmethod
    def fit(cls, rows: list[list[str]], labels: list[int], c: float = 1.0, threshold: float = 0.5,
            meta: dict | None = None) -> "LinearModel":
        """L2-regularised logistic regression (liblinear, deterministic for the same rows in the same order)."""
        from sklearn.feature_extraction import DictVectorizer
        from sklearn.linear_model import LogisticRegression

        if len(set(labels)) < 2:   # a fold with one class only: a constant model
            return cls({}, 30.0 if labels and labels[0] else -30.0, threshold, meta or {})
        vec = DictVectorizer()
        x = vec.fit_transform([{f: 1 for f in row} for row in rows]).tocsr()
        x.indices, x.indptr = x.indices.astype("int32"), x.indptr.astype("int32")  # liblinear wants 32-bit
        clf = LogisticRegression(C=c, solver="liblinear", max_iter=1000, random_state=0)
        clf.fit(x, labels)
        names = vec.get_feature_names_out()
        weights = {str(n): float(w) for n, w in zip(names, clf.coef_[0])}
        return cls(weights, float(clf.intercept_[0]), threshold, meta or {})


@lru_cache(maxsize=8)
def shipped(name: str) -> LinearModel | None:
    """The model `name` from streams/data/events/, or None when it has not been trained."""
    path = resources.files("streams.data").joinpath(f"events/{name}.json")
    if not path.is_file():
        return None
    return LinearModel.from_json(path.read_text(encoding="utf-8"))
