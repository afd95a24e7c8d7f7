"""Build hook: the wheel ships cli.py (kept at the top of the repository, the owner's layout)
inside the package as triage/_cli.py, so installing claims no top-level name but `triage`.

Only for a wheel: an editable install copies nothing (a copy would go stale, and a `triage` folder
in site-packages would hide the checkout's package); there `triage.__main__` loads the checkout's
own cli.py.
"""

from __future__ import annotations

from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class CliInsidePackage(BuildHookInterface):
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "standard":
            build_data["force_include"]["cli.py"] = "triage/_cli.py"
