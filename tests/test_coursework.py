"""Student copies and grading (convlessons.coursework and ``python -m convlessons``).

Everything runs against the two-notebook fixture course in tests/fixtures/coursework/,
except the last tests, which build student copies of the real lessons in notebooks/.
The grading tests execute the small fixture notebooks in real kernels; one class run
(module fixture ``graded``) covers honest, fresh, tampered, crashing and broken work.
"""

from __future__ import annotations

import csv
import json
import os
import pathlib
import shutil
import subprocess
import sys
import time

import nbformat
import pytest

from convlessons import coursework as cw
from convlessons.__main__ import main

ROOT = pathlib.Path(__file__).resolve().parents[1]
FIXTURE = ROOT / "tests" / "fixtures" / "coursework"
LESSONS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
NAMES = ("01_sums.ipynb", "02_double.ipynb")
SECRET_SNIPPETS = (  # text that only the masters' hidden regions hold
    "result += value",
    "hidden: total of the data file",
    "count = len(numbers)",
    "return 2 * x",
    "hidden: negative floats",
    "double(a + b)",
    "Addition is associative",
    "MARK SCHEME",
    "straight line through the origin",
)


def copy_masters(dest: pathlib.Path) -> pathlib.Path:
    """The fixture course without its pytest conftest."""
    shutil.copytree(FIXTURE, dest, ignore=shutil.ignore_patterns("conftest.py", "__pycache__"))
    return dest


def read(path) -> nbformat.NotebookNode:
    return nbformat.read(str(path), as_version=4)


def cell_by_id(nb, grade_id):
    return next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def tree_bytes(folder: pathlib.Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    base = tmp_path_factory.mktemp("course")
    masters = copy_masters(base / "masters")
    student = base / "student"
    report = cw.build_student(masters, student)
    return masters, student, report


# ------------------------------------------------------------------ student copies


def test_student_copy_stubs_locks_and_data(course):
    masters, student, report = course
    assert report.notebooks == list(NAMES)
    assert report.data == ["data/numbers.txt"]
    assert (student / "data" / "numbers.txt").read_bytes() == (
        masters / "data" / "numbers.txt").read_bytes()
    nb = read(student / "01_sums.ipynb")
    # stub at the indentation of the BEGIN SOLUTION line, code around it kept
    assert cell_by_id(nb, "f01_ex1_impl").source == (
        'def total(values):\n    """Add up values with a loop."""\n'
        "    # YOUR CODE HERE\n    raise NotImplementedError()"
    )
    assert cell_by_id(nb, "f01_ex2_count").source == (
        "# Count the numbers\n# YOUR CODE HERE\nraise NotImplementedError()"
    )
    assert cell_by_id(nb, "f01_ex3_explain").source == "YOUR ANSWER HERE"
    check = cell_by_id(nb, "f01_ex1_check")
    assert check.source.endswith('print("✓ total([1, 2, 3]) == 6")')
    assert check.metadata["deletable"] is False and check.metadata["editable"] is False
    assert cell_by_id(nb, "f01_ex1_impl").metadata["deletable"] is False
    assert "editable" not in cell_by_id(nb, "f01_ex1_impl").metadata
    nb2 = read(student / "02_double.ipynb")
    # a solution cell without markers is replaced whole
    assert cell_by_id(nb2, "f02_ex1_impl").source == cw.CODE_STUB
    assert cell_by_id(nb2, "f02_task").source == (
        "## Task\n\nDraw the graph of `double` by hand and describe it.\n"
    )
    for book in (nb, nb2):
        for cell in book.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None


def test_no_solution_line_leaks(course):
    masters, student, _ = course
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(student.rglob("*"))
                     if p.is_file())
    for marker in cw.MARKERS:
        assert marker not in text
    for snippet in SECRET_SNIPPETS:
        assert snippet not in text
        assert snippet in "\n".join(
            (masters / n).read_text(encoding="utf-8") for n in NAMES)  # really a secret
    for name in NAMES:
        assert cw.verify_student(read(masters / name), read(student / name), name) == []


