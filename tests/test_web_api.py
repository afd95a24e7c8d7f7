"""The HTTP API of `triage serve`: the library's answers, errors as JSON, safe by default."""

from __future__ import annotations

import json
import logging
import re
import urllib.request
from typing import Any

import pytest
from fastapi.testclient import TestClient

import triage
from tests.conftest import ROOT, load_scenarios, run_cli
from tests.webserver import running_server, server_log
from triage.web import create_app

SCENARIOS = load_scenarios()
SAFE = {"immediate_danger": "no", "unreported_harm_concern": "no"}


@pytest.fixture(scope="module")
def client(advisor: triage.Advisor) -> TestClient:
    return TestClient(create_app(advisor))


def without_time(data: Any) -> Any:
    """JSON of a result with every audit timestamp dropped (the one part that differs by call)."""
    if isinstance(data, dict):
        return {key: without_time(value) for key, value in data.items() if key != "timestamp"}
    if isinstance(data, list):
        return [without_time(item) for item in data]
    return data


def same(response: Any, result: Any) -> None:
    assert response.status_code == 200, response.text
    assert without_time(response.json()) == without_time(result.model_dump(mode="json"))


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s["name"] for s in SCENARIOS])
def test_assess_equals_the_library(
    client: TestClient, advisor: triage.Advisor, scenario: dict[str, Any]
) -> None:
    response = client.post("/v1/assess", json={"answers": scenario["facts"]})
    same(response, advisor.assess(scenario["facts"]))
    assert response.json()["primary_route"] == scenario["expect"].get(
        "primary", response.json()["primary_route"]
    )


@pytest.mark.parametrize("scenario", SCENARIOS[:4], ids=[s["name"] for s in SCENARIOS[:4]])
def test_reasoning_tools_equal_the_library(
    client: TestClient, advisor: triage.Advisor, scenario: dict[str, Any]
) -> None:
    facts = scenario["facts"]
    change = {"immediate_danger": "yes"}
    same(
        client.post("/v1/what-if", json={"answers": facts, "changes": change}), advisor.what_if(facts, change)
    )
    same(
        client.post("/v1/alternatives", json={"answers": facts, "max_changes": 1}),
        advisor.alternatives(facts, 1),
    )
    same(client.post("/v1/alternatives", json={"answers": facts}), advisor.alternatives(facts))
    route = "reflective_case_discussion"
    same(client.post("/v1/why-not", json={"answers": facts, "route": route}), advisor.why_not(facts, route))


def test_interview_next_walks_the_library_interview(client: TestClient, advisor: triage.Advisor) -> None:
    """Answering each next question the API gives, as a scenario would, asks exactly the questions
    the library's Interview asks, and ends on the same advice."""
    facts = SCENARIOS[0]["facts"]
    interview = triage.Interview(advisor)
    answers: dict[str, str] = {}
    while True:
        body = client.post("/v1/interview/next", json={"answers": answers}).json()
        expected = interview.next_question()
        assert without_time(body["recommendation"]) == without_time(
            interview.recommendation().model_dump(mode="json")
        )
        if expected is None:
            assert body["question"] is None
            break
        assert body["question"] == expected.model_dump(mode="json")
        answers[expected.fact] = facts.get(expected.fact, "unknown")  # a scenario leaves it unknown
        interview.answer(expected.fact, answers[expected.fact])
    assert body["recommendation"]["primary_route"] == SCENARIOS[0]["expect"]["primary"]


def test_facts_routes_version_health(client: TestClient, advisor: triage.Advisor) -> None:
    pack = advisor.pack
    assert [fact["id" if "id" in fact else "fact"] for fact in client.get("/v1/facts").json()] == list(
        pack.fact
    )
    assert [route["id"] for route in client.get("/v1/routes").json()] == [route.id for route in pack.routes]
    version = client.get("/v1/version").json()
    assert version == {
        "library": triage.__version__,
        "pack": pack.id,
        "pack_version": pack.version,
        "pack_sha256": pack.sha256,
        "engine": advisor.engine,
    }
    assert client.get("/healthz").json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (b"{not json", 400, "bad_input", None),
        (b"[1, 2]", 400, "bad_input", None),
        (b'{"answers": {}, "answers": {}}', 422, "given_twice", "answers"),
        (b'{"answers": {"complx": "yes"}}', 422, "unknown_fact", "complx"),
        (b'{"answers": {"complex": "maybe"}}', 422, "bad_answer", "complex"),
        (b'{"answers": {"complex": 1}}', 422, "bad_answer", "complex"),
        (b'{"answers": {"complex": "YES"}}', 422, "bad_answer", "complex"),
        (b'{"answers": []}', 422, "bad_field", "answers"),
        (b'{"answrs": {}}', 422, "bad_field", "answrs"),
    ],
)
def test_bad_bodies_are_json_errors(
    client: TestClient, body: bytes, status: int, code: str, field: str | None
) -> None:
    response = client.post("/v1/assess", content=body, headers={"content-type": "application/json"})
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "error": {
            "code": code,
            "message": response.json()["error"]["message"],
            "field": field,
            "file": None,
            "line": None,
        }
    }
    assert "Traceback" not in response.text


