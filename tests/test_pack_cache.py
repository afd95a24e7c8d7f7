"""The command line's pack cache: used only for unchanged files, never trusted over them, safe."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import pickle
import re
import secrets
import shutil
import stat
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import console_script, edit, run_cli

import triage
from triage import _pack, _pack_cache
from triage._atomic import part_path
from triage._pack_cache import load_pack_cached

TIMESTAMP = re.compile(r'"timestamp": "[^"]*"')


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("TRIAGE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def pack_copy(tmp_path: Path) -> Path:
    return Path(shutil.copytree(triage.default_pack_path(), tmp_path / "pack"))


def entries(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.pack")) if cache.exists() else []


def no_yaml(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the YAML was read: not a cache hit")

    monkeypatch.setattr(_pack, "read_yaml", refuse)


def test_a_hit_gives_the_pack_that_loading_gives_without_reading_the_yaml(
    cache: Path, pack_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loaded = load_pack_cached(pack_copy)
    assert len(entries(cache)) == 1
    no_yaml(monkeypatch)
    cached = load_pack_cached(pack_copy)
    assert cached.document == loaded.document
    assert (cached.sha256, cached.path) == (loaded.sha256, pack_copy)
    answers = {"complex": "yes", "multiagency": "yes"}
    assert triage.Advisor(cached).assess(answers).model_dump(exclude={"audit"}) == triage.Advisor(
        loaded
    ).assess(answers).model_dump(exclude={"audit"})


def test_an_edited_pack_is_a_miss_and_its_new_rules_apply(cache: Path, pack_copy: Path) -> None:
    before = load_pack_cached(pack_copy)
    edit(
        pack_copy,
        "rules.yaml",
        'when: {fact: immediate_danger, is: "yes"}',
        'when: {fact: complex, is: "yes"}',
    )
    after = load_pack_cached(pack_copy)
    assert after.sha256 != before.sha256
    assert triage.Advisor(after).assess({"complex": "yes"}).primary_route == "emergency_response"
    assert after.sha256 == triage.load_pack(pack_copy).sha256


def test_an_edited_pack_that_no_longer_validates_is_refused_despite_the_cache(
    cache: Path, pack_copy: Path
) -> None:
    load_pack_cached(pack_copy)
    edit(pack_copy, "rules.yaml", "route: emergency_response", "route: emergency_respnse")
    with pytest.raises(triage.PackError, match="emergency_respnse"):
        load_pack_cached(pack_copy)


@pytest.mark.parametrize("damage", [b"", b"garbage", b"triage-pack-cache 1\n"])
def test_a_corrupt_entry_is_ignored_and_replaced(cache: Path, pack_copy: Path, damage: bytes) -> None:
    good = load_pack_cached(pack_copy)
    (entry,) = entries(cache)
    entry.write_bytes(damage if damage else entry.read_bytes()[: len(entry.read_bytes()) // 2])
    assert load_pack_cached(pack_copy).document == good.document
    assert entry.read_bytes() != damage


class _Plant:
    """What a planted cache entry would run if it were unpickled freely."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, ...]:
        return (Path.touch, (self.marker,))


def test_a_planted_entry_with_the_right_header_runs_no_code(
    cache: Path, pack_copy: Path, tmp_path: Path
) -> None:
    good = load_pack_cached(pack_copy)
    (entry,) = entries(cache)
    header = b"".join(entry.read_bytes().splitlines(keepends=True)[:2])
    marker = tmp_path / "ran"
    planted = pickle.dumps(_Plant(marker))
    # Checked with the cache's own key (as if it had leaked): only the unpickler stands in the way.
    check = hmac.new((cache / "key").read_bytes(), header + planted, hashlib.sha256).hexdigest().encode()
    entry.write_bytes(header + check + b"\n" + planted)
    assert load_pack_cached(pack_copy).document == good.document
    assert not marker.exists()


def test_an_entry_whose_content_changed_is_a_miss(cache: Path, pack_copy: Path) -> None:
    good = load_pack_cached(pack_copy)
    (entry,) = entries(cache)
    data = bytearray(entry.read_bytes())
    at = data.index(b"rcd_complex") + 3  # one letter of a rule id in the pickled pack
    data[at] ^= 0x01
    entry.write_bytes(bytes(data))
    assert load_pack_cached(pack_copy).document == good.document
    assert entry.read_bytes() != bytes(data)  # replaced by a good entry


