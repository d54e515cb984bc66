"""Coursework: build student copies of the lessons and grade what students hand in.

The lesson notebooks are nbgrader *master* notebooks: their exercise cells carry
``metadata.nbgrader`` (schema version 3) and the model solutions sit between
``### BEGIN SOLUTION`` / ``### END SOLUTION`` lines, hidden tests between
``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``. This module does what nbgrader's
``generate_assignment`` and ``autograde`` do for such notebooks, with nothing but
``nbformat`` and ``nbclient``:

* :func:`build_student` writes the student copies: solution regions become nbgrader's
  stubs, hidden tests and mark schemes are deleted, outputs cleared, exercise cells
  locked, data files copied. It refuses malformed masters and verifies its own output.
* :func:`grade` grades one student's folder, or a folder of student folders: the check
  cells and hidden tests are restored from the masters, each notebook runs in a fresh
  kernel under time limits, and every exercise gets one :class:`GradeRow`.

The command line (``python -m convlessons student|grade``) lives in ``__main__.py``.
"""

from __future__ import annotations

import copy
import csv
import dataclasses
import io
import json
import os
import pathlib
import re
import subprocess
import sys
import time
from collections.abc import Iterable, Sequence

import nbformat

__all__ = [
    "CODE_STUB",
    "TEXT_STUB",
    "MARKERS",
    "STATUSES",
    "CourseworkError",
    "BuildReport",
    "GradeRow",
    "find_notebooks",
    "validate_master",
    "stub_solutions",
    "student_notebook",
    "verify_student",
    "build_student",
    "grade_notebook",
    "grade",
    "format_table",
    "write_json",
    "write_csv",
]

CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
"""What replaces a solution in a code cell (nbgrader's python stub)."""

TEXT_STUB = "YOUR ANSWER HERE"
"""What replaces a solution in a markdown cell (nbgrader's text stub)."""

_REGIONS = {
    "solution": ("BEGIN SOLUTION", "END SOLUTION"),
    "hidden tests": ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"),
    "mark scheme": ("BEGIN MARK SCHEME", "END MARK SCHEME"),
}
MARKERS = tuple(marker for pair in _REGIONS.values() for marker in pair)
"""Every delimiter text nbgrader looks for; a line *containing* one is a delimiter."""

STATUSES = (
    "passed",  # check cell ran without error or stderr: full points
    "partial",  # check cell's last expression was a number: that many points
    "failed",  # check cell raised, or wrote to stderr: 0
    "timeout",  # check cell (or the notebook) ran past its time limit: 0
    "crashed",  # the kernel died before or while this check ran: 0
    "not run",  # the notebook's overall time limit was spent before this cell: 0
    "missing",  # the notebook was not handed in: 0
    "invalid",  # the file handed in is not a readable notebook: 0
    "manual",  # a written answer or task, for a person to mark: points left empty
    "unanswered",  # a written answer left as the stub (or deleted): 0
    "error",  # the grader itself failed on this notebook (a bug; the run goes on): 0
)
"""The values :attr:`GradeRow.status` takes."""

_GRADE_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_NBGRADER_KEYS = {
    "schema_version",
    "grade",
    "locked",
    "solution",
    "task",
    "grade_id",
    "points",
    "checksum",
    "cell_type",
}
_SKIP_DIRS = {".ipynb_checkpoints", "__pycache__"}
_TWIN_SUFFIXES = {".py", ".md", ".rmd", ".qmd", ".jl", ".r", ".myst"}
_DROPPED_CELL_METADATA = ("execution", "collapsed", "scrolled")
_DROPPED_NB_METADATA = ("widgets", "celltoolbar", "jupytext")


class CourseworkError(ValueError):
    """A master notebook (or a folder of them) that cannot be turned into coursework.

    Attributes:
        problems: one message per problem found, each naming the notebook and the cell.
    """

    def __init__(self, problems: Sequence[str] | str):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        head = "refusing to build: " if len(self.problems) > 1 else ""
        super().__init__(head + "\n  ".join(self.problems))


# --------------------------------------------------------------------------- helpers


def _check_dir(path, name: str, *, must_exist: bool = True) -> pathlib.Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {name}={path!r}")
    path = pathlib.Path(path)
    if must_exist and not path.is_dir():
        raise ValueError(f"{name} must be an existing folder, got {name}={str(path)!r}")
    return path


def _check_path(path, name: str) -> pathlib.Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), got {name}={path!r}")
    return pathlib.Path(path)


