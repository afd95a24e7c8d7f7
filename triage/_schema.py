"""JSON Schemas of the public formats, generated from the pydantic models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, create_model

from triage._case import InputModel
from triage._models import Recommendation
from triage._pack import Pack, PackDocument
from triage._version import __version__

SCHEMA_KINDS = ("input", "output", "pack")
DRAFT = "https://json-schema.org/draft/2020-12/schema"
ID = "urn:triage:schema:{kind}:{version}"
"""A schema's `$id`: its kind and the version it describes (the library's for the output and the
pack format; the pack's for the input, whose facts are the pack's)."""


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

    The same schemas are published in the repository's schemas/ folder (default pack). Each has
    an `$id` and a `version`. The output schema allows properties it does not name (a later
    release may add some, and strict consumers must not break); the input schema refuses them,
    as the advisor does.

    >>> from triage import default_pack_path, load_pack
    >>> schema = json_schema("input", load_pack(default_pack_path()))
    >>> schema["properties"]["complex"]["anyOf"][0]["enum"]
    ['yes', 'no', 'unknown']
    >>> schema["$id"].startswith("urn:triage:schema:input:moray-rcd-"), schema["additionalProperties"]
    (True, False)
    """
    schema: dict[str, Any]
    version = __version__
    if kind == "input":
        version = f"{pack.id}-{pack.version}"
        schema = input_model(pack).model_json_schema()
        schema["description"] = (
            f"Answers for the rule pack {pack.label}: fact id to answer; a fact left out is unknown. "
            "true/false/null mean yes/no/unknown."
        )
    elif kind == "output":
        schema = _open(Recommendation.model_json_schema())
    else:
        schema = PackDocument.model_json_schema(by_alias=True)
        # The loader also takes one answer without a list (`is: "yes"`), as the pack files write it.
        answers = schema["$defs"]["Leaf"]["properties"]["is"]
        one = {"type": "string"}
        many = {key: answers.pop(key) for key in ("type", "items", "minItems")}
        answers["anyOf"] = [one, many]
    return {"$schema": DRAFT, "$id": ID.format(kind=kind, version=version), "version": version, **schema}


def _open(node: Any) -> Any:
    """The schema without `additionalProperties: false`: objects may gain properties."""
    if isinstance(node, dict):
        return {key: _open(value) for key, value in node.items() if key != "additionalProperties"}
    if isinstance(node, list):
        return [_open(item) for item in node]
    return node
