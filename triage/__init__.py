"""triage: advice on whether a Multiagency Reflective Case Discussion fits a case, or which
route fits better, with reasons and sources. Advice to discuss, never a decision.

>>> import triage
>>> safe = {"immediate_danger": "no", "unreported_harm_concern": "no"}
>>> rec = triage.assess({**safe, "complex": "yes", "multiagency": "yes", "reflection_sought": "yes"})
>>> rec.primary_route
'reflective_case_discussion'
>>> triage.assess({"complex": "yes"}).primary_route  # immediate danger unknown: precaution first
'child_protection_referral'
"""

import importlib
from typing import TYPE_CHECKING

from triage._advisor import Advisor, assess
from triage._case import Answer, Answers, Case, InputModel
from triage._errors import InputError, OutputError, PackError, TriageError
from triage._pack import Pack, default_pack_path, load_pack
from triage._recommendation import (
    Advice,
    Audit,
    FiredRule,
    FirstStep,
    OpenQuestion,
    RcdStatus,
    Recommendation,
    RouteAdvice,
    RuledOut,
)
from triage._version import __version__

# The tools beyond `assess` load on first use: each costs pydantic model building at import, and
# the command line should start as fast as a plain click + pydantic program.
_LAZY = {
    "BatchSummary": "triage._batch",
    "run_batch": "triage._batch",
    "CheckReport": "triage._pack_lint",
    "Finding": "triage._pack_lint",
    "check_pack": "triage._pack_lint",
    "Interview": "triage._interview",
    "rules_diagram": "triage._rules_picture",
    "render_markdown": "triage._recommendation_text",
    "render_text": "triage._recommendation_text",
    "Alternative": "triage._reasoning_results",
    "Alternatives": "triage._reasoning_results",
    "Changes": "triage._reasoning_results",
    "FailedTest": "triage._reasoning_results",
    "Question": "triage._reasoning_results",
    "QuestionGroup": "triage._reasoning_results",
    "RuleCheck": "triage._reasoning_results",
    "WhatIf": "triage._reasoning_results",
    "WhyNot": "triage._reasoning_results",
    "ScenarioReport": "triage._scenarios",
    "ScenarioResult": "triage._scenarios",
    "run_scenarios": "triage._scenarios",
}

if TYPE_CHECKING:
    from triage._batch import BatchSummary, run_batch
    from triage._interview import Interview
    from triage._pack_lint import CheckReport, Finding, check_pack
    from triage._reasoning_results import (
        Alternative,
        Alternatives,
        Changes,
        FailedTest,
        Question,
        QuestionGroup,
        RuleCheck,
        WhatIf,
        WhyNot,
    )
    from triage._recommendation_text import render_markdown, render_text
    from triage._rules_picture import rules_diagram
    from triage._scenarios import ScenarioReport, ScenarioResult, run_scenarios


if not TYPE_CHECKING:  # type checkers see the imports above: a misspelt name stays an error

    def __getattr__(name: str) -> object:
        module = _LAZY.get(name)
        if module is None:
            raise AttributeError(f"module 'triage' has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        globals()[name] = value
        return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "Advice",
    "Advisor",
    "Alternative",
    "Alternatives",
    "Answer",
    "Answers",
    "Audit",
    "BatchSummary",
    "Case",
    "Changes",
    "CheckReport",
    "FailedTest",
    "Finding",
    "FiredRule",
    "FirstStep",
    "InputError",
    "InputModel",
    "Interview",
    "OpenQuestion",
    "OutputError",
    "Pack",
    "PackError",
    "Question",
    "QuestionGroup",
    "RcdStatus",
    "Recommendation",
    "RouteAdvice",
    "RuleCheck",
    "RuledOut",
    "ScenarioReport",
    "ScenarioResult",
    "TriageError",
    "WhatIf",
    "WhyNot",
    "__version__",
    "assess",
    "check_pack",
    "default_pack_path",
    "load_pack",
    "render_markdown",
    "render_text",
    "rules_diagram",
    "run_batch",
    "run_scenarios",
]