def _check_seconds(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ValueError(f"{name} must be a positive number of seconds, got {name}={value!r}")
    return float(value)


def _meta(cell) -> dict:
    meta = cell.get("metadata", {}).get("nbgrader")
    return meta if isinstance(meta, dict) else {}


def _is_solution(cell) -> bool:
    return bool(_meta(cell).get("solution", False))


def _is_grade(cell) -> bool:
    return bool(_meta(cell).get("grade", False))


def _is_task(cell) -> bool:
    return bool(_meta(cell).get("task", False))


def _is_locked(cell) -> bool:
    """nbgrader's rule: grade cells that are not solutions, and cells marked locked."""
    meta = _meta(cell)
    if not meta or meta.get("solution", False):
        return False
    return bool(meta.get("grade", False) or meta.get("locked", False))


def _grade_id(cell) -> str | None:
    meta = _meta(cell)
    if meta.get("grade") or meta.get("solution") or meta.get("locked"):
        gid = meta.get("grade_id")
        return gid if isinstance(gid, str) and gid else None
    return None


def _is_check(cell) -> bool:
    """An autograder test cell: graded code that is not a solution."""
    return cell.cell_type == "code" and _is_grade(cell) and not _is_solution(cell)


def _is_manual(cell) -> bool:
    """A manually graded answer (grade and solution) or a manually graded task."""
    return (_is_grade(cell) and _is_solution(cell)) or _is_task(cell)


def _where(name: str, index: int, cell) -> str:
    gid = _meta(cell).get("grade_id")
    first = next((ln.strip() for ln in cell.source.split("\n") if ln.strip()), "")
    if len(first) > 40:
        first = first[:37] + "..."
    parts = [cell.cell_type]
    if isinstance(gid, str) and gid:
        parts.append(f"grade_id {gid!r}")
    if first:
        parts.append(f"starts {first!r}")
    return f"{name}, cell {index} ({', '.join(parts)})"


def _marker_of(line: str) -> tuple[str, str] | None:
    """('solution'|'hidden tests'|'mark scheme', 'begin'|'end') for a delimiter line."""
    for kind, (begin, end) in _REGIONS.items():
        if begin in line:
            return kind, "begin"
        if end in line:
            return kind, "end"
    return None


def _scan(source: str) -> tuple[list[tuple[str, int, int, str]], list[str]]:
    """Find the delimited regions of a cell source.

    Returns ``(regions, errors)``: each region is ``(kind, begin_line, end_line, indent)``
    with 0-based line numbers of its two delimiter lines.
    """
    regions, errors = [], []
    open_kind, open_line, indent = None, -1, ""
    for number, line in enumerate(source.split("\n")):
        found = _marker_of(line)
        if found is None:
            continue
        hits = sum(marker in line for marker in MARKERS)
        if hits > 1:
            errors.append(f"line {number + 1} holds more than one marker: {line.strip()!r}")
            continue
        kind, edge = found
        if edge == "begin":
            if open_kind is not None:
                errors.append(
                    f"line {number + 1}: nested {_REGIONS[kind][0]!r} inside the "
                    f"{open_kind} region opened on line {open_line + 1}"
                )
                continue
            open_kind, open_line = kind, number
            indent = re.match(r"\s*", line).group(0)
        else:
            if open_kind != kind:
                opened = "no region is open" if open_kind is None else f"{open_kind} is open"
                errors.append(
                    f"line {number + 1}: {_REGIONS[kind][1]!r} without a matching "
                    f"{_REGIONS[kind][0]!r} ({opened})"
                )
                continue
            regions.append((kind, open_line, number, indent))
            open_kind = None
    if open_kind is not None:
        errors.append(
            f"line {open_line + 1}: {_REGIONS[open_kind][0]!r} is never closed by "
            f"{_REGIONS[open_kind][1]!r}"
        )
    return regions, errors


def _rewrite(source: str, cell_type: str, *, keep_hidden: bool = False) -> str:
    """Student version of a (valid) cell source: stubs in, hidden/mark-scheme regions out."""
    regions, errors = _scan(source)
    if errors:
        raise ValueError(f"source has malformed markers: {errors[0]}")
    lines = source.split("\n")
    stub = (CODE_STUB if cell_type == "code" else TEXT_STUB).split("\n")
    out, at = [], 0
    for kind, begin, end, indent in regions:
        if kind == "hidden tests" and keep_hidden:
            continue
        out.extend(lines[at:begin])
        if kind == "solution":
            out.extend(indent + s for s in stub)
        at = end + 1
    out.extend(lines[at:])
    return "\n".join(out)


def stub_solutions(source: str, cell_type: str = "code") -> str:
    """Replace solution regions by nbgrader's stub and drop hidden tests and mark schemes.

    The stub takes the indentation of the ``BEGIN SOLUTION`` line, exactly as nbgrader's
    ``ClearSolutions`` does. A source without markers comes back unchanged (a solution
    cell without markers is replaced whole by :func:`student_notebook`, not here).

    Args:
        source: the cell source.
        cell_type: ``"code"`` (stub ``# YOUR CODE HERE`` + ``raise NotImplementedError()``)
            or ``"markdown"`` (stub ``YOUR ANSWER HERE``).

    Returns:
        The student version of ``source``.

    Raises:
        ValueError: markers nested, unclosed or unmatched; a bad ``cell_type``.

    Example:
        >>> print(stub_solutions("def f(x):\\n    ### BEGIN SOLUTION\\n    return 2 * x\\n"
        ...                      "    ### END SOLUTION"))
        def f(x):
            # YOUR CODE HERE
            raise NotImplementedError()
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a str, got source={source!r}")
    if cell_type not in ("code", "markdown"):
        raise ValueError(f"cell_type must be 'code' or 'markdown', got cell_type={cell_type!r}")
    return _rewrite(source, cell_type)


def _secret_and_public_lines(cell) -> tuple[list[str], list[str]]:
    """Stripped non-empty lines inside solution/hidden/mark-scheme regions, and outside."""
    lines = cell.source.split("\n")
    regions, _ = _scan(cell.source)
    if _is_solution(cell) and not any(kind == "solution" for kind, *_ in regions):
        return [ln.strip() for ln in lines if ln.strip()], []
    secret_idx = set()
    for _kind, begin, end, _indent in regions:
        secret_idx.update(range(begin, end + 1))
    secret = [lines[i].strip() for i in sorted(secret_idx) if lines[i].strip()]
    public = [ln.strip() for i, ln in enumerate(lines) if i not in secret_idx and ln.strip()]
    return secret, public


# ------------------------------------------------------------------------- validation


def validate_master(nb, name: str = "notebook") -> None:
    """Check a master notebook the way nbgrader would, and more strictly about markers.

    Refused: nbgrader metadata nbgrader would reject (schema version other than 3,
    missing or non-boolean flags, unknown keys, missing/empty/ill-formed/duplicate
    ``grade_id``, missing or negative ``points``, markdown cells graded but not
    solutions or the reverse, task cells that are not markdown); solution markers in a
    cell that is not a solution cell; hidden tests outside autograder test cells; mark
    schemes outside task cells; nested, unclosed or unmatched markers; kernels other
    than Python.

    Args:
        nb: the notebook (``nbformat.NotebookNode``, version 4).
        name: how to call the notebook in messages (usually its file name).

    Raises:
        CourseworkError: listing every problem, each naming the notebook and the cell.
        TypeError: ``nb`` is not a notebook.
    """
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise TypeError(f"nb must be an nbformat notebook (version 4), got nb={type(nb)!r}")
    problems = []
    language = nb.get("metadata", {}).get("kernelspec", {}).get("language", "python")
    if language != "python":
        problems.append(f"{name}: kernel language {language!r}; only 'python' is supported")
    seen: dict[str, int] = {}
    for index, cell in enumerate(nb.cells):
        where = _where(name, index, cell)
        problems.extend(f"{where}: {p}" for p in _cell_problems(cell))
        gid = _grade_id(cell)
        if gid is not None:
            if gid in seen:
                problems.append(
                    f"{where}: duplicate grade_id {gid!r} (also cell {seen[gid]}); "
                    "every grade_id must be unique in its notebook"
                )
            else:
                seen[gid] = index
    if problems:
        raise CourseworkError(problems)


def _cell_problems(cell) -> list[str]:
    problems = []
    raw = cell.get("metadata", {}).get("nbgrader")
    if raw is not None and not isinstance(raw, dict):
        return [f"metadata.nbgrader must be a dict, got {raw!r}"]
    meta = raw or {}
    if meta:
        if meta.get("schema_version") != 3:
            problems.append(
                f"metadata.nbgrader.schema_version must be 3, got {meta.get('schema_version')!r}"
            )
        for key in ("grade", "solution", "locked"):
            if not isinstance(meta.get(key), bool):
                problems.append(
                    f"metadata.nbgrader.{key} must be true or false, got {meta.get(key)!r}"
                )
        if "task" in meta and not isinstance(meta["task"], bool):
            problems.append(f"metadata.nbgrader.task must be true or false, got {meta['task']!r}")
        extra = sorted(set(meta) - _NBGRADER_KEYS)
        if extra:
            problems.append(
                f"metadata.nbgrader has keys nbgrader does not know: {extra}; "
                "keep project settings in metadata.convlessons"
            )
        flagged = meta.get("grade") or meta.get("solution") or meta.get("locked")
        gid = meta.get("grade_id")
        if flagged and not (isinstance(gid, str) and _GRADE_ID.match(gid)):
            problems.append(
                "metadata.nbgrader.grade_id must be a non-empty string of letters, digits, "
                f"'_' and '-', got grade_id={gid!r}"
            )
        if meta.get("grade") or "points" in meta:
            points = meta.get("points")
            if isinstance(points, bool) or not isinstance(points, (int, float)) or points < 0:
                problems.append(
                    "metadata.nbgrader.points must be a number >= 0 for a graded cell, "
                    f"got points={points!r}"
                )
        if meta.get("task"):
            if cell.cell_type != "markdown":
                problems.append("a task cell (task true) must be a markdown cell")
        elif cell.cell_type == "markdown" and bool(meta.get("grade")) != bool(
            meta.get("solution")
        ):
            problems.append(
                "a graded markdown cell must be both grade and solution "
                f"(got grade={meta.get('grade')!r}, solution={meta.get('solution')!r})"
            )
    regions, errors = _scan(cell.source)
    problems.extend(f"markers: {e}" for e in errors)
    kinds = {kind for kind, *_ in regions}
    if not errors:  # (unmatched lines are reported above; only judge complete regions)
        for kind, begin, *_ in regions:
            if kind == "solution" and not meta.get("solution"):
                problems.append(
                    f"line {begin + 1}: a solution region in a cell that is not a solution "
                    "cell (set metadata.nbgrader.solution to true, or remove the markers)"
                )
            if kind == "hidden tests" and not (
                cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")
            ):
                problems.append(
                    f"line {begin + 1}: hidden tests outside an autograder test cell "
                    "(a code cell with grade true and solution false)"
                )
            if kind == "mark scheme" and not meta.get("task"):
                problems.append(
                    f"line {begin + 1}: a mark scheme outside a task cell (task true)"
                )
    if kinds and cell.cell_type == "raw":
        problems.append("markers in a raw cell")
    return problems


# ------------------------------------------------------------------ student copies


def _student_source(cell) -> str:
    """The student version of one valid master cell's source."""
    regions, _ = _scan(cell.source)
    if _is_solution(cell) and not any(kind == "solution" for kind, *_ in regions):
        return CODE_STUB if cell.cell_type == "code" else TEXT_STUB
    return _rewrite(cell.source, cell.cell_type)


def _clean_cell(cell) -> None:
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    for key in _DROPPED_CELL_METADATA:
        cell.metadata.pop(key, None)


def _lock(cell) -> None:
    """nbgrader's LockCells: answers undeletable; tests and read-only cells frozen."""
    if _is_solution(cell):
        cell.metadata["deletable"] = False
    elif _is_grade(cell) or _is_locked(cell):
        cell.metadata["deletable"] = False
        cell.metadata["editable"] = False


def student_notebook(nb, name: str = "notebook"):
    """The student version of one master notebook (the master is not modified).

    Solution regions become stubs (a solution cell without markers is replaced whole),
    hidden tests and mark schemes are deleted, outputs and execution counts cleared,
    exercise cells locked as nbgrader's ``LockCells`` does, and notebook metadata that
    could carry results (widget state) or pairing (jupytext) dropped.

    Args:
        nb: the master notebook (``nbformat.NotebookNode``, version 4).
        name: how to call the notebook in error messages.

    Returns:
        A new ``NotebookNode``.

    Raises:
        CourseworkError: the master is malformed (see :func:`validate_master`).
    """
    validate_master(nb, name)
    out = copy.deepcopy(nb)
    for key in _DROPPED_NB_METADATA:
        out.metadata.pop(key, None)
    for cell in out.cells:
        cell.source = _student_source(cell)
        if _is_solution(cell) or _is_task(cell):
            cell.pop("attachments", None)  # may hold pictures of the answer
        _clean_cell(cell)
        _lock(cell)
    return out


def verify_student(master, student, name: str = "notebook") -> list[str]:
    """Check a student copy against its master; an empty list means it is safe to hand out.

    A problem is: a different number or kind of cells; any marker line; any line from a
    solution, hidden-test or mark-scheme region of the master that does not also occur
    outside those regions (or in a stub); stored outputs or execution counts; an
    autograder test cell that is not locked.

    Args:
        master: the master notebook.
        student: its student version.
        name: how to call the notebook in messages.

    Returns:
        A list of problem messages naming notebook and cell.
    """
    problems = []
    if len(master.cells) != len(student.cells):
        return [f"{name}: {len(student.cells)} cells in the student copy, master has "
                f"{len(master.cells)}"]
    secret, public = set(), set(CODE_STUB.split("\n")) | {TEXT_STUB}
    for cell in master.cells:
        s, p = _secret_and_public_lines(cell)
        secret.update(s)
        public.update(p)
    secret -= public
    for index, (mcell, scell) in enumerate(zip(master.cells, student.cells, strict=True)):
        where = _where(name, index, scell)
        if mcell.cell_type != scell.cell_type:
            problems.append(f"{where}: cell type changed from {mcell.cell_type!r}")
        for line in scell.source.split("\n"):
            if _marker_of(line) is not None:
                problems.append(f"{where}: marker line survived: {line.strip()!r}")
            elif line.strip() in secret:
                problems.append(f"{where}: solution or hidden-test line leaked: {line.strip()!r}")
        if scell.cell_type == "code" and (scell.outputs or scell.execution_count is not None):
            problems.append(f"{where}: outputs or execution count not cleared")
        if _is_check(scell) and (
            scell.metadata.get("deletable", True) or scell.metadata.get("editable", True)
        ):
            problems.append(f"{where}: autograder test cell is not locked")
    return problems


def find_notebooks(folder) -> list[pathlib.Path]:
    """The ``.ipynb`` files under ``folder`` (recursively), sorted, as relative paths.

    Hidden folders, ``.ipynb_checkpoints`` and ``__pycache__`` are skipped.

    Args:
        folder: an existing folder.

    Returns:
        Paths relative to ``folder``.
    """
    folder = _check_dir(folder, "folder")
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") or part in _SKIP_DIRS for part in rel.parts):
            continue
        if path.is_file():
            found.append(rel)
    return found


@dataclasses.dataclass
class BuildReport:
    """What :func:`build_student` did.

    Attributes:
        notebooks: relative paths of the student notebooks written (or left unchanged).
        data: relative paths of the data files copied.
        skipped: ``(relative path, reason)`` for files deliberately not copied.
        changed: relative paths whose bytes changed on this run (empty on a rerun).
    """

    notebooks: list[str] = dataclasses.field(default_factory=list)
    data: list[str] = dataclasses.field(default_factory=list)
    skipped: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    changed: list[str] = dataclasses.field(default_factory=list)


def _read_notebook(path: pathlib.Path, name: str):
    try:
        text = path.read_text(encoding="utf-8")
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # invalid JSON, wrong encoding, unknown nbformat
        raise CourseworkError(f"{name}: not a readable notebook: {exc}") from exc
    if not isinstance(nb.get("cells"), list):
        raise CourseworkError(f"{name}: not a readable notebook: it has no list of cells")
    for cell in nb.cells:
        if not isinstance(cell, dict) or "cell_type" not in cell or "source" not in cell:
            raise CourseworkError(f"{name}: not a readable notebook: a cell lacks type/source")
        if not isinstance(cell.source, str):
            cell.source = "".join(cell.source)
        cell.setdefault("metadata", nbformat.NotebookNode())
    return nb


def _data_files(source: pathlib.Path, notebook_stems: set[str]):
    """Files to copy next to the student notebooks, and those skipped (with why)."""
    copy_list, skipped = [], []
    for path in sorted(source.rglob("*")):
        rel = path.relative_to(source)
        if not path.is_file() or path.suffix == ".ipynb":
            continue
        if any(part.startswith(".") or part in _SKIP_DIRS for part in rel.parts):
            continue
        if path.name.startswith("jupytext.") or path.name == "conftest.py":
            skipped.append((rel.as_posix(), "configuration of jupytext or pytest, not data"))
            continue
        if path.suffix.lower() in _TWIN_SUFFIXES and path.stem in notebook_stems:
            skipped.append((rel.as_posix(), "text twin of a notebook (holds its solutions)"))
            continue
        try:
            head = path.read_bytes()[:5_000_000].decode("utf-8", errors="ignore")
        except OSError as exc:
            raise CourseworkError(f"{rel.as_posix()}: cannot read data file: {exc}") from exc
        if any(marker in head for marker in MARKERS):
            skipped.append((rel.as_posix(), "holds solution/hidden-test markers"))
            continue
        copy_list.append(rel)
    return copy_list, skipped


def _write_if_changed(path: pathlib.Path, data: bytes) -> bool:
    if path.is_file() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True


def build_student(source_dir, out_dir) -> BuildReport:
    """Write the student copies of every notebook in ``source_dir`` to ``out_dir``.

    Every master is validated and converted first; if any is malformed nothing is
    written. Each copy is then verified (:func:`verify_student`); the build fails if a
    marker or a solution/hidden-test line survived. Other files (data the notebooks
    read) are copied along, except jupytext twins and configuration and any file that
    holds markers. A file is rewritten only when its bytes change, so a second run
    leaves ``out_dir`` byte-identical. Files already in ``out_dir`` that the build does
    not produce are left alone.

    Args:
        source_dir: folder of master notebooks (searched recursively).
        out_dir: folder for the student copies (created if missing); must not be
            ``source_dir`` or inside it.

    Returns:
        A :class:`BuildReport`.

    Raises:
        CourseworkError: a malformed master, or a copy that failed verification.
        ValueError, TypeError: bad folders.
    """
    source = _check_dir(source_dir, "source_dir")
    out = _check_dir(out_dir, "out_dir", must_exist=False)
    src_abs, out_abs = source.resolve(), out.resolve()
    if out_abs == src_abs or src_abs in out_abs.parents:
        raise ValueError(
            f"out_dir must not be source_dir or inside it, got out_dir={str(out)!r} "
            f"for source_dir={str(source)!r}"
        )
    if out.exists() and not out.is_dir():
        raise ValueError(f"out_dir must be a folder, got out_dir={str(out)!r} (a file)")
    rels = find_notebooks(source)
    if not rels:
        raise CourseworkError(f"no notebooks (*.ipynb) found in {str(source)!r}")

    problems, built = [], []
    for rel in rels:
        name = rel.as_posix()
        try:
            master = _read_notebook(source / rel, name)
            student = student_notebook(master, name)
        except CourseworkError as exc:
            problems.extend(exc.problems)
            continue
        leaks = verify_student(master, student, name)
        if leaks:
            problems.extend(leaks)
            continue
        built.append((rel, student))
    if problems:
        raise CourseworkError(problems)

    data, skipped = _data_files(source, {rel.stem for rel in rels})
    report = BuildReport(skipped=skipped)
    for rel, student in built:
        text = nbformat.writes(student, version=4)
        if _write_if_changed(out / rel, (text + "\n").encode("utf-8")):
            report.changed.append(rel.as_posix())
        report.notebooks.append(rel.as_posix())
    for rel in data:
        if _write_if_changed(out / rel, (source / rel).read_bytes()):
            report.changed.append(rel.as_posix())
        report.data.append(rel.as_posix())
    return report


# -------------------------------------------------------------------------- grading


@dataclasses.dataclass(frozen=True)
class GradeRow:
    """One graded exercise of one student's notebook.

    Attributes:
        student: the student (their folder's name).
        notebook: the notebook's path relative to the masters folder.
        grade_id: the graded cell's ``grade_id``.
        points: points earned; ``None`` while a person still has to mark it.
        max_points: points available.
        status: one of :data:`STATUSES`.
        message: why (the error raised by a check, the time limit hit, ...).
    """

    student: str
    notebook: str
    grade_id: str
    points: float | None
    max_points: float
    status: str
    message: str


_FIELDS = [f.name for f in dataclasses.fields(GradeRow)]


def _current_python_kernel_manager():
    """A kernel manager whose kernel is this interpreter (so this environment's packages)."""
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class _ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name, *args, **kwargs):
            return KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python 3 (grader)",
                language="python",
                resource_dir="",
            )

    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=_ThisPython())


