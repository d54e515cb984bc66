"""Refresh the lessons' stored outputs: one fresh-kernel, top-to-bottom CPU run each.

The py:percent twin under ``notebooks/py/`` and the ``.ipynb`` are kept in sync by
jupytext. This script takes whichever of the pair was edited last as the source,
executes it in a fresh kernel with CUDA hidden (``CUDA_VISIBLE_DEVICES=``), writes the
executed ``.ipynb`` and rewrites the twin from it, so both end identical.

Usage::

    python tools/refresh_notebooks.py                 # all lessons
    python tools/refresh_notebooks.py 01 05           # lessons whose names start so
    python tools/refresh_notebooks.py --check 03      # run, but write nothing

Stored outputs are the regression baseline that ``pytest`` (nbval, strict) compares
against, so refresh only from a clean run and review the diff.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

import jupytext
import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
PY_DIR = NB_DIR / "py"
FMT = "py:percent"


def lesson_paths(prefixes: list[str]) -> list[pathlib.Path]:
    """The lesson notebooks (``NN_slug.ipynb``), from either member of each pair."""
    stems = {p.stem for p in NB_DIR.glob("[0-9][0-9]_*.ipynb")}
    stems |= {p.stem for p in PY_DIR.glob("[0-9][0-9]_*.py")}
    chosen = sorted(s for s in stems if not prefixes or s.startswith(tuple(prefixes)))
    if prefixes and not chosen:
        sys.exit(f"no lesson matches {prefixes!r}; lessons are {sorted(stems)}")
    return [NB_DIR / f"{s}.ipynb" for s in chosen]


def load_source(ipynb: pathlib.Path) -> nbformat.NotebookNode:
    """Read the newer member of the pair (the twin wins when it was edited last)."""
    twin = PY_DIR / f"{ipynb.stem}.py"
    if twin.exists() and (not ipynb.exists() or twin.stat().st_mtime > ipynb.stat().st_mtime):
        nb = jupytext.read(twin, fmt=FMT)
    else:
        nb = jupytext.read(ipynb)
    nb.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": "python3",
    }
    nb.metadata.setdefault("language_info", {"name": "python"})
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int) -> float:
    """Run every cell in a fresh kernel, in notebooks/, with CUDA hidden."""
    os.environ["CUDA_VISIBLE_DEVICES"] = ""
    os.environ.setdefault("PYTHONHASHSEED", "0")
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(NB_DIR)}},
        record_timing=False,
        coalesce_streams=True,  # one stdout block per cell, whatever the timing of prints
    )
    start = time.perf_counter()
    client.execute()
    return time.perf_counter() - start


def write_pair(nb: nbformat.NotebookNode, ipynb: pathlib.Path) -> None:
    """Write the executed notebook and its twin so that the pair is in sync."""
    nb.metadata.pop("widgets", None)  # widget state from this run: never compared, only noise
    for index, cell in enumerate(nb.cells):  # stable ids: a refresh should not rewrite them all
        cell.id = f"cell-{index:03d}"
    nb.metadata["jupytext"] = {"formats": "ipynb,py//py:percent"}
    nbformat.write(nb, ipynb)
    PY_DIR.mkdir(exist_ok=True)
    jupytext.write(jupytext.read(ipynb), PY_DIR / f"{ipynb.stem}.py", fmt=FMT)
    # the twin must not look newer than its notebook next time
    os.utime(ipynb)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson name prefixes, e.g. 01 02")
    parser.add_argument("--check", action="store_true", help="execute but write nothing")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell")
    args = parser.parse_args(argv)
    for ipynb in lesson_paths(args.lessons):
        nb = load_source(ipynb)
        seconds = execute(nb, args.timeout)
        if not args.check:
            write_pair(nb, ipynb)
        size = ipynb.stat().st_size / 1e6 if ipynb.exists() else 0.0
        print(f"{ipynb.name}: executed in {seconds:.1f} s, stored {size:.2f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
