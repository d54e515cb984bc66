"""Command line: ``python -m convlessons student|grade`` (also installed as ``convlessons``).

Examples::

    python -m convlessons student notebooks student_copies
    python -m convlessons grade submissions --masters notebooks --csv grades.csv
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["main", "build_parser"]


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``python -m convlessons``."""
    from convlessons import __version__

    parser = argparse.ArgumentParser(
        prog="convlessons",
        description="Coursework tools for the convlessons notebooks: build student copies "
        "without the solutions, and grade what students hand in (nbgrader not needed).",
    )
    parser.add_argument("--version", action="version", version=f"convlessons {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="{student,grade}")

    student = sub.add_parser(
        "student",
        help="write student copies of the master notebooks",
        description="Write student copies: solutions replaced by stubs, hidden tests and "
        "mark schemes removed, outputs cleared, exercise cells locked, data files copied. "
        "Refuses malformed masters and verifies that nothing secret survived.",
    )
    student.add_argument("source_dir", metavar="SOURCE_DIR", help="folder of master notebooks")
    student.add_argument("out_dir", metavar="OUT_DIR", help="folder for the student copies")

    grade = sub.add_parser(
        "grade",
        help="grade one student's folder or a folder of student folders",
        description="Grade submissions against the masters: check cells and hidden tests "
        "are restored from the masters, each notebook runs in a fresh kernel under time "
        "limits, and every exercise gets a row (written answers are listed as manual).",
    )
    grade.add_argument("submission_dir", metavar="SUBMISSION_DIR",
                       help="one student's folder, or a folder of students' folders")
    grade.add_argument("--masters", default="notebooks", metavar="DIR",
                       help="folder of master notebooks (default: %(default)s)")
    grade.add_argument("--json", metavar="FILE", help="also write the rows as JSON")
    grade.add_argument("--csv", metavar="FILE", help="also write the rows as CSV")
    grade.add_argument("--timeout", type=_positive_seconds, default=60.0, metavar="SECONDS",
                       help="time limit per cell (default: %(default)g)")
    grade.add_argument("--notebook-timeout", type=_positive_seconds, default=600.0,
                       metavar="SECONDS",
                       help="time limit per notebook, all cells together (default: %(default)g)")
    grade.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return parser


def _student(args) -> int:
    from convlessons import coursework

    report = coursework.build_student(args.source_dir, args.out_dir)
    for name in report.notebooks:
        print(f"student copy: {args.out_dir}/{name}")
    for name in report.data:
        print(f"data copied:  {args.out_dir}/{name}")
    for name, why in report.skipped:
        print(f"not copied:   {name} ({why})")
    changed = len(report.changed)
    print(f"{len(report.notebooks)} notebook(s) verified; {changed} file(s) written"
          + ("" if changed else " (all up to date)"))
    return 0


def _grade(args) -> int:
    from convlessons import coursework

    def progress(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    rows = coursework.grade(
        args.submission_dir,
        args.masters,
        timeout=args.timeout,
        notebook_timeout=args.notebook_timeout,
        progress=None if args.quiet else progress,
    )
    if args.json:
        coursework.write_json(rows, args.json)
    if args.csv:
        coursework.write_csv(rows, args.csv)
    print(coursework.format_table(rows))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 refused, 2 usage error).

    Args:
        argv: the arguments (default ``sys.argv[1:]``).
    """
    from convlessons.coursework import CourseworkError

    args = build_parser().parse_args(argv)
    try:
        return _student(args) if args.command == "student" else _grade(args)
    except CourseworkError as exc:
        print(f"convlessons {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, OSError) as exc:
        print(f"convlessons {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