def _kernel_env() -> dict[str, str]:
    env = dict(os.environ)
    package_root = str(pathlib.Path(__file__).resolve().parent.parent)
    paths = [package_root] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"  # no debugger warning on the kernel's stderr
    return env


def _restorable(master_cell):
    """The master's cell as the grader runs it: hidden tests kept, mark scheme removed."""
    cell = copy.deepcopy(master_cell)
    cell.source = _rewrite(cell.source, cell.cell_type, keep_hidden=True)
    if _is_task(cell):
        cell.pop("attachments", None)
    _clean_cell(cell)
    _lock(cell)
    return cell


def _restore(master, submission) -> tuple[list, list[str]]:
    """Submission cells with every locked master cell restored; notes on what was fixed."""
    notes = []
    protected = {_grade_id(c): c for c in master.cells if _is_locked(c) and _grade_id(c)}
    known = {_grade_id(c) for c in master.cells if _grade_id(c)}
    cells, placed = [], set()
    for cell in submission.cells:
        gid = _grade_id(cell) if _meta(cell) else None
        if gid in protected:
            if gid in placed:
                notes.append(f"dropped a duplicate of locked cell {gid!r}")
                continue
            master_cell = protected[gid]
            if cell.source not in (master_cell.source, _student_source(master_cell)):
                notes.append(f"restored edited cell {gid!r}")
            cells.append(_restorable(protected[gid]))
            placed.add(gid)
        else:
            cells.append(cell)
            if gid in known:
                placed.add(gid)
    # re-insert deleted locked cells after the previous master cell that is present
    anchor = -1
    for mcell in master.cells:
        gid = _grade_id(mcell)
        if gid is None:
            continue
        position = next((i for i, c in enumerate(cells) if _grade_id(c) == gid), None)
        if position is None and gid in protected:
            cells.insert(anchor + 1, _restorable(mcell))
            notes.append(f"re-inserted deleted cell {gid!r}")
            position = anchor + 1
        if position is not None:
            anchor = position
    return cells, notes