def test_student_build_is_idempotent(course, tmp_path):
    masters, student, _ = course
    before = tree_bytes(student)
    again = cw.build_student(masters, student)
    assert again.changed == []
    assert tree_bytes(student) == before
    fresh = cw.build_student(masters, tmp_path / "fresh")
    assert sorted(fresh.changed) == sorted(before)
    assert tree_bytes(tmp_path / "fresh") == before


def test_twins_config_and_marked_files_are_not_copied(tmp_path):
    masters = copy_masters(tmp_path / "masters")
    (masters / "py").mkdir()
    (masters / "py" / "01_sums.py").write_text("# %%\nx = 1\n")
    (masters / "jupytext.toml").write_text('formats = "ipynb,py//py:percent"\n')
    (masters / "notes.txt").write_text("### BEGIN SOLUTION\nsecret\n### END SOLUTION\n")
    (masters / ".ipynb_checkpoints").mkdir()
    (masters / ".ipynb_checkpoints" / "01_sums-checkpoint.ipynb").write_text("{}")
    report = cw.build_student(masters, tmp_path / "out")
    assert dict(report.skipped).keys() == {"jupytext.toml", "notes.txt", "py/01_sums.py"}
    assert sorted(tree_bytes(tmp_path / "out")) == ["01_sums.ipynb", "02_double.ipynb",
                                                    "data/numbers.txt"]


def test_stub_solutions_matches_nbgrader_rules():
    src = "x = 1\n  ### BEGIN SOLUTION\n  y = 2\n  ### END SOLUTION\nz = 3"
    assert cw.stub_solutions(src) == (
        "x = 1\n  # YOUR CODE HERE\n  raise NotImplementedError()\nz = 3")
    assert cw.stub_solutions("### BEGIN SOLUTION\nmodel\n### END SOLUTION", "markdown") == (
        "YOUR ANSWER HERE")
    assert cw.stub_solutions("no markers") == "no markers"
    with pytest.raises(ValueError, match="never closed"):
        cw.stub_solutions("### BEGIN SOLUTION\nx = 1")
    with pytest.raises(ValueError, match="cell_type must be 'code' or 'markdown'"):
        cw.stub_solutions("x", "raw")
    with pytest.raises(TypeError, match="source must be a str"):
        cw.stub_solutions(None)


def test_verify_student_catches_a_leak(course):
    masters, student, _ = course
    master, copy = read(masters / "01_sums.ipynb"), read(student / "01_sums.ipynb")
    cell_by_id(copy, "f01_ex1_check").source += "\nassert total([]) == 0, \"hidden: empty input\""
    cell_by_id(copy, "f01_ex2_count").source = "### BEGIN SOLUTION"
    problems = cw.verify_student(master, copy, "01_sums.ipynb")
    assert any("leaked" in p and "hidden: empty input" in p and "cell 4" in p for p in problems)
    assert any("marker line survived" in p and "cell 6" in p for p in problems)


def _mutate(cells, gid, /, **changes):
    cell = cell_by_id(nbformat.NotebookNode(cells=cells), gid)
    for key, value in changes.items():
        if key == "source":
            cell.source = value
        else:
            cell.metadata["nbgrader"][key] = value


