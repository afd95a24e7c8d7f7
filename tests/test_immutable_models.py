"""Every public model is immutable all the way down: frozen, its sequences tuples and its mappings
frozen (FrozenDict), so that no consumer can change an answer in place, whichever tool gave it."""

from __future__ import annotations

import types
import typing
from typing import Annotated, Any, Union, get_args, get_origin

import pytest
from pydantic import BaseModel

import triage
from triage._recommendation import FrozenDict, frozen
from triage.web import _api, _work

WEB_MODELS = (_work.NextQuestion, _api.Route, _api.Version, _api.Health, _api.Error)


def public_models() -> list[type[BaseModel]]:
    """The models of the public face, and those of the HTTP API's answers."""
    exported = (getattr(triage, name) for name in triage.__all__)
    found = [value for value in exported if isinstance(value, type) and issubclass(value, BaseModel)]
    return [model for model in (*found, *WEB_MODELS) if model is not triage.InputModel]


def freezes(metadata: tuple[Any, ...]) -> bool:
    """Whether a field's validators make its mapping a FrozenDict."""
    return any(getattr(item, "func", None) in (FrozenDict, frozen) for item in metadata)


def mutable_types(kind: Any, where: str, seen: set[type[BaseModel]]) -> list[str]:
    """Where a type (a field's, searched into the models it holds) lets a value change in place."""
    origin = get_origin(kind)
    if origin is Annotated:
        base, *metadata = get_args(kind)
        if get_origin(base) is dict and freezes(tuple(metadata)):
            return [found for arg in get_args(base) for found in mutable_types(arg, f"{where}[]", seen)]
        return mutable_types(base, where, seen)
    if kind in (list, dict, set, bytearray) or origin in (list, dict, set):
        return [where]
    if origin in (tuple, Union, types.UnionType, typing.Literal):
        return [found for arg in get_args(kind) for found in mutable_types(arg, where, seen)]
    if isinstance(kind, type) and issubclass(kind, BaseModel) and kind not in seen:
        seen.add(kind)
        found = [] if kind.model_config.get("frozen") else [f"{kind.__name__} (not frozen)"]
        for name, field in kind.model_fields.items():
            found += mutable_types(field.rebuild_annotation(), f"{kind.__name__}.{name}", seen)
        return found
    return []


def test_the_walk_finds_a_list_a_plain_dict_and_a_model_that_is_not_frozen() -> None:
    class Loose(BaseModel):
        items: list[str]
        table: dict[str, str] | None
        fine: tuple[str, ...]

    assert mutable_types(Loose, "Loose", set()) == ["Loose (not frozen)", "Loose.items", "Loose.table"]


@pytest.mark.parametrize("model", public_models(), ids=lambda model: model.__name__)
def test_a_public_model_holds_no_list_dict_or_set_all_the_way_down(model: type[BaseModel]) -> None:
    assert mutable_types(model, model.__name__, set()) == []


def test_the_reasoning_answers_refuse_changes_in_place() -> None:
    advisor = triage.Advisor()
    found = advisor.alternatives({}, max_changes=2)
    why = advisor.why_not({"agency_not_responding": "no"}, "multiagency_escalation")
    changed = advisor.what_if({}, {"immediate_danger": "yes"}).changed
    assert isinstance(found.alternatives, tuple) and isinstance(why.rules[0].failed[0].needed, tuple)
    assert isinstance(changed.routes_added, tuple) and isinstance(why.explanation, tuple)
    with pytest.raises(TypeError):
        found.alternatives[0].set["immediate_danger"] = "no"