def _first_line(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _score_check(cell, max_points: float) -> tuple[float, str, str]:
    """(points, status, message) from a check cell's outputs, by nbgrader's rules."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            error = f"{output.get('ename')}: {output.get('evalue')}".rstrip(": ")
            return 0.0, "failed", _first_line(error)
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return 0.0, "failed", _first_line("wrote to stderr: " + str(output.get("text", "")))
    for output in cell.get("outputs", []):
        if output.get("output_type") == "execute_result":
            text = output.get("data", {}).get("text/plain", "")
            try:
                value = float("".join(text) if isinstance(text, list) else text)
            except ValueError:
                break
            if 0 <= value < max_points:
                return value, "partial", f"partial credit {value:g} of {max_points:g}"
            break
    return max_points, "passed", ""


def _run(cells, folder: pathlib.Path, timeout: float, notebook_timeout: float):
    """Execute ``cells`` in a fresh kernel, one by one, under both time limits.

    Executed cells get their outputs in place. Returns ``(outcome, events)``:
    ``outcome`` maps the index of each code cell that did not finish normally (timed
    out, killed the kernel, not run, answered anything but ``ok``) to ``(status,
    message)``; ``events`` maps the index of a cell that timed out or killed the kernel
    to a short description, for the messages of later checks.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "Py"}
    client = NotebookClient(
        nb,
        km=_current_python_kernel_manager(),
        timeout=max(1, int(timeout)),
        allow_errors=True,
        interrupt_on_timeout=True,  # nbclient interrupts, then stops listening to the cell
        error_on_timeout={"ename": "CellTimeoutError", "evalue": "timed out", "traceback": []},
        record_timing=False,
        shutdown_kernel="immediate",
        startup_timeout=int(max(10, min(120, notebook_timeout))),
        resources={"metadata": {"path": str(folder)}},
    )
    replies: dict[int, dict] = {}
    client.on_cell_executed = lambda cell, cell_index, execute_reply: replies.__setitem__(
        cell_index, execute_reply.get("content", {}))
    outcome: dict[int, tuple[str, str]] = {}
    events: dict[int, str] = {}
    deadline = time.monotonic() + notebook_timeout
    spent = f"the notebook's time limit of {notebook_timeout:g} s"
    stop: tuple[str, str] | None = None
    index = -1
    try:
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        with client.setup_kernel(env=_kernel_env(), cleanup_kc=True, **quiet):
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                left = deadline - time.monotonic()
                if stop is None and left < 1:
                    stop = ("not run", f"{spent} was spent before this cell")
                if stop is not None:
                    outcome[index] = stop
                    continue
                overall = left < timeout
                client.timeout = max(1, int(min(timeout, left)))
                try:
                    client.execute_cell(cell, index)
                except CellTimeoutError:  # (only if nbclient could not interrupt)
                    replies[index] = {"status": "error", "ename": "CellTimeoutError"}
                except DeadKernelError:
                    outcome[index] = ("crashed", f"the kernel died while running cell {index}")
                    events[index] = outcome[index][1]
                    stop = ("crashed", f"not run: the kernel died in cell {index}")
                    continue
                reply = replies.get(index, {})
                if reply.get("ename") == "CellTimeoutError":
                    limit = spent if overall else f"the per-cell time limit of {timeout:g} s"
                    outcome[index] = ("timeout", f"cell {index} ran past {limit}")
                    events[index] = outcome[index][1]
                    if overall:
                        stop = ("not run", f"{spent} was spent (cell {index} ran past it)")
                elif reply.get("status") == "error" and not any(
                    o.get("output_type") == "error" for o in cell.outputs
                ):  # an error whose traceback did not reach us still fails the cell
                    message = f"{reply.get('ename')}: {reply.get('evalue')}".rstrip(": ")
                    outcome[index] = ("failed", _first_line(message))
                elif reply.get("status") not in ("ok", "error"):
                    outcome[index] = ("failed", f"the kernel answered {reply.get('status')!r} "
                                      f"for cell {index} instead of running it")
    except DeadKernelError:
        pass  # raised again while shutting the dead kernel down
    except Exception as exc:  # the kernel did not start, or the client broke down
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and i not in outcome and i >= index:
                outcome[i] = ("crashed", _first_line(f"kernel failure: {exc}"))
    return outcome, events


