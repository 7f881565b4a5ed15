"""Verb readings of single tokens (streams/core/text/verbs.py), on forms chosen for these tests."""
from __future__ import annotations

import pytest

from streams.core.text.verbs import analyse


@pytest.mark.parametrize("token, past, tense, negative, subjunctive", [
    # a past stem that starts with ن or ب is read as written, not as another verb negated or subjunctive
    ("نوشت", "نوشت", "past", False, False),
    ("نشستند", "نشست", "past", False, False),
    ("نوشته", "نوشت", "participle", False, False),
    ("نگریست", "نگریست", "past", False, False),
    ("بست", "بست", "past", False, False),
    # the prefixes where the rest is the verb
    ("ننوشت", "نوشت", "past", True, False),
    ("نرفت", "رفت", "past", True, False),
    ("نیامد", "آمد", "past", True, False),
    ("بیاید", "آمد", "present", False, True),
    ("نمی‌نویسد", "نوشت", "present", True, False),
    # "کند" (does), never the past of کندن
    ("کند", "کرد", "present", False, False),
])
def test_verb_readings(token, past, tense, negative, subjunctive):
    form = analyse(token)
    assert (form.past, form.tense, form.negative, form.subjunctive) == (past, tense, negative, subjunctive)


def test_non_verbs_have_no_reading():
    assert analyse("سفر") is None and analyse("تهران") is None
