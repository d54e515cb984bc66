"""nbgrader itself agrees with ``convlessons student`` (optional: needs nbgrader installed).

* every master (fixture course and the lesson notebooks present) passes nbgrader's own
  metadata validation (schema version 3);
* nbgrader's preprocessors (the no-database route through nbconvert) and
  ``nbgrader generate_assignment`` on a course folder give the same cell sources and
  the same cell locks as :func:`convlessons.coursework.student_notebook`.
"""

from __future__ import annotations

import copy
import os
import pathlib
import shutil
import subprocess
import sys

import nbformat
import pytest

pytest.importorskip(
    "nbgrader",
    reason="nbgrader is not installed (pip install 'convlessons[nbgrader]'); "
    "the nbgrader compatibility checks need it",
)

from nbgrader.nbgraderformat import MetadataValidator  # noqa: E402
from nbgrader.preprocessors import (  # noqa: E402
    ClearHiddenTests,
    ClearMarkScheme,
    ClearOutput,
    ClearSolutions,
    LockCells,
)

from convlessons import coursework as cw  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "coursework"
MASTERS = sorted(FIXTURE.glob("*.ipynb")) + sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def summary(nb):
    """What must agree: cell kinds, sources and the lock flags."""
    return [(c.cell_type, c.source, c.metadata.get("deletable", True),
             c.metadata.get("editable", True)) for c in nb.cells]


@pytest.mark.parametrize("path", MASTERS, ids=lambda p: p.name)
def test_master_passes_nbgrader_validation(path):
    nb = nbformat.read(str(path), as_version=4)
    MetadataValidator().validate_nb(nb)  # raises on anything nbgrader would reject
    cw.validate_master(nb, path.name)


@pytest.mark.parametrize("path", MASTERS, ids=lambda p: p.name)
def test_nbgrader_preprocessors_agree_with_student_notebook(path):
    master = nbformat.read(str(path), as_version=4)
    ours = cw.student_notebook(master, path.name)
    theirs, resources = nbformat.read(str(path), as_version=4), {}
    for pre in (LockCells, ClearSolutions, ClearOutput, ClearHiddenTests, ClearMarkScheme):
        theirs, resources = pre().preprocess(theirs, resources)
    assert summary(ours) == summary(theirs)


def test_nbgrader_refuses_what_we_refuse():
    nb = nbformat.read(str(FIXTURE / "01_sums.ipynb"), as_version=4)
    nb.cells[1].source += "\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION"  # not a solution cell
    with pytest.raises(RuntimeError, match="non-solution cell"):
        ClearSolutions().preprocess(copy.deepcopy(nb), {})
    with pytest.raises(cw.CourseworkError, match="not a solution cell"):
        cw.student_notebook(nb, "01_sums.ipynb")


@pytest.fixture(scope="module")
def released(tmp_path_factory):
    """Run ``nbgrader generate_assignment --no-db`` once on all masters in one assignment."""
    course = tmp_path_factory.mktemp("course")
    source = course / "source" / "ps1"
    source.mkdir(parents=True)
    for path in MASTERS:
        shutil.copy(path, source / path.name)
    shutil.copytree(FIXTURE / "data", source / "data")
    env = dict(os.environ)
    bin_dir = str(pathlib.Path(sys.executable).parent)  # nbgrader shells out to alembic
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "nbgrader", "generate_assignment", "ps1", "--no-db", "--force"],
        cwd=course, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return course / "release" / "ps1"


@pytest.mark.parametrize("path", MASTERS, ids=lambda p: p.name)
def test_generate_assignment_matches_convlessons_student(released, path):
    theirs = nbformat.read(str(released / path.name), as_version=4)
    ours = cw.student_notebook(nbformat.read(str(path), as_version=4), path.name)
    assert summary(ours) == summary(theirs)
    for mine, nbg in zip(ours.cells, theirs.cells, strict=True):
        if "nbgrader" in nbg.metadata:  # nbgrader adds only its checksum and the cell type
            extra = dict(nbg.metadata["nbgrader"])
            extra.pop("checksum", None)
            extra.pop("cell_type", None)
            assert extra == mine.metadata["nbgrader"]


def test_generate_assignment_copies_the_same_data(released, tmp_path):
    report = cw.build_student(FIXTURE, tmp_path / "student")
    for rel in report.data:
        assert (released / rel).read_bytes() == (tmp_path / "student" / rel).read_bytes()