MALFORMED = {
    "marker in a non-solution cell": (
        lambda c: setattr(c[1], "source", c[1].source + "\n### BEGIN SOLUTION\n### END SOLUTION"),
        "cell 1 (code, grade_id 'f01_setup'", "not a solution cell"),
    "nested markers": (
        lambda c: _mutate(c, "f01_ex2_count", source="### BEGIN SOLUTION\n### BEGIN SOLUTION\n"
                          "x = 1\n### END SOLUTION"),
        "cell 6 (code, grade_id 'f01_ex2_count'", "nested"),
    "unclosed marker": (
        lambda c: _mutate(c, "f01_ex2_count", source="### BEGIN SOLUTION\ncount = 10"),
        "cell 6", "never closed"),
    "END without BEGIN": (
        lambda c: _mutate(c, "f01_ex2_count", source="count = 10\n### END SOLUTION"),
        "cell 6", "without a matching"),
    "duplicate grade_id": (
        lambda c: _mutate(c, "f01_ex2_check", grade_id="f01_ex1_check"),
        "cell 7", "duplicate grade_id 'f01_ex1_check' (also cell 4)"),
    "missing points": (
        lambda c: c[4].metadata["nbgrader"].pop("points"),
        "cell 4", "points must be a number >= 0"),
    "bad grade_id": (
        lambda c: _mutate(c, "f01_ex1_check", grade_id="ex 1!"),
        "cell 4", "grade_id must be a non-empty string"),
    "old schema": (
        lambda c: _mutate(c, "f01_ex1_check", schema_version=2),
        "cell 4", "schema_version must be 3"),
    "unknown key": (
        lambda c: _mutate(c, "f01_ex1_check", difficulty="hard"),
        "cell 4", "keys nbgrader does not know: ['difficulty']"),
    "markdown graded but not a solution": (
        lambda c: _mutate(c, "f01_ex3_explain", solution=False, source="text"),
        "cell 9 (markdown", "must be both grade and solution"),
    "hidden tests in an answer cell": (
        lambda c: _mutate(c, "f01_ex2_count", source="### BEGIN HIDDEN TESTS\nx\n"
                          "### END HIDDEN TESTS"),
        "cell 6", "hidden tests outside an autograder test cell"),
    "mark scheme outside a task": (
        lambda c: setattr(c[2], "source", "=== BEGIN MARK SCHEME ===\nx\n=== END MARK SCHEME ==="),
        "cell 2 (markdown", "mark scheme outside a task cell"),
    "non-boolean flag": (
        lambda c: _mutate(c, "f01_ex1_check", locked="yes"),
        "cell 4", "locked must be true or false"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_masters_are_refused_naming_notebook_and_cell(tmp_path, case):
    mutate, where, why = MALFORMED[case]
    masters = copy_masters(tmp_path / "masters")
    nb = read(masters / "01_sums.ipynb")
    mutate(nb.cells)
    nbformat.write(nb, str(masters / "01_sums.ipynb"))
    with pytest.raises(cw.CourseworkError) as info:
        cw.build_student(masters, tmp_path / "out")
    message = str(info.value)
    assert f"01_sums.ipynb, {where}" in message and why in message, message
    assert not (tmp_path / "out").exists()  # refused before writing anything


def test_cli_student_refuses_with_exit_1_and_invalid_json(tmp_path, capsys):
    masters = copy_masters(tmp_path / "masters")
    (masters / "02_double.ipynb").write_text('{"cells": [', encoding="utf-8")
    assert main(["student", str(masters), str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "02_double.ipynb: not a readable notebook" in err


def test_student_argument_errors(tmp_path):
    masters = copy_masters(tmp_path / "masters")
    with pytest.raises(ValueError, match="out_dir must not be source_dir or inside it"):
        cw.build_student(masters, masters / "student")
    with pytest.raises(ValueError, match="source_dir must be an existing folder"):
        cw.build_student(tmp_path / "nope", tmp_path / "out")
    with pytest.raises(TypeError, match="source_dir must be a path"):
        cw.build_student(3, tmp_path / "out")
    with pytest.raises(cw.CourseworkError, match="no notebooks"):
        cw.build_student(masters / "data", tmp_path / "out")
    with pytest.raises(ValueError, match="timeout must be a positive number of seconds"):
        cw.grade(masters, masters, timeout=0)


def test_console_entry_point_runs(tmp_path):
    masters = copy_masters(tmp_path / "masters")
    result = subprocess.run(
        [sys.executable, "-m", "convlessons", "student", str(masters), str(tmp_path / "out")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "2 notebook(s) verified" in result.stdout


def test_cli_usage_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["grade"])
    assert info.value.code == 2 and "SUBMISSION_DIR" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["grade", str(tmp_path), "--timeout", "0"])
    assert "expected a positive number of seconds" in capsys.readouterr().err
    assert main(["grade", str(tmp_path / "nope"), "--masters", str(FIXTURE)]) == 2
    assert "submission_dir must be an existing folder" in capsys.readouterr().err


# -------------------------------------------------------------------------- grading

CELL_TIMEOUT = 3  # seconds; the endless loop must be cut off by this


def _set(nb, grade_id, source):
    cell_by_id(nb, grade_id).source = source


def _drop(nb, grade_id):
    nb.cells = [c for c in nb.cells
                if c.metadata.get("nbgrader", {}).get("grade_id") != grade_id]


@pytest.fixture(scope="module")
def graded(course, tmp_path_factory):
    """One class, graded in one CLI run: honest, fresh, tampered, crashing, broken work."""
    masters, student, _ = course
    subs = tmp_path_factory.mktemp("submissions")
    for who in ("master", "fresh", "cheat", "tricky", "broken"):
        (subs / who).mkdir()
    for name in NAMES:
        shutil.copy(masters / name, subs / "master" / name)
        shutil.copy(student / name, subs / "fresh" / name)
    for who in ("fresh", "cheat", "tricky", "master"):
        shutil.copytree(student / "data", subs / who / "data")

    # cheat: the fresh copy with its checks deleted or emptied, then a crash in 02
    nb = read(student / "01_sums.ipynb")
    _drop(nb, "f01_ex1_check")
    _set(nb, "f01_ex2_check", "pass")
    nbformat.write(nb, str(subs / "cheat" / "01_sums.ipynb"))
    nb = read(masters / "02_double.ipynb")
    _set(nb, "f02_ex1_impl", "import os\nos._exit(1)")
    nbformat.write(nb, str(subs / "cheat" / "02_double.ipynb"))

    # tricky: right answer but its check deleted; an endless loop in the next answer
    nb = read(masters / "01_sums.ipynb")
    _drop(nb, "f01_ex1_check")
    _set(nb, "f01_ex2_count", "while True:\n    pass\ncount = len(numbers)")
    nbformat.write(nb, str(subs / "tricky" / "01_sums.ipynb"))
    nb = read(masters / "02_double.ipynb")  # a check cell edited to compute nothing
    _set(nb, "f02_ex1_impl", "def double(x):\n    return 3 * x")
    _set(nb, "f02_ex1_check", "pass")
    nbformat.write(nb, str(subs / "tricky" / "02_double.ipynb"))

    # broken: a truncated file; 02 not handed in
    data = (masters / "01_sums.ipynb").read_bytes()
    (subs / "broken" / "01_sums.ipynb").write_bytes(data[: len(data) // 2])

    out = tmp_path_factory.mktemp("grades")
    argv = ["grade", str(subs), "--masters", str(masters), "--json", str(out / "g.json"),
            "--csv", str(out / "g.csv"), "--timeout", str(CELL_TIMEOUT), "--quiet"]
    start = time.perf_counter()
    code = main(argv)
    elapsed = time.perf_counter() - start
    rows = json.loads((out / "g.json").read_text(encoding="utf-8"))
    table = {(r["student"], r["grade_id"]): r for r in rows}
    return {"code": code, "elapsed": elapsed, "rows": rows, "table": table, "out": out}


def test_grader_exits_0_and_writes_json_and_csv(graded, capsys):
    assert graded["code"] == 0
    rows = graded["rows"]
    # 5 students x 6 graded cells (2 checks + 1 manual in 01; 1 check + 2 manual in 02)
    assert len(rows) == 30
    assert {tuple(sorted(r)) for r in rows} == {tuple(sorted(cw._FIELDS))}
    assert {r["status"] for r in rows} <= set(cw.STATUSES)
    with open(graded["out"] / "g.csv", newline="", encoding="utf-8") as fh:
        records = list(csv.DictReader(fh))
    assert [r["grade_id"] for r in records] == [r["grade_id"] for r in rows]
    assert list(records[0]) == cw._FIELDS


def test_grading_within_time_budget(graded):
    # 7 notebooks run (each a fresh kernel) plus one 3 s loop; generous for a busy CI core
    assert graded["elapsed"] < 90, graded["elapsed"]


def test_masters_graded_against_themselves_get_full_marks(graded):
    t = graded["table"]
    for gid, pts in (("f01_ex1_check", 2), ("f01_ex2_check", 1), ("f02_ex1_check", 3)):
        assert (t["master", gid]["points"], t["master", gid]["status"]) == (pts, "passed")
    for gid in ("f01_ex3_explain", "f02_ex2_reason", "f02_task"):
        assert t["master", gid]["status"] == "manual" and t["master", gid]["points"] is None


def test_fresh_student_copies_get_zero(graded):
    t = graded["table"]
    for gid in ("f01_ex1_check", "f01_ex2_check", "f02_ex1_check"):
        assert t["fresh", gid]["points"] == 0 and t["fresh", gid]["status"] == "failed"
    assert "NotImplementedError" in t["fresh", "f01_ex1_check"]["message"]
    for gid in ("f01_ex3_explain", "f02_ex2_reason"):
        assert (t["fresh", gid]["status"], t["fresh", gid]["points"]) == ("unanswered", 0)


def test_deleted_or_emptied_checks_are_restored(graded):
    t = graded["table"]
    assert t["cheat", "f01_ex1_check"]["points"] == 0
    assert "re-inserted deleted cell 'f01_ex1_check'" in t["cheat", "f01_ex1_check"]["message"]
    assert t["cheat", "f01_ex2_check"]["points"] == 0
    assert "restored edited cell 'f01_ex2_check'" in t["cheat", "f01_ex2_check"]["message"]
    # a correct answer whose check was deleted still earns its points (re-inserted after it)
    assert t["tricky", "f01_ex1_check"]["points"] == 2
    # 3 * x fails the restored visible check even though the student emptied it
    assert t["tricky", "f02_ex1_check"]["points"] == 0
    assert "double(2) should be 4" in t["tricky", "f02_ex1_check"]["message"]


def test_endless_loop_is_cut_off_and_the_run_goes_on(graded):
    row = graded["table"]["tricky", "f01_ex2_check"]
    assert row["points"] == 0 and row["status"] == "failed"
    assert "per-cell time limit of 3 s" in row["message"]
    assert graded["table"]["tricky", "f01_ex3_explain"]["status"] == "manual"


def test_crashed_kernel_scores_zero_and_the_run_goes_on(graded):
    row = graded["table"]["cheat", "f02_ex1_check"]
    assert (row["points"], row["status"]) == (0, "crashed")
    assert "kernel died" in row["message"]
    assert graded["table"]["master", "f02_ex1_check"]["points"] == 3  # graded after


def test_truncated_and_missing_notebooks(graded):
    t = graded["table"]
    assert (t["broken", "f01_ex1_check"]["status"], t["broken", "f01_ex1_check"]["points"]) == (
        "invalid", 0)
    assert "not a readable notebook" in t["broken", "f01_ex1_check"]["message"]
    for gid in ("f02_ex1_check", "f02_ex2_reason", "f02_task"):
        assert (t["broken", gid]["status"], t["broken", gid]["points"]) == ("missing", 0)


def test_table_lists_every_student():
    rows = [cw.GradeRow("ann", "01.ipynb", "a", 2.0, 2.0, "passed", ""),
            cw.GradeRow("ann", "01.ipynb", "b", None, 3.0, "manual", "to be marked by hand"),
            cw.GradeRow("bob", "01.ipynb", "a", 0.0, 2.0, "failed", "AssertionError: x")]
    text = cw.format_table(rows)
    assert "ann: 2 of 5 points (3 still to mark by hand)" in text
    assert "bob: 0 of 2 points" in text
    assert text.splitlines()[0].split() == ["student", "notebook", "grade_id", "points", "max",
                                            "status", "message"]


def test_overall_notebook_limit(course, tmp_path):
    masters, _, _ = course
    nb = read(masters / "01_sums.ipynb")
    _set(nb, "f01_ex1_impl", "while True:\n    pass")
    (tmp_path / "data").mkdir()
    shutil.copy(masters / "data" / "numbers.txt", tmp_path / "data")
    nbformat.write(nb, str(tmp_path / "01_sums.ipynb"))
    start = time.perf_counter()
    rows = cw.grade_notebook(masters / "01_sums.ipynb", tmp_path / "01_sums.ipynb",
                             timeout=60, notebook_timeout=4)
    assert time.perf_counter() - start < 30
    assert [(r.grade_id, r.points) for r in rows[:2]] == [("f01_ex1_check", 0),
                                                          ("f01_ex2_check", 0)]
    assert {rows[0].status, rows[1].status} <= {"not run", "timeout"}
    assert "time limit of 4 s" in rows[0].message


# ------------------------------------------------------------------ real lessons


@pytest.mark.parametrize("lesson", LESSONS or [None], ids=lambda p: p.name if p else "none")
def test_real_lesson_builds_and_verifies(lesson):
    if lesson is None:
        pytest.skip("no lesson notebooks in notebooks/ yet")
    master = read(lesson)
    copy = cw.student_notebook(master, lesson.name)
    assert cw.verify_student(master, copy, lesson.name) == []
    text = "\n".join(c.source for c in copy.cells)
    assert not any(marker in text for marker in cw.MARKERS)


def test_real_lessons_folder_builds(tmp_path):
    if not LESSONS:
        pytest.skip("no lesson notebooks in notebooks/ yet")
    report = cw.build_student(ROOT / "notebooks", tmp_path / "student")
    assert {pathlib.Path(n).name for n in report.notebooks} >= {p.name for p in LESSONS}
    for path in (tmp_path / "student").rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", errors="ignore")
            assert not any(marker in text for marker in cw.MARKERS), path


@pytest.mark.slow
@pytest.mark.skipif(not os.environ.get("CONVLESSONS_GRADE_LESSONS"),
                    reason="runs every lesson twice (minutes); set CONVLESSONS_GRADE_LESSONS=1")
def test_real_lessons_grade_full_and_zero(tmp_path):
    if not LESSONS:
        pytest.skip("no lesson notebooks in notebooks/ yet")
    cw.build_student(ROOT / "notebooks", tmp_path / "subs" / "fresh")
    shutil.copytree(ROOT / "notebooks", tmp_path / "subs" / "master",
                    ignore=shutil.ignore_patterns("py", ".*"))
    rows = cw.grade(tmp_path / "subs", ROOT / "notebooks")
    for row in rows:
        if row.student == "master" and row.status != "manual":
            assert row.status == "passed", row
        if row.student == "fresh" and row.status != "manual":
            assert row.points == 0, row


def test_check_scoring_follows_nbgrader_rules():
    def scored(*outputs):
        cell = nbformat.v4.new_code_cell("check()")
        cell.outputs = [nbformat.NotebookNode(o) for o in outputs]
        return cw._score_check(cell, 2.0)[:2]

    ok = {"output_type": "stream", "name": "stdout", "text": "✓ fine\n"}
    assert scored(ok) == (2.0, "passed")
    assert scored({"output_type": "stream", "name": "stderr", "text": "warning\n"}) == (
        0.0, "failed")
    assert scored({"output_type": "error", "ename": "AssertionError", "evalue": "x",
                   "traceback": []}) == (0.0, "failed")
    number = {"output_type": "execute_result", "data": {"text/plain": "1.5"}, "metadata": {},
              "execution_count": 1}
    assert scored(ok, number) == (1.5, "partial")
    text = dict(number, data={"text/plain": "False"})
    assert scored(text) == (2.0, "passed")  # like nbgrader: a non-number is full marks