def grade_notebook(
    master_path,
    submission_path,
    *,
    student: str = "",
    notebook: str | None = None,
    timeout: float = 60,
    notebook_timeout: float = 600,
) -> list[GradeRow]:
    """Grade one submitted notebook against its master; never raises for bad submissions.

    The submission's locked cells (check cells with their hidden tests, read-only cells)
    are replaced by the master's, and deleted ones re-inserted after the previous
    master cell still present. The notebook then runs in a fresh kernel (this Python
    interpreter, working directory = the submission's folder, the ``convlessons``
    package importable) with ``timeout`` seconds per cell and ``notebook_timeout`` for
    the whole run. A check cell earns its points when it ran without an error and
    without writing to stderr (nbgrader's rule, including partial credit when its last
    expression is a number). Written answers and tasks are listed as ``manual`` (or
    ``unanswered`` when left as the stub).

    Args:
        master_path: the master notebook.
        submission_path: the student's notebook (may be missing or broken).
        student: the student's name for the rows.
        notebook: the notebook's name for the rows (default: the master's file name).
        timeout: seconds each cell may run.
        notebook_timeout: seconds the whole notebook may run, kernel start included.

    Returns:
        One :class:`GradeRow` per graded cell of the master, in notebook order.

    Raises:
        CourseworkError: the *master* is unreadable or malformed.
    """
    timeout = _check_seconds(timeout, "timeout")
    notebook_timeout = _check_seconds(notebook_timeout, "notebook_timeout")
    master_path = pathlib.Path(master_path)
    submission_path = pathlib.Path(submission_path)
    name = notebook if notebook is not None else master_path.name
    master = _read_notebook(master_path, name)
    validate_master(master, name)
    graded = [c for c in master.cells if _is_check(c) or _is_manual(c)]

    def rows_all(status: str, message: str) -> list[GradeRow]:
        return [
            GradeRow(student, name, _grade_id(c), None if status == "manual" else 0.0,
                     float(_meta(c).get("points", 0)), status, message)
            for c in graded
        ]

    if not graded:
        return []
    if not submission_path.is_file():
        return rows_all("missing", "notebook not handed in")
    try:
        submission = _read_notebook(submission_path, name)
    except CourseworkError as exc:
        return rows_all("invalid", _first_line(str(exc)))
    try:
        return _grade_loaded(master, submission, submission_path.parent, graded, student, name,
                             timeout, notebook_timeout)
    except Exception as exc:  # a grader bug must not stop the class's run
        return rows_all("error", _first_line(f"grader error: {type(exc).__name__}: {exc}"))


