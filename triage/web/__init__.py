"""`triage serve`: a page for practitioners and a JSON API under /v1, on one shared Advisor.

Needs the `web` extra (`pip install 'rcd-triage[web]'`). Nothing is stored: the answers of an interview
travel in the page's forms (POST, never in a URL), and the access log holds method, path, status
and time only.

>>> from fastapi.testclient import TestClient
>>> client = TestClient(create_app())
>>> client.post("/v1/assess", json={"answers": {"immediate_danger": "yes"}}).json()["primary_route"]
'emergency_response'
"""

from triage.web._app import create_app
from triage.web._serve import serve

__all__ = ["create_app", "serve"]
