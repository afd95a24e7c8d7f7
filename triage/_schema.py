"""JSON Schemas of the public formats, generated from the pydantic models."""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import ConfigDict, Field, create_model

from triage._models import Recommendation
from triage._pack import Pack, PackDocument

SCHEMA_KINDS = ("input", "output", "pack")


def input_model(pack: Pack) -> type:
    """A pydantic model of a question (answers) for a pack: every fact optional."""
    fields: dict[str, Any] = {}
    for fact in pack.facts:
        words = Literal[fact.answers]  # type: ignore[valid-type]
        kind: Any = Optional[Union[words, bool]] if set(fact.answers) >= {"yes", "no"} else Optional[words]
        description = fact.question + (f" ({fact.help})" if fact.help else "")
        fields[fact.id] = (kind, Field(None, description=description))
    return create_model(  # type: ignore[call-overload, no-any-return]
        "Answers", __config__=ConfigDict(extra="forbid"), **fields
    )


def json_schema(kind: str, pack: Pack) -> dict[str, Any]:
    """The JSON Schema of 'input' (the answers for this pack), 'output' or 'pack'."""
    if kind == "input":
        schema = input_model(pack).model_json_schema()
        schema["description"] = (
            f"Answers for the rule pack {pack.label}: fact id to answer; a fact left out is unknown. "
            "true/false/null mean yes/no/unknown."
        )
        return schema
    if kind == "output":
        return Recommendation.model_json_schema()
    return PackDocument.model_json_schema(by_alias=True)