def _grade_loaded(master, submission, folder, graded, student, name, timeout, notebook_timeout):
    cells, notes = _restore(master, submission)
    needs_run = any(_is_check(c) for c in graded)
    outcome, events = _run(cells, folder, timeout, notebook_timeout) if needs_run else ({}, {})
    by_id: dict[str, tuple[int, object]] = {}
    for index, cell in enumerate(cells):
        gid = _grade_id(cell)
        if gid is not None and gid not in by_id:
            by_id[gid] = (index, cell)
    note = ("; " + "; ".join(notes)) if notes else ""
    rows = []
    for mcell in graded:
        gid = _grade_id(mcell)
        max_points = float(_meta(mcell)["points"])
        index, cell = by_id.get(gid, (None, None))
        if _is_check(mcell):
            if index in outcome:
                status, message = outcome[index]
                points = 0.0
            else:
                points, status, message = _score_check(cell, max_points)
            if status != "passed" and index is not None:
                earlier = [msg for i, msg in sorted(events.items()) if i < index]
                message = "; ".join([message, *earlier])
            rows.append(GradeRow(student, name, gid, points, max_points, status,
                                 _first_line(message + note if status != "passed" else
                                             message or note.lstrip("; "))))
        else:
            stub = _student_source(mcell)
            if cell is None:
                rows.append(GradeRow(student, name, gid, 0.0, max_points, "unanswered",
                                     "answer cell deleted"))
            elif not _is_task(mcell) and cell.source.strip() == stub.strip():
                rows.append(GradeRow(student, name, gid, 0.0, max_points, "unanswered",
                                     "answer left as the stub"))
            else:
                rows.append(GradeRow(student, name, gid, None, max_points, "manual",
                                     "to be marked by hand"))
    return rows


