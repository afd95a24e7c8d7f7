"""Answers of the wrong kind given to an interview: both checkers must refuse both calls
(tests/test_typing.py)."""

from __future__ import annotations

import triage

interview = triage.Interview(triage.Advisor(), answers=["complex"])
interview.answer("complex", 3.5)
