"""Always the same answer: across processes, and with or without the advisor's caches."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess

from conftest import console_script
from hypothesis import given, settings
from strategies import cases

import triage
from triage._analysis import RESTRICT_CACHE_SIZE
from triage._pack import pack_files

INPUTS = [
    {"complex": "yes", "multiagency": "yes", "reflection_sought": "yes", "decision_sought": "yes"},
    {"immediate_danger": "no", "unreported_harm_concern": "unknown", "plan_status": "childs_plan"},
    {},
]
TIMESTAMP = re.compile(rb'"timestamp": "[^"]*"')


def assess_in_a_new_process(answers: dict[str, str], hash_seed: str) -> bytes:
    done = subprocess.run(
        [console_script(), "assess", "--input", "-", "--json"],
        input=json.dumps(answers).encode(),
        capture_output=True,
        cwd="/",
        env={**os.environ, "PYTHONHASHSEED": hash_seed},
        timeout=60,
        check=True,
    )
    return done.stdout


def test_same_input_gives_byte_identical_json_across_processes() -> None:
    for answers in INPUTS:
        first = assess_in_a_new_process(answers, hash_seed="1")
        second = assess_in_a_new_process(answers, hash_seed="2")  # other set and dict orders
        assert TIMESTAMP.search(first)
        assert TIMESTAMP.sub(b"", first) == TIMESTAMP.sub(b"", second)


def test_the_audit_names_the_pack_version_and_content_hash() -> None:
    audit = json.loads(assess_in_a_new_process({"complex": "yes"}, hash_seed="0"))["audit"]
    folder = triage.default_pack_path()
    digest = hashlib.sha256()
    for path in pack_files(folder):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    version = re.search(r"^version: *['\"]?([^'\"\s]+)", (folder / "pack.yaml").read_text(), re.M)
    assert version is not None
    assert audit["pack"] == "moray-rcd"
    assert audit["pack_version"] == version[1]
    assert audit["pack_sha256"] == digest.hexdigest()


@settings(max_examples=300, deadline=None)
@given(cases())
def test_cached_restrictions_equal_fresh_ones(advisor: triage.Advisor, case: dict[str, str]) -> None:
    analysis = advisor.analysis
    for root in (analysis.primary, *analysis.recommended.values()):
        fresh = analysis._restrict(root, case, held=())
        for _ in range(2):  # the first call may fill the cache, the second reads it
            cached = analysis.restrict(root, case)
            assert cached.outcomes == fresh.outcomes
            assert dict(cached.variables) == dict(fresh.variables)


@settings(max_examples=100, deadline=None)
@given(cases())
def test_answers_with_warm_caches_equal_answers_from_a_fresh_advisor(
    advisor: triage.Advisor, case: dict[str, str]
) -> None:
    warm = advisor.assess(case).model_dump(mode="json")
    advisor.assess(case)
    fresh = triage.Advisor(advisor.pack).assess(case).model_dump(mode="json")
    for dump in (warm, fresh):
        dump["audit"].pop("timestamp")
    assert warm == fresh


def test_the_restriction_cache_stays_bounded() -> None:
    advisor = triage.Advisor()
    facts = [fact.id for fact in advisor.pack.facts if fact.answers == ("yes", "no", "unknown")]
    for number in range(3 * RESTRICT_CACHE_SIZE):
        answers = {
            fact: ("yes", "no", "unknown")[(number // 3**index) % 3] for index, fact in enumerate(facts)
        }
        advisor.assess(answers)
        assert len(advisor.analysis._restricted) <= RESTRICT_CACHE_SIZE
