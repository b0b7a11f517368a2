"""Pydantic models for each kind of content file. Models forbid unknown fields so a typo in a
field name is caught rather than silently ignored."""