def _masters(masters_dir: pathlib.Path) -> list[pathlib.Path]:
    found = []
    for rel in find_notebooks(masters_dir):
        nb = _read_notebook(masters_dir / rel, rel.as_posix())
        validate_master(nb, rel.as_posix())
        if any(_is_check(c) or _is_manual(c) for c in nb.cells):
            found.append(rel)
    return found


def _find_submission(student_dir: pathlib.Path, rel: pathlib.Path) -> pathlib.Path:
    direct = student_dir / rel
    if direct.is_file():
        return direct
    candidates = [
        p for p in student_dir.rglob(rel.name)
        if p.is_file() and not any(
            part.startswith(".") or part in _SKIP_DIRS
            for part in p.relative_to(student_dir).parts
        )
    ]
    candidates.sort(key=lambda p: (len(p.parts), str(p)))
    return candidates[0] if candidates else direct


def grade(
    submission_dir,
    masters_dir="notebooks",
    *,
    timeout: float = 60,
    notebook_timeout: float = 600,
    progress=None,
) -> list[GradeRow]:
    """Grade one student's folder, or a folder of student folders.

    ``submission_dir`` is one student's folder when it holds (directly) a notebook
    named like one of the masters; otherwise each of its sub-folders is a student.
    Submissions are matched to masters by relative path, else by file name anywhere in
    the student's folder (so nbgrader's ``submitted/<student>/<assignment>/`` layout
    works too). Masters without graded cells are not run.

    Args:
        submission_dir: the folder handed in (or the folder of students' folders).
        masters_dir: the master notebooks (default ``notebooks``).
        timeout: seconds each cell may run.
        notebook_timeout: seconds each notebook may run in total.
        progress: optional callable receiving one line of text per notebook graded.

    Returns:
        All rows, student by student, notebook by notebook.

    Raises:
        CourseworkError: a master is malformed, or there are none.
        ValueError, TypeError: bad arguments.
    """
    submissions = _check_dir(submission_dir, "submission_dir")
    masters_dir = _check_dir(masters_dir, "masters_dir")
    timeout = _check_seconds(timeout, "timeout")
    notebook_timeout = _check_seconds(notebook_timeout, "notebook_timeout")
    if progress is not None and not callable(progress):
        raise TypeError(f"progress must be callable or None, got progress={progress!r}")
    masters = _masters(masters_dir)
    if not masters:
        raise CourseworkError(f"no master notebook with graded cells in {str(masters_dir)!r}")
    single = any((submissions / rel).is_file() or (submissions / rel.name).is_file()
                 for rel in masters)
    if single:
        students = [(submissions.resolve().name, submissions)]
    else:
        subdirs = sorted(p for p in submissions.iterdir()
                         if p.is_dir() and not p.name.startswith(".") and p.name not in _SKIP_DIRS)
        students = [(p.name, p) for p in subdirs] or [(submissions.resolve().name, submissions)]
    rows: list[GradeRow] = []
    for student, folder in students:
        for rel in masters:
            path = _find_submission(folder, rel)
            if progress is not None:
                progress(f"grading {student}: {rel.as_posix()}")
            rows.extend(grade_notebook(masters_dir / rel, path, student=student,
                                       notebook=rel.as_posix(), timeout=timeout,
                                       notebook_timeout=notebook_timeout))
    return rows


