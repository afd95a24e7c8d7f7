"""`python -m triage`: the same command line as the `triage` console script."""

from cli import main

if __name__ == "__main__":
    main(prog_name="triage")