def test_bad_fields_of_the_tools(client: TestClient) -> None:
    cases = [
        ("/v1/why-not", {"answers": {}, "route": "nope"}, "route"),
        ("/v1/why-not", {"answers": {}}, "route"),
        ("/v1/alternatives", {"max_changes": 9}, "max_changes"),
        ("/v1/alternatives", {"max_changes": "2"}, "max_changes"),
        ("/v1/what-if", {"answers": {}, "changes": {"complex": "perhaps"}}, "complex"),
    ]
    for path, body, field in cases:
        response = client.post(path, json=body)
        assert response.status_code == 422, (path, body)
        assert response.json()["error"]["field"] == field


def test_unknown_paths_and_methods(client: TestClient) -> None:
    assert client.get("/v1/nothing").json()["error"]["code"] == "not_found"
    assert client.get("/v1/nothing").status_code == 404
    response = client.get("/v1/assess")
    assert (response.status_code, response.json()["error"]["code"]) == (405, "method_not_allowed")
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")


def test_free_text_is_never_echoed(client: TestClient) -> None:
    response = client.post("/v1/assess", json={"answers": {"Jane Doe 12 High Street": "she is at risk"}})
    assert response.status_code == 422
    assert "Jane" not in response.text
    response = client.post("/v1/assess", json={"answers": {"complex": "Jane Doe is at risk"}})
    assert "Jane" not in response.text


def test_bodies_over_the_limit_get_413(advisor: triage.Advisor) -> None:
    small = TestClient(create_app(advisor, max_body_bytes=100))
    big = json.dumps({"answers": {"complex": "yes"}, "pad": "x" * 200})
    response = small.post("/v1/assess", content=big)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_large"

    def chunks() -> Any:  # no content-length: refused while streaming
        yield big.encode()[:80]
        yield big.encode()[80:]

    assert small.post("/v1/assess", content=chunks()).status_code == 413
    assert small.post("/question", content=chunks()).status_code == 413


def test_an_internal_error_is_json_without_a_trace(advisor: triage.Advisor, monkeypatch: Any) -> None:
    # In a thread of this process (processes=0), where the patched Advisor is the one that runs.
    client = TestClient(create_app(advisor, processes=0), raise_server_exceptions=False)

    def broken(_self: Any, _answers: Any) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setattr(triage.Advisor, "assess", broken)
    response = client.post("/v1/assess", json={"answers": {}})
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "internal_error"
    assert "secret" not in response.text
    assert "Traceback" not in response.text


@pytest.mark.parametrize("path", ["/", "/v1/version", "/static/style.css", "/healthz", "/v1/nothing"])
def test_security_headers_on_every_response(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    csp = headers["content-security-policy"]
    assert "default-src 'none'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cache-control"] == "no-store"


def test_access_log_holds_method_path_status_and_time_only(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="triage.web.access"):
        client.post("/v1/assess?who=someone", json={"answers": {"complex": "yes"}})
        client.post("/question", data={"answered": "immediate_danger=no"})
    lines = [record.getMessage() for record in caplog.records if record.name == "triage.web.access"]
    assert len(lines) == 2
    assert re.fullmatch(r"POST /v1/assess 200 \d+\.\dms", lines[0])
    assert re.fullmatch(r"POST /question 200 \d+\.\dms", lines[1])


def test_openapi_document_is_committed_and_free_of_doctest_text(client: TestClient) -> None:
    served = client.get("/openapi.json").json()
    committed = ROOT / "schemas" / "openapi.json"
    assert json.loads(committed.read_text()) == served, (
        "schemas/openapi.json drifted from the app: run `python tools/regenerate.py`, or regenerate it with\n"
        '  .venv/bin/python -c "import json, triage.web as w; from fastapi.testclient import TestClient; '
        "print(json.dumps(TestClient(w.create_app()).get('/openapi.json').json(), indent=2))\" "
        "> schemas/openapi.json"
    )
    text = json.dumps(served)
    assert ">>>" not in text
    for path in ["/v1/assess", "/v1/what-if", "/v1/alternatives", "/v1/why-not", "/v1/interview/next"]:
        assert "post" in served["paths"][path]
    for path in ["/v1/facts", "/v1/routes", "/v1/version", "/healthz"]:
        assert "get" in served["paths"][path]
    assert "/question" not in served["paths"]  # the page is not part of the API


