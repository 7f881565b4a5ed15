"""The extraction pipeline: components over one Document, in order (like a spaCy pipeline)."""
from __future__ import annotations

import os
from functools import lru_cache
from typing import Any, Callable, Mapping

from streams.core.actors.recognizer import ActorRecognizer
from streams.core.events.codes import assign_codes
from streams.core.text.dates import find_dates
from streams.core.document import Document
from streams.core.events.sanctions import find_sanctions
from streams.core.events.visit_decision import find_visits

Component = Callable[[Document], Document]


class Pipeline:
    def __init__(self, components: list[tuple[str, Component]]):
        self.components = components

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.components]

    def __call__(self, article: Mapping[str, Any]) -> Document:
        doc = Document.from_article(article)
        for _, component in self.components:
            doc = component(doc)
        return doc


def load_ner():
    """The statistical NER tagger, or None when disabled (KHABAR_NER=0) or no model ships."""
    if os.environ.get("KHABAR_NER", "1") == "0":
        return None
    try:
        from streams.core.actors.ner import get_tagger
        return get_tagger()
    except (ImportError, FileNotFoundError, OSError):
        return None


@lru_cache(maxsize=2)
def default_pipeline(use_ner: bool = True) -> Pipeline:
    return Pipeline([
        ("actors", ActorRecognizer(ner=load_ner() if use_ner else None)),
        ("dates", find_dates),
        ("sanctions", find_sanctions),
        ("visits", find_visits),
        ("codes", assign_codes),
    ])
