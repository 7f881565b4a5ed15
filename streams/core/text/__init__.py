"""Text stage: normalisation with an offset map, tokens and sentences, numbers and dates."""
