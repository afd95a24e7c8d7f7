"""deploy/: the container recipe, its script, the systemd unit and the proxy example agree with
each other and with docs/deploy.md (CI runs deploy/build.sh itself; these machines build no
images)."""

from __future__ import annotations

import re
import subprocess

import click

from cli import main
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"


def stages(containerfile: str) -> list[str]:
    return re.split(r"^FROM ", containerfile, flags=re.M)[1:]


def test_the_container_has_gcc_in_the_build_stage_only_and_runs_as_a_user_with_a_health_check() -> None:
    build, run = stages((DEPLOY / "Containerfile").read_text())
    assert "gcc" in build
    assert "gcc" not in run
    assert "build.sh wheels" in build
    assert "install /wheels" in run
    assert re.search(r"^USER (?!root)\w+", run, re.M)
    assert re.search(r"^HEALTHCHECK .*readyz", run, re.M | re.S)
    assert 'CMD ["/opt/triage/bin/triage", "serve"]' in run


def test_the_build_script_offers_each_step_of_the_recipe() -> None:
    result = subprocess.run(
        [str(DEPLOY / "build.sh")], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 2
    for step in ("wheels WHEELS", "install WHEELS PREFIX", "check PREFIX", "all WORKDIR"):
        assert step in result.stderr


def test_the_unit_serves_on_its_instance_port_and_does_not_loop_on_a_refused_pack() -> None:
    unit = (DEPLOY / "triage@.service").read_text()
    assert "ExecStart=/opt/triage/bin/triage serve" in unit
    assert "Environment=TRIAGE_PORT=%i" in unit
    assert "DynamicUser=yes" in unit
    assert re.search(r"^RestartPreventExitStatus=.*\b3\b", unit, re.M)


def test_the_proxy_signs_in_first_passes_the_host_and_takes_the_root_path_off() -> None:
    proxy = (DEPLOY / "nginx.conf").read_text()
    location = proxy[proxy.index("location /triage/") :]
    assert "auth_request" in location
    assert "proxy_set_header Host $host;" in location
    assert re.search(r"proxy_pass http://\w+/;", location)


def test_ci_runs_the_deploy_script() -> None:
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^PYTHON=\S+ timeout \d+ deploy/build.sh all ", ci, re.M)
    assert re.search(r"^timeout \d+ deploy/build.sh check \.venv$", ci, re.M)


def test_the_settings_table_is_the_serve_command_s_options_each_with_its_variable_and_default() -> None:
    text = (ROOT / "docs" / "deploy.md").read_text()
    rows = re.findall(r"^\| `(TRIAGE_\w+)` \| `(--[a-z0-9-]+)[^`]*` \| ([^|]+) \|", text, flags=re.M)
    serve = main.commands["serve"]
    options = {param.opts[0]: param for param in serve.params if isinstance(param, click.Option)}
    assert sorted((variable, option) for variable, option, _ in rows) == sorted(
        (param.envvar, option) for option, param in options.items()
    )
    for _, option, default in rows:
        if re.fullmatch(r"\d+(\.\d+)?", default.strip()):
            assert float(default) == options[option].default, option
