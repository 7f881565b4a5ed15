"""Khabar: Persian news to political event streams.

`extract(article)` returns the enriched record for one article: the same record the stream
publishes on `articles.enriched`.  It needs no broker.
"""
from __future__ import annotations

from typing import Any, Mapping

__all__ = ["extract", "InvalidArticle"]


def extract(article: Mapping[str, Any], *, processed_at: str | None = None) -> dict[str, Any]:
    """Enrich one article (a mapping with at least `id` and `body`); raises InvalidArticle on bad input."""
    from streams.core.pipeline import default_pipeline
    from streams.core.record import check_article, enriched_record

    checked = check_article(article)
    return enriched_record(default_pipeline()(checked), processed_at=processed_at)


def __getattr__(name: str):
    if name == "InvalidArticle":
        from streams.core.record import InvalidArticle
        return InvalidArticle
    raise AttributeError(name)
