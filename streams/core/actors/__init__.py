"""Actor stage: gazetteer matching, the statistical NER tagger, linking mentions to actors."""
