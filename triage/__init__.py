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

from triage._advisor import Advisor, assess
from triage._batch import BatchSummary, run_batch
from triage._check import CheckReport, Finding, check_pack
from triage._errors import InputError, PackError, TriageError
from triage._interview import Interview
from triage._models import (
    Advice,
    Audit,
    FiredRule,
    OpenQuestion,
    RcdStatus,
    Recommendation,
    RouteAdvice,
    RuledOut,
)
from triage._pack import Pack, default_pack_path, load_pack
from triage._picture import rules_diagram
from triage._render import render_markdown, render_text
from triage._results import (
    Alternative,
    Alternatives,
    Changes,
    FailedTest,
    Question,
    RuleCheck,
    WhatIf,
    WhyNot,
)
from triage._scenarios import ScenarioReport, ScenarioResult, run_scenarios
from triage._version import __version__

__all__ = [
    "Advice",
    "Advisor",
    "Alternative",
    "Alternatives",
    "Audit",
    "BatchSummary",
    "Changes",
    "CheckReport",
    "FailedTest",
    "Finding",
    "FiredRule",
    "InputError",
    "Interview",
    "OpenQuestion",
    "Pack",
    "PackError",
    "Question",
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
