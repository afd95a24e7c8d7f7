"""`python -m triage`: the same command line as the `triage` console script.

The command line is the module `cli` installed beside the `triage` package (in a source checkout,
the repository's cli.py). It is loaded from that file, not imported by name: `import cli` would
take any cli.py in the current folder first.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import triage


def load_cli() -> ModuleType:
    """The `cli` module beside the installed `triage` package, or exit 2 saying it is missing."""
    path = Path(triage.__file__).resolve().parent.parent / "cli.py"
    spec = importlib.util.spec_from_file_location("cli", path)
    if spec is None or spec.loader is None or not path.is_file():
        sys.stderr.write(f"triage: error: the command line is missing ({path}): reinstall triage\n")
        sys.exit(2)
    module = importlib.util.module_from_spec(spec)
    sys.modules["cli"] = module  # so that the command line is this one, whoever imports `cli` next
    spec.loader.exec_module(module)
    return module


if __name__ == "__main__":
    load_cli().main(prog_name="triage")
