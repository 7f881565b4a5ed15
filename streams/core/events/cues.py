"""Cue words of the event rules by lemma (streams/data/events/cues.tsv): the word classes the rules ask for.

A rule names a class ("sanction.lift") and tests squashed tokens against `cues(cls)`, a frozen set of surface
forms expanded once from the lemma rows (`streams.core.text.wordclasses`: nouns with their suffixes, verbs
through their inflections, entries in the spelling the normaliser gives article text).  Matching stays one set
look-up per token.
"""
from __future__ import annotations

from streams.core.text.wordclasses import (Cue, WordClasses, expand, expand_phrase, problems, read, spelled,
                                           used_classes, verb_forms)

__all__ = ["Cue", "EVENT_CUES", "classes", "cues", "expand", "expand_phrase", "lemmas", "phrases", "problems", "read",
           "rows", "spelled", "used_classes", "verb_forms"]

EVENT_CUES = WordClasses("events/cues.tsv")
rows, cues, phrases, lemmas, classes = (EVENT_CUES.rows, EVENT_CUES.words, EVENT_CUES.phrases, EVENT_CUES.lemmas,
                                        EVENT_CUES.classes)
