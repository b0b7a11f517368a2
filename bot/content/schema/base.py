"""Shared pieces of content models."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError


class Strict(BaseModel):
    """Content models reject unknown fields: a misspelt field is a mistake to report."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


def raise_at(model: str, mistakes: list[tuple[tuple[int | str, ...], str]]) -> None:
    """Raise whole-file mistakes (a duplicate id, an unknown topic) at the entry and field
    they concern, so the report names the line, not just the file. Pydantic passes a
    ValidationError raised inside a validator through with its own locations."""
    if mistakes:
        raise ValidationError.from_exception_data(
            model,
            [
                InitErrorDetails(
                    type=PydanticCustomError("content", "{message}", {"message": message}),
                    loc=loc,
                    input=None,
                )
                for loc, message in mistakes
            ],
        )


def duplicate_ids(
    list_name: str, ids: list[str], what: str
) -> list[tuple[tuple[int | str, ...], str]]:
    """A mistake at each entry whose id an earlier entry already uses. (Ids all different,
    the usual case, is seen from their set alone, in C: a 10,000-entry directory is checked
    at every cold load.)"""
    if len(set(ids)) == len(ids):
        return []
    first: dict[str, int] = {}
    mistakes: list[tuple[tuple[int | str, ...], str]] = []
    for i, item_id in enumerate(ids):
        if item_id in first:
            mistakes.append(
                (
                    (list_name, i, "id"),
                    f"two {what} share the id '{item_id}' (the other is entry "
                    f"{list_name}[{first[item_id]}]); give each its own id",
                )
            )
        else:
            first[item_id] = i
    return mistakes
