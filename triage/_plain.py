"""Pydantic models the library builds and writes itself, without pydantic's validation machinery.

The answer models are built from data the library made (the pack's validated text, the engine's
matches, a validated case): validating it again costs a fifth of an assessment, and building the
validators costs the command line a third of its start (pydantic's plugin lookup imports
importlib.metadata). `made` builds a model from such values as `Model(**values)` would, in about
0.6 µs (keyword arguments alone cost 1.7 µs, validation several), and `plain_data` gives what
`model.model_dump(mode="json")` gives for the answer models (strings, booleans, None, lists, dicts
and nested models only). Tests hold both to pydantic's own results.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
_new = object.__new__
_set = object.__setattr__


_every_field: dict[type[BaseModel], set[str]] = {}


def made(model: type[M], values: dict[str, Any]) -> M:
    """`model(**values)` for values already of the field types: every field given, in the model's
    order, no aliases; the new model owns `values` (the caller keeps no reference to it)."""
    instance = _new(model)
    _set(instance, "__dict__", values)
    # Every field is set, in every model made here: one set of them per model class serves all
    # (pydantic copies it before changing it, as in model_copy; `model_fields_set` of an answer is
    # that shared set, to be read, not changed).
    fields = _every_field.get(model)
    if fields is None:
        fields = _every_field.setdefault(model, set(model.model_fields))
    _set(instance, "__pydantic_fields_set__", fields)
    _set(instance, "__pydantic_extra__", None)
    _set(instance, "__pydantic_private__", None)
    return instance


def plain_data(value: Any) -> Any:
    """JSON data of an answer model: `value.model_dump(mode="json")` for the answer models."""
    if isinstance(value, BaseModel):
        return {name: plain_data(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, (list, tuple)):
        return [plain_data(item) for item in value]
    if isinstance(value, dict):
        return {key: plain_data(item) for key, item in value.items()}
    return value