def test_serve_command_binds_loopback_and_says_it_stores_nothing() -> None:
    with running_server() as (url, process):
        assert url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(f"{url}/healthz", timeout=10) as response:  # noqa: S310 (loopback)
            assert json.load(response) == {"status": "ok"}
        # The lines after the first may already sit in the pipe's reader: read them from it, as
        # communicate() reads the pipe beneath it and would not see them.
        assert process.stdout is not None
        said = process.stdout.readline()
        process.terminate()
        out, _ = process.communicate(timeout=60)
        err = server_log(process)
    assert "stores nothing" in said + out
    assert re.search(r"GET /healthz 200 \d+\.\dms", err)
    assert "Traceback" not in err


def test_serve_on_a_busy_port_is_one_line() -> None:
    with running_server() as (url, _process):
        port = url.rsplit(":", 1)[1]
        result = run_cli("serve", "--port", port)
    assert result.returncode == 2
    assert result.stderr.startswith("triage: error: cannot listen on 127.0.0.1 port")
    assert len(result.stderr.splitlines()) == 1


def test_serve_help_names_the_defaults() -> None:
    result = run_cli("serve", "--help")
    assert result.returncode == 0
    assert "127.0.0.1" in result.stdout


def test_readme_curl_example_is_real(client: TestClient) -> None:
    readme = (ROOT / "docs" / "integration.md").read_text()
    found = re.search(
        r"^\$ curl -s http://127\.0\.0\.1:8000(\S+) -H '(.*?): (.*?)' -d '(.*?)' \| head -c (\d+)\n(.*)$",
        readme,
        re.M,
    )
    assert found is not None
    path, header, value, body, size, shown = found.groups()
    response = client.post(path, content=body, headers={header: value})
    assert response.status_code == 200
    assert response.text[: int(size)] == shown


def test_head_is_answered_wherever_get_is(client: TestClient) -> None:
    for path in ["/", "/healthz", "/v1/version", "/static/style.css"]:
        response = client.head(path)
        assert response.status_code == 200, path
        assert response.content == b""
        assert response.headers["content-type"] == client.get(path).headers["content-type"]


def test_method_not_allowed_says_which_are(client: TestClient) -> None:
    assert client.get("/v1/assess").headers["allow"] == "POST"
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", ["/healthz/", "/v1/assess/", "/static", "/v1/version/"])
def test_no_redirect_is_built_from_the_host_header(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"host": "evil.example"}, follow_redirects=False)
    assert not 300 <= response.status_code < 400
    assert "evil" not in json.dumps(dict(response.headers))


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"sec-fetch-site": "same-site", "origin": "http://testserver"},
        {"sec-fetch-site": "cross-site", "origin": "http://testserver"},
    ],
)
def test_requests_from_another_site_are_refused(client: TestClient, headers: dict[str, str]) -> None:
    api = client.post("/v1/assess", json={"answers": {}}, headers=headers)
    assert api.status_code == 403
    assert api.json()["error"]["code"] == "cross_site"
    page = client.post(
        "/question", data={"asking": "immediate_danger", "immediate_danger": "no"}, headers=headers
    )
    assert page.status_code == 403
    assert page.headers["content-type"].startswith("text/html")


def test_requests_from_the_page_itself_or_a_program_are_answered(client: TestClient) -> None:
    for headers in [
        {"origin": "http://testserver", "sec-fetch-site": "same-origin"},
        {"origin": "https://triage.council.example", "x-forwarded-host": "triage.council.example"},
        {"sec-fetch-site": "none"},
        {"sec-fetch-site": "same-origin", "origin": "null"},
        {},
    ]:
        assert client.post("/v1/assess", json={"answers": {}}, headers=headers).status_code == 200, headers


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"]
)
def test_the_api_refuses_a_body_that_is_not_json(client: TestClient, content_type: str) -> None:
    response = client.post("/v1/assess", content=b'{"answers": {}}', headers={"content-type": content_type})
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "not_json"


def test_the_api_reads_json_with_or_without_a_content_type(client: TestClient) -> None:
    for headers in [
        {},
        {"content-type": "application/json; charset=utf-8"},
        {"content-type": "application/vnd.x+json"},
    ]:
        assert client.post("/v1/assess", content=b'{"answers": {}}', headers=headers).status_code == 200


def test_a_form_field_given_twice_is_refused(client: TestClient) -> None:
    body = "asking=complex&complex=yes&complex=no&answered=immediate_danger%3Dno"
    headers = {"content-type": "application/x-www-form-urlencoded"}
    response = client.post("/question", content=body, headers=headers)
    assert response.status_code == 422
    assert "given more than once" in response.text
    # The answers so far travel in one field given once per answer.
    body = "answered=immediate_danger%3Dno&answered=unreported_harm_concern%3Dno"
    assert client.post("/advice", content=body, headers=headers).status_code == 200


