"""Shared pieces of content models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """Content models reject unknown fields: a misspelt field is a mistake to report."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
