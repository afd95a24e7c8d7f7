"""JSON Schemas of the public formats, generated from the pydantic models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, create_model

from triage._case import InputModel
from triage._models import Recommendation
from triage._pack import Pack, PackDocument

SCHEMA_KINDS = ("input", "output", "pack")
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def input_model(pack: Pack) -> type[InputModel]:
    """A pydantic model of a question (answers) for a pack: every fact optional."""
    fields: dict[str, Any] = {}
    for fact in pack.facts:
        words: Any = Literal[fact.answers]
        kind: Any = words | bool | None if set(fact.answers) >= {"yes", "no"} else words | None
        description = fact.question + (f" ({fact.help})" if fact.help else "")
        fields[fact.id] = (kind, Field(None, description=description))
    model: type[InputModel] = create_model("Answers", __base__=InputModel, **fields)
    return model


def json_schema(kind: str, pack: Pack) -> dict[str, Any]:
    """The JSON Schema of 'input' (the answers for this pack), 'output' or 'pack'.

    The same schemas are published in the repository's schemas/ folder (default pack).

    >>> from triage import default_pack_path, load_pack
    >>> schema = json_schema("input", load_pack(default_pack_path()))
    >>> schema["properties"]["complex"]["anyOf"][0]["enum"]
    ['yes', 'no', 'unknown']
    """
    schema: dict[str, Any]
    if kind == "input":
        schema = input_model(pack).model_json_schema()
        schema["description"] = (
            f"Answers for the rule pack {pack.label}: fact id to answer; a fact left out is unknown. "
            "true/false/null mean yes/no/unknown."
        )
    elif kind == "output":
        schema = Recommendation.model_json_schema()
    else:
        schema = PackDocument.model_json_schema(by_alias=True)
        # The loader also takes one answer without a list (`is: "yes"`), as the pack files write it.
        answers = schema["$defs"]["Leaf"]["properties"]["is"]
        one = {"type": "string"}
        many = {key: answers.pop(key) for key in ("type", "items", "minItems")}
        answers["anyOf"] = [one, many]
    return {"$schema": DRAFT, **_without_examples(schema)}


def _without_examples(node: Any) -> Any:
    """The schema with the docstrings' doctest examples cut from its descriptions: they are for
    Python readers, and would make the published schema change with every example."""
    if isinstance(node, dict):
        return {
            key: value.split("\n\n>>>")[0]
            if key == "description" and isinstance(value, str)
            else _without_examples(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_without_examples(item) for item in node]
    return node
