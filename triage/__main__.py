"""`python -m triage` and the `triage` console script: the command line, cli.py.

cli.py lives at the top of the repository (the owner's layout). A wheel ships it inside the
package as `triage/_cli.py`, so installing claims no top-level name but `triage`. In a source
checkout or an editable install there is no `triage/_cli.py`: the repository's own cli.py is
loaded, so both entry points run the code as edited.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

NAME = "triage._cli"


def load_cli() -> ModuleType:
    """The command-line module (installed, or the checkout's cli.py), or exit 2 saying it is missing."""
    if NAME in sys.modules:
        return sys.modules[NAME]
    try:
        return importlib.import_module(NAME)
    except ModuleNotFoundError as error:
        if error.name != NAME:
            raise
    checkout = Path(__file__).resolve().parent.parent
    path = checkout / "cli.py"
    # A cli.py beside the package is this project's only in a checkout (pyproject.toml beside it):
    # in site-packages it would be some other distribution's.
    spec = importlib.util.spec_from_file_location(NAME, path)
    if (
        spec is None
        or spec.loader is None
        or not path.is_file()
        or not (checkout / "pyproject.toml").is_file()
    ):
        sys.stderr.write("triage: error: the command line (triage/_cli.py) is missing: reinstall triage\n")
        sys.exit(2)
    module = importlib.util.module_from_spec(spec)
    sys.modules[NAME] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[NAME]
        raise
    return module


def main() -> None:
    """Run the command line (the console script's entry point)."""
    load_cli().main(prog_name="triage")


if __name__ == "__main__":
    main()
