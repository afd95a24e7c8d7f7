"""`triage serve`: a page for practitioners and a JSON API under /v1, on one shared Advisor.

Needs the `web` extra (`pip install 'rcd-triage[web]'`). Nothing is stored: the answers of an interview
travel in the page's forms (POST, never in a URL), and the access log holds method, path, status
and time only.

>>> from fastapi.testclient import TestClient
>>> from triage.web import create_app
>>> client = TestClient(create_app())
>>> client.post("/v1/assess", json={"answers": {"immediate_danger": "yes"}}).json()["primary_route"]
'emergency_response'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from triage.web._app import create_app
    from triage.web._serve import serve

__all__ = ["create_app", "serve"]


def __getattr__(name: str) -> Any:
    # Loaded on first use: the advice processes import this package for their work alone (_work),
    # and start faster without the web framework.
    if name == "create_app":
        from triage.web._app import create_app

        return create_app
    if name == "serve":
        from triage.web._serve import serve

        return serve
    raise AttributeError(f"module 'triage.web' has no attribute {name!r}")
