"""Event stage: sentence views, sanction and visit extraction, CAMEO/PLOVER codes."""