# --------------------------------------------------------------------------- output


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def format_table(rows: Iterable[GradeRow]) -> str:
    """A plain-text table of the rows, with a total per student.

    Args:
        rows: :class:`GradeRow` objects.

    Returns:
        The table (ends without a newline).

    Example:
        >>> print(format_table([GradeRow("ann", "01.ipynb", "ex1", 2.0, 2.0, "passed", "")]))
        student  notebook  grade_id  points  max  status  message
        -------  --------  --------  ------  ---  ------  -------
        ann      01.ipynb  ex1       2       2    passed
        <BLANKLINE>
        ann: 2 of 2 points
    """
    rows = list(rows)
    if not all(isinstance(r, GradeRow) for r in rows):
        raise TypeError("rows must be GradeRow objects, got " + repr(rows)[:80])
    header = ["student", "notebook", "grade_id", "points", "max", "status", "message"]
    body = [[r.student, r.notebook, r.grade_id, _num(r.points), _num(r.max_points), r.status,
             _first_line(r.message, 70)] for r in rows]
    widths = [max(len(h), *(len(b[i]) for b in body)) if body else len(h)
              for i, h in enumerate(header)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(header, widths, strict=True)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(b, widths, strict=True)).rstrip()
              for b in body]
    lines.append("")
    totals: dict[str, list[float]] = {}
    for r in rows:
        total = totals.setdefault(r.student, [0.0, 0.0, 0.0])  # earned, available, by hand
        total[0] += r.points or 0.0
        total[1] += r.max_points
        total[2] += r.max_points if r.status == "manual" else 0.0
    for student, (got, available, by_hand) in totals.items():
        extra = f" ({by_hand:g} still to mark by hand)" if by_hand else ""
        lines.append(f"{student}: {got:g} of {available:g} points{extra}")
    if not rows:
        lines.append("no graded exercises")
    return "\n".join(lines)


def write_json(rows: Iterable[GradeRow], path) -> None:
    """Write the rows to ``path`` as a JSON list of objects (one per exercise)."""
    path = _check_path(path, "path")
    data = [dataclasses.asdict(r) for r in rows]
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def write_csv(rows: Iterable[GradeRow], path) -> None:
    """Write the rows to ``path`` as CSV with a header line; empty cell for no points."""
    path = _check_path(path, "path")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=_FIELDS, lineterminator="\n")
    writer.writeheader()
    for r in rows:
        record = dataclasses.asdict(r)
        record["points"] = _num(r.points)
        record["max_points"] = _num(r.max_points)
        writer.writerow(record)
    path.write_text(buffer.getvalue(), encoding="utf-8")
