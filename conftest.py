"""Project-wide pytest set-up for the nbval notebook checks.

* nbval opens ``--nbval-sanitize-with`` relative to the working directory; we anchor the
  sanitize file at the repository root so ``pytest`` works from any folder.
* nbval waits only 5 s for a cell's output messages after it finishes; lessons that draw
  figures or build animations on a slow CI core need longer.
"""

import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parent
SANITIZE = ROOT / "tests" / "nbval_sanitize.cfg"
OUTPUT_TIMEOUT_S = 60

# The jupytext twins are the notebooks as text: nbval runs the .ipynb, and
# --doctest-modules must not import (and so execute) the twins.
collect_ignore = ["notebooks/py"]


def pytest_configure(config):
    # The lessons' kernels must draw with matplotlib's inline backend, as in JupyterLab:
    # an inherited MPLBACKEND (Agg on many CI runners) would drop every stored figure and
    # warn on plt.show(). The kernels nbval starts inherit this process's environment.
    os.environ.pop("MPLBACKEND", None)
    if getattr(config.option, "nbval_sanitize_with", "unset") is None:
        config.option.nbval_sanitize_with = str(SANITIZE)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if hasattr(item, "output_timeout"):
            item.output_timeout = OUTPUT_TIMEOUT_S


@pytest.fixture(autouse=True)
def _no_stray_figures():
    """Close matplotlib figures a unit test leaves open (they pile up across tests)."""
    yield
    import sys

    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
