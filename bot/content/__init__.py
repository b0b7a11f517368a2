"""Curated content: files in ``content/`` validated by pydantic models, reloadable live."""