def test_create_app_takes_a_pack_or_its_folder(advisor: triage.Advisor) -> None:
    toy = ROOT / "tests" / "packs" / "toy"
    for pack in [toy, triage.load_pack(toy)]:
        version = TestClient(create_app(pack=pack)).get("/v1/version").json()
        assert version["pack_sha256"] == triage.load_pack(toy).sha256
    with pytest.raises(ValueError, match="not both"):
        create_app(advisor, pack=toy)


def test_mounted_in_a_host_app_its_errors_stay_json(advisor: triage.Advisor) -> None:
    from fastapi import FastAPI

    host = FastAPI()
    host.mount("/triage", create_app(advisor))
    mounted = TestClient(host)
    assert mounted.get("/triage/healthz").json() == {"status": "ok"}
    assert mounted.post("/triage/v1/assess", json={"answers": {"immediate_danger": "yes"}}).status_code == 200
    missing = mounted.get("/triage/v1/nothing")
    assert (missing.status_code, missing.json()["error"]["code"]) == (404, "not_found")
    refused = mounted.post("/triage/v1/assess", json={"answers": {"complex": "perhaps"}})
    assert (refused.status_code, refused.json()["error"]["field"]) == (422, "complex")
    assert mounted.get("/triage/no-such-page").headers["content-type"].startswith("text/html")


def test_readyz_says_ready_once_the_pack_has_answered(client: TestClient) -> None:
    response = client.get("/readyz")
    assert (response.status_code, response.json()) == (200, {"status": "ready"})


def links_of(html: str) -> list[str]:
    """Every link of a page but its base."""
    return re.findall(r'(?:href|src|action)="([^"]*)"', re.sub(r"<base [^>]*>", "", html))


@pytest.mark.parametrize("mounted", [False, True], ids=["behind a proxy", "mounted in a host app"])
def test_under_a_root_path_every_link_stays_inside_it(advisor: triage.Advisor, mounted: bool) -> None:
    from fastapi import FastAPI

    if mounted:
        host = FastAPI()
        host.mount("/triage", create_app(advisor))
        under = TestClient(host)
        start = under.get("/triage/")
    else:  # the proxy takes /triage off and the server is told it (--root-path)
        under = TestClient(create_app(advisor), root_path="/triage")
        start = under.get("/")
    assert start.status_code == 200
    assert '<base href="/triage/">' in start.text
    for link in links_of(start.text):
        assert not link.startswith(("/", "http:", "https:")), link  # relative: the base keeps it inside
    first = under.post("/triage/question" if mounted else "/question", data={})
    assert first.status_code == 200
    assert all(not link.startswith("/") for link in links_of(first.text))
    back = under.post(
        "/triage/question" if mounted else "/question", data={"back": "1"}, follow_redirects=False
    )
    assert (back.status_code, back.headers["location"]) == (303, "/triage/")


def test_openapi_names_each_operation_and_types_the_answers_with_the_packs_facts(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    ids = {
        path: [operation["operationId"] for operation in item.values()]
        for path, item in document["paths"].items()
    }
    assert ids["/v1/assess"] == ["assess"] and ids["/v1/what-if"] == ["what_if"]
    assert ids["/v1/interview/next"] == ["interview_next"] and ids["/healthz"] == ["healthz"]
    assert all(
        "_v1_" not in name and not name.endswith(("_post", "_get"))
        for names in ids.values()
        for name in names
    )
    schemas = document["components"]["schemas"]
    pack = triage.load_pack(triage.default_pack_path())
    answers = schemas["Answers"]
    assert list(answers["properties"]) == [fact.id for fact in pack.facts]
    assert answers["additionalProperties"] is False
    for fact in pack.facts:
        (words,) = [kind for kind in answers["properties"][fact.id]["anyOf"] if "enum" in kind]
        assert words["enum"] == list(fact.answers)
    typed = {"$ref": "#/components/schemas/Answers"}
    assert schemas["AssessRequest"]["properties"]["answers"] == typed
    assert schemas["WhatIfRequest"]["properties"]["changes"] == typed


def test_readyz_is_not_ready_while_the_pack_cannot_answer(
    advisor: triage.Advisor, monkeypatch: Any, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(_self: Any, _answers: Any) -> None:
        raise triage.PackError("cannot run")

    monkeypatch.setattr(triage.Advisor, "assess", broken)
    client = TestClient(create_app(advisor, processes=0))
    with caplog.at_level(logging.ERROR, logger="triage.web"):
        response = client.get("/readyz")
    assert (response.status_code, response.json()) == (503, {"status": "not ready"})
    assert "not ready: cannot run" in caplog.text
    monkeypatch.undo()
    assert client.get("/readyz").status_code == 200  # asked again, it tries again
