"""A consumer with a misspelt name: both type checkers must reject it (tests/test_typing.py)."""

from __future__ import annotations

import triage
from triage import Interveiw

print(Interveiw, triage.Recomendation)
