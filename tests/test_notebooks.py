"""Hygiene of the stored lesson notebooks (notebooks/NN_*.ipynb).

nbval (run by plain ``pytest``) compares each notebook's stored outputs with a fresh
run; these tests check what nbval does not: the jupytext twin is in sync, the stored
run is clean and complete, the file is small, the nbgrader metadata is valid, and the
notebook has the anatomy every lesson shares.
"""

import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NB_DIR = ROOT / "notebooks"
PY_DIR = NB_DIR / "py"
NOTEBOOKS = sorted(NB_DIR.glob("[0-9][0-9]_*.ipynb"))
PARAMS = [pytest.param(p, id=p.stem) for p in NOTEBOOKS] or [
    pytest.param(None, marks=pytest.mark.skip(reason="no lesson notebooks stored yet"))
]
MAX_BYTES = 2_000_000
HEADINGS = (
    "Learning objectives",
    "Setup",
    "Intuition",
    "Definition",
    "Implementation",
    "Cost",
    "Claim check",
    "Explore",
    "In practice",
    "Exercises",
    "GPU section",
    "Summary",
    "References",
    "Glossary",
)
NBGRADER_KEYS = {"schema_version", "grade", "solution", "locked", "grade_id", "points", "task"}
GRADE_ID = re.compile(r"[A-Za-z0-9_-]+")
CJK = re.compile(r"[\u3400-\u9fff]")


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _source(cell):
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _code_cells(nb):
    return [c for c in nb["cells"] if c["cell_type"] == "code"]


@pytest.mark.parametrize("path", PARAMS)
def test_jupytext_twin_in_sync(path):
    jupytext = pytest.importorskip("jupytext")
    twin = PY_DIR / f"{path.stem}.py"
    assert twin.exists(), f"missing twin {twin.relative_to(ROOT)}"
    expected = jupytext.writes(jupytext.read(path), fmt="py:percent")
    assert twin.read_text(encoding="utf-8").rstrip("\n") == expected.rstrip("\n"), (
        f"{twin.name} differs from {path.name}: run tools/refresh_notebooks.py {path.stem[:2]}"
    )


@pytest.mark.parametrize("path", PARAMS)
def test_stored_run_is_clean_and_complete(path):
    nb = _load(path)
    code = _code_cells(nb)
    assert code, "a lesson without code cells"
    counts = [c.get("execution_count") for c in code]
    assert None not in counts, (
        f"{counts.count(None)} code cell(s) were not executed (a null execution_count "
        "turns nbval's strict comparison off for that cell)"
    )
    assert counts == list(range(1, len(code) + 1)), (
        f"execution counts are not 1..{len(code)} (not one fresh top-to-bottom run): {counts}"
    )
    for number, cell in enumerate(code, start=1):
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", (
                f"code cell {number} stores an error: {out.get('ename')}: {out.get('evalue')}"
            )
            if out.get("output_type") == "stream":
                assert out.get("name") != "stderr", (
                    f"code cell {number} stores stderr: {''.join(out.get('text', ''))[:200]!r}"
                )


@pytest.mark.parametrize("path", PARAMS)
def test_notebook_is_small(path):
    size = path.stat().st_size
    assert size < MAX_BYTES, f"{path.name} is {size / 1e6:.2f} MB; the limit is 2 MB"


@pytest.mark.parametrize("path", PARAMS)
def test_nbgrader_metadata_is_valid(path):
    nb = _load(path)
    seen, graded = set(), 0
    for index, cell in enumerate(nb["cells"]):
        meta = cell.get("metadata", {}).get("nbgrader")
        src = _source(cell)
        where = f"cell {index} ({cell['cell_type']})"
        if meta is None:
            assert "BEGIN SOLUTION" not in src and "BEGIN HIDDEN TESTS" not in src, (
                f"{where} has nbgrader delimiters but no nbgrader metadata"
            )
            continue
        unknown = set(meta) - NBGRADER_KEYS
        assert not unknown, f"{where}: unknown nbgrader keys {unknown}"
        assert meta.get("schema_version") == 3, f"{where}: schema_version must be 3"
        for key in ("grade", "solution", "locked"):
            assert isinstance(meta.get(key), bool), f"{where}: nbgrader.{key} must be a bool"
        if meta.get("task"):
            assert cell["cell_type"] == "markdown", f"{where}: task cells are markdown cells"
        if meta["grade"] or meta["solution"] or meta["locked"]:
            grade_id = meta.get("grade_id")
            assert isinstance(grade_id, str) and GRADE_ID.fullmatch(grade_id), (
                f"{where}: grade_id must match [A-Za-z0-9_-]+, got {grade_id!r}"
            )
            assert grade_id not in seen, f"{where}: duplicate grade_id {grade_id!r}"
            seen.add(grade_id)
        if meta["grade"]:
            graded += 1
            points = meta.get("points")
            number = isinstance(points, int | float) and not isinstance(points, bool)
            assert number and points > 0, (
                f"{where}: a graded cell needs positive points, got {points!r}"
            )
        if "BEGIN SOLUTION" in src:
            assert meta["solution"], f"{where}: solution delimiters in a non-solution cell"
            assert src.count("BEGIN SOLUTION") == src.count("END SOLUTION"), (
                f"{where}: unbalanced BEGIN/END SOLUTION"
            )
        if "BEGIN HIDDEN TESTS" in src:
            assert meta["grade"] and not meta["solution"], (
                f"{where}: hidden tests belong in autograder test cells"
            )
            assert src.count("BEGIN HIDDEN TESTS") == src.count("END HIDDEN TESTS"), (
                f"{where}: unbalanced BEGIN/END HIDDEN TESTS"
            )
    assert graded >= 3, f"{path.name} has {graded} graded cells; every lesson needs at least 3"


@pytest.mark.parametrize("path", PARAMS)
def test_anatomy_headings_and_title(path):
    nb = _load(path)
    markdown = [_source(c) for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert markdown, "a lesson without markdown"
    title = markdown[0].lstrip().splitlines()[0]
    assert re.match(rf"#\s+{path.stem[:2]}\b", title), (
        f"the first line must be the title '# {path.stem[:2]} · English · 中文', got {title!r}"
    )
    assert CJK.search(title), f"the title must carry the Chinese term, got {title!r}"
    text = "\n".join(markdown)
    positions = []
    for heading in HEADINGS:
        match = re.search(rf"^##\s+{re.escape(heading)}\b", text, re.M)
        assert match, f"missing heading '## {heading}'"
        positions.append(match.start())
    order = [h for _, h in sorted(zip(positions, HEADINGS, strict=True))]
    assert order == list(HEADINGS), f"headings out of order: {order}"