def test_an_entry_of_other_validating_code_is_foreign(
    cache: Path, pack_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_pack_cached(pack_copy)
    monkeypatch.setattr(_pack_cache, "_code", "another version of triage")
    calls: list[Path] = []
    real = _pack_cache.load_pack
    monkeypatch.setattr(_pack_cache, "load_pack", lambda path: calls.append(Path(path)) or real(path))
    load_pack_cached(pack_copy)
    assert calls == [pack_copy]
    assert len(entries(cache)) == 1  # the other version's entry replaced: one per pack folder


def test_a_cache_folder_others_may_write_to_is_not_used(cache: Path, pack_copy: Path) -> None:
    load_pack_cached(pack_copy)
    (entry,) = entries(cache)
    cache.chmod(0o777)
    entry.write_bytes(b"garbage")
    load_pack_cached(pack_copy)
    assert entry.read_bytes() == b"garbage"  # neither trusted nor rewritten


def test_the_cache_can_be_turned_off(
    tmp_path: Path, pack_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    load_pack_cached(pack_copy)
    assert not (tmp_path / "xdg").exists()
    assert not (tmp_path / "home").exists()


def test_an_unwritable_cache_is_no_error(
    tmp_path: Path, pack_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a file"
    blocker.write_text("")
    monkeypatch.setenv("TRIAGE_CACHE_DIR", str(blocker / "cache"))
    assert load_pack_cached(pack_copy).sha256 == triage.load_pack(pack_copy).sha256


def test_the_command_line_gives_the_same_answer_from_the_cache(tmp_path: Path) -> None:
    args = ("assess", "--fact", "complex=yes", "--fact", "multiagency=yes", "--json")
    env = {"TRIAGE_CACHE_DIR": str(tmp_path / "cache")}
    first, second = run_cli(*args, env=env), run_cli(*args, env=env)
    uncached = run_cli(*args, env={"TRIAGE_CACHE_DIR": "off"})
    assert len(list((tmp_path / "cache").glob("*.pack"))) == 1
    texts = {TIMESTAMP.sub('"timestamp": ""', done.stdout) for done in (first, second, uncached)}
    assert len(texts) == 1
    assert json.loads(texts.pop())["primary_route"] == "child_protection_referral"
    assert (tmp_path / "cache").stat().st_mode & 0o077 == 0


def test_a_hit_builds_no_decision_diagrams_and_answers_alike(
    cache: Path, pack_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from triage._analysis import Analysis

    loaded = triage.Advisor(load_pack_cached(pack_copy))  # a miss: the entry holds its diagrams
    built = triage.Advisor(pack_copy)
    assert built.analysis is not None  # built now, before building is refused

    def refuse(_self: object) -> None:
        raise AssertionError("the diagrams were built: not taken from the cache")

    monkeypatch.setattr(Analysis, "_build", refuse)
    cached = triage.Advisor(load_pack_cached(pack_copy))
    for answers in ({}, {"complex": "yes"}, {"immediate_danger": "no", "multiagency": "yes"}):
        expected = built.assess(answers).model_dump(exclude={"audit"})
        assert cached.assess(answers).model_dump(exclude={"audit"}) == expected
        assert loaded.assess(answers).model_dump(exclude={"audit"}) == expected
    assert cached.alternatives({"complex": "yes"}) == built.alternatives({"complex": "yes"})


def test_a_hit_never_imports_pyyaml(tmp_path: Path) -> None:
    code = (
        "import sys, triage\n"
        "from triage._pack_cache import load_pack_cached\n"
        "pack = load_pack_cached(triage.default_pack_path())\n"
        "triage.Advisor(pack).assess({'complex': 'yes'})\n"
        "print('yaml' in sys.modules)\n"
    )
    env = {**os.environ, "TRIAGE_CACHE_DIR": str(tmp_path / "cache")}
    first, second = (
        subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        for _ in range(2)
    )
    assert (first.stdout, second.stdout) == ("True\n", "False\n")


def assess_danger(cache: Path, **options: Any) -> str:
    """The primary route `triage assess` gives for immediate danger with the pack cache in `cache`
    (bounded in time: a command that waits on a FIFO fails the test)."""
    done = subprocess.run(
        [console_script(), "assess", "--fact", "immediate_danger=yes", "--json"],
        env={**os.environ, "TRIAGE_CACHE_DIR": str(cache)},
        capture_output=True,
        text=True,
        timeout=30,
        cwd="/",
        **options,
    )
    assert done.returncode == 0, done.stderr
    route: str = json.loads(done.stdout)["primary_route"]
    return route


def cli_entry(cache: Path) -> Path:
    """The one entry the command line made in `cache` for the default pack."""
    assert assess_danger(cache) == "emergency_response"
    (entry,) = entries(cache)
    return entry


def forged(entry: Path, key: bytes | None) -> bytes:
    """The entry with the first route's title changed, its check made with `key` (None: a plain
    sha256 of the content, as anyone can make)."""
    magic, header, _check, payload = entry.read_bytes().split(b"\n", 3)
    document, state = pickle.loads(payload)  # noqa: S301 - the test's own entry
    routes = list(document.routes)
    routes[0] = routes[0].model_copy(update={"title": "FORGED"})
    payload = pickle.dumps((document.model_copy(update={"routes": routes}), state))
    head = magic + b"\n" + header + b"\n"
    check = hashlib.sha256(payload) if key is None else hmac.new(key, head + payload, hashlib.sha256)
    return head + check.hexdigest().encode() + b"\n" + payload


def test_an_entry_not_made_with_the_caches_own_key_is_rebuilt_and_the_answer_is_the_packs(
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    entry = cli_entry(cache)
    for key in (None, secrets.token_hex(32).encode()):  # anyone's check; another cache's key
        entry.write_bytes(forged(entry, key))
        done = run_cli(
            "assess", "--fact", "immediate_danger=yes", "--json", env={"TRIAGE_CACHE_DIR": str(cache)}
        )
        assert done.returncode == 0, done.stderr
        answer = json.loads(done.stdout)
        assert answer["routes"][0]["title"] != "FORGED"
        assert answer["audit"]["pack_sha256"] == triage.load_pack(triage.default_pack_path()).sha256
        assert b"FORGED" not in entry.read_bytes()  # rebuilt from the pack's files


@pytest.mark.parametrize("name", ["entry", "key"])
def test_a_fifo_in_place_of_an_entry_or_the_key_does_not_hang_the_command_line(
    tmp_path: Path, name: str
) -> None:
    cache = tmp_path / "cache"
    entry = cli_entry(cache)
    target = entry if name == "entry" else cache / "key"
    target.unlink()
    os.mkfifo(target, 0o600)
    assert assess_danger(cache) == "emergency_response"


def test_every_folder_the_cache_makes_is_the_users_alone_whatever_the_umask(tmp_path: Path) -> None:
    cache = tmp_path / "made" / "by" / "triage"
    # The process's umask 000, as a careless login would set.
    assert assess_danger(cache, preexec_fn=lambda: os.umask(0)) == "emergency_response"
    for folder in (tmp_path / "made", tmp_path / "made" / "by", cache):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
    assert stat.S_IMODE((cache / "key").stat().st_mode) == 0o600
    assert entries(cache)


def test_a_part_left_in_the_cache_folder_an_hour_ago_is_removed(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    stale, fresh = part_path(cache / "old.pack", os.getpid()), part_path(cache / "new.pack", os.getpid())
    for part in (stale, fresh):
        part.write_bytes(b"half an entry")
    os.utime(stale, (time.time() - 3700, time.time() - 3700))
    cli_entry(cache)
    assert not stale.exists()
    assert fresh.exists()  # this test's process is alive and the part is new: it may be writing


def test_serve_validates_its_pack_in_full_and_never_touches_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("fastapi")
    from tests.webserver import running_server

    monkeypatch.setenv("TRIAGE_CACHE_DIR", str(tmp_path / "cache"))
    with running_server() as (url, _process):
        assert url.startswith("http://127.0.0.1:")
    assert not (tmp_path / "cache").exists()
