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
from triage._errors import InputError, PackError, TriageError
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
from triage._version import __version__

__all__ = [
    "Advice",
    "Advisor",
    "Audit",
    "FiredRule",
    "InputError",
    "OpenQuestion",
    "Pack",
    "PackError",
    "RcdStatus",
    "Recommendation",
    "RouteAdvice",
    "RuledOut",
    "TriageError",
    "__version__",
    "assess",
    "default_pack_path",
    "load_pack",
    "render_markdown",
    "render_text",
    "rules_diagram",
]
