"""Installing: the wheel claims no top-level name but `triage`, carries its licence and installs
where durable_rules does not build; an editable install runs the edited code; and without
durable_rules the reference evaluator runs, named as such."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

# What a wheel or an editable install needs of the checkout.
SOURCES = ("triage", "rules", "cli.py", "hatch_build.py", "pyproject.toml", "README.md", "LICENSE")


def copy_checkout(folder: Path) -> Path:
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, folder / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, folder / name)
    return folder


def pip(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", "-q", *args], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    folder = tmp_path_factory.mktemp("wheel")
    pip("wheel", "--no-deps", "-w", str(folder / "dist"), str(copy_checkout(folder / "src")))
    (path,) = (folder / "dist").glob("rcd_triage-*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_claims_no_top_level_name_but_triage(wheel: zipfile.ZipFile) -> None:
    tops = {name.split("/")[0] for name in wheel.namelist()}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"triage"}
    assert "triage/_cli.py" in wheel.namelist()
    assert "triage/py.typed" in wheel.namelist(), "the wheel must mark the package typed"
    assert "triage/_packs/moray/rules.yaml" in wheel.namelist()
    assert "triage/_new_pack/rules.yaml" in wheel.namelist(), "the wheel must hold the new-pack template"
    (entry_points,) = [name for name in wheel.namelist() if name.endswith("entry_points.txt")]
    assert "triage = triage.__main__:main" in wheel.read(entry_points).decode()


def test_the_wheel_is_the_distribution_rcd_triage_and_requires_no_triage(wheel: zipfile.ZipFile) -> None:
    # The package index's "triage" is another project: no requirement may name it. The test extra's
    # self-reference (rcd-triage[web]) is written out by the build as the web extra's requirements.
    (metadata,) = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
    fields = wheel.read(metadata).decode().split("\n\n")[0].splitlines()
    assert "Name: rcd-triage" in fields
    requirements = [
        Requirement(field.split(": ", 1)[1]) for field in fields if field.startswith("Requires-Dist:")
    ]
    assert not [req for req in requirements if req.name in ("triage", "rcd-triage")]

    def extra(name: str) -> set[str]:
        return {req.name for req in requirements if req.marker and req.marker.evaluate({"extra": name})}

    assert extra("web") and extra("web") <= extra("test")


def test_the_wheel_carries_the_mit_licence_and_installs_without_durable_rules_on_313(
    wheel: zipfile.ZipFile,
) -> None:
    (metadata,) = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
    fields = wheel.read(metadata).decode().split("\n\n")[0].splitlines()
    assert "License-Expression: MIT" in fields
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in wheel.namelist())
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    # durable_rules does not build on 3.13+: required only below it, and no upper bound on Python.
    (durable,) = [
        Requirement(field.split(": ", 1)[1])
        for field in fields
        if field.startswith("Requires-Dist: durable-rules")
    ]
    assert durable.marker is not None
    assert durable.marker.evaluate({"python_version": "3.12"})
    assert not durable.marker.evaluate({"python_version": "3.13"})
    (requires_python,) = [field for field in fields if field.startswith("Requires-Python:")]
    assert SpecifierSet(requires_python.split(": ", 1)[1]).contains("3.13")


def test_an_editable_install_runs_the_edited_code_through_both_entry_points(tmp_path: Path) -> None:
    checkout = copy_checkout(tmp_path / "src")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(tmp_path / "venv")], check=True)
    python = tmp_path / "venv" / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # The dependencies come from this environment (links to all it holds but triage itself, in a
    # folder that a .pth puts on the path); pip installs triage and what an editable install needs.
    deps = tmp_path / "deps"
    deps.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        # The import package `triage` too: a plain install (as in CI) puts it in site-packages.
        if entry.name != "triage" and not entry.name.startswith(
            ("rcd_triage", "_editable_impl_rcd_triage", "__editable__")
        ):
            (deps / entry.name).symlink_to(entry)
    (Path(purelib) / "_deps.pth").write_text(f"{deps}\n")
    pip("--python", str(python), "install", "-e", str(checkout))

    cli = checkout / "cli.py"
    cli.write_text(cli.read_text().replace("with reasons and sources.", "with reasons and sources. EDITED."))
    # Only the install decides what runs (not a PYTHONPATH this test may be run under).
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    for command in ([str(tmp_path / "venv" / "bin" / "triage")], [str(python), "-m", "triage"]):
        shown = subprocess.run(
            [*command, "--help"], cwd="/", env=env, capture_output=True, text=True, timeout=60
        )
        assert shown.returncode == 0, shown.stderr
        assert "EDITED." in shown.stdout, f"{command} runs a stale copy of cli.py"
    found = subprocess.run(
        [str(python), "-c", "import importlib.util; print(importlib.util.find_spec('cli'))"],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == "None", "installing put a top-level `cli` module on the path"


HIDDEN = "import sys; sys.modules['durable_rules_engine'] = None; sys.argv[0] = 'triage'; "


def without_durable_rules(*args: str) -> subprocess.CompletedProcess[str]:
    """The command line in a process where durable_rules cannot be imported (as on Python 3.13+)."""
    code = HIDDEN + "from triage.__main__ import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], cwd="/", capture_output=True, text=True, timeout=120
    )


def test_without_durable_rules_the_reference_evaluator_runs_as_version_and_audit_say() -> None:
    version = without_durable_rules("--version")
    assert version.returncode == 0, version.stderr
    assert "engine reference evaluator (durable_rules unavailable" in version.stdout
    facts = ["complex=yes", "multiagency=yes", "reflection_sought=yes", "immediate_danger=no"]
    args = ["assess", *[arg for fact in facts for arg in ("--fact", fact)], "--json"]
    hidden = without_durable_rules(*args)
    assert hidden.returncode == 0, hidden.stderr
    rec = json.loads(hidden.stdout)
    assert rec["audit"]["engine"].startswith("reference evaluator (durable_rules unavailable")
    code = "from triage.__main__ import main; main()"
    usual = subprocess.run([sys.executable, "-c", code, *args], cwd="/", capture_output=True, text=True)
    expected = json.loads(usual.stdout)
    assert expected["audit"]["engine"].startswith("durable_rules")
    for data in (rec, expected):
        del data["audit"]["timestamp"], data["audit"]["engine"]
    assert rec == expected
