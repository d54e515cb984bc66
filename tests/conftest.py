"""Hypothesis profiles for the randomized comparisons in ``tests/``.

Profiles (pick one with the environment variable ``HYPOTHESIS_PROFILE``):

* ``dev`` (default): about 40 examples per test, for a quick local run.
* ``ci``: 500 examples per test, so every op family (each 1-D/2-D/3-D conv, each
  transposed conv, channel shuffle, the compound ops, signal) gets at least 500 random
  cases; no deadline, a fresh random seed each run, and a reproduction blob printed for
  any failure (``print_blob=True``): ``HYPOTHESIS_PROFILE=ci pytest tests/``.

Debugging: ``pytest --hypothesis-seed=N ...`` makes a run deterministic (the same
examples in the same order every time), and a failure printed with
``@reproduce_failure(...)`` can be replayed by pasting that decorator on the test.
Hypothesis keeps no example database here (``database=None``); it still caches some
constants under ``.hypothesis/``, which is git-ignored.
"""

import os

import matplotlib
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")  # figure, animation and widget tests draw off-screen

settings.register_profile(
    "dev",
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    max_examples=500,
    deadline=None,
    derandomize=False,
    print_blob=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
