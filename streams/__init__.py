"""Khabar: Persian news to political event streams."""
