"""Tests of convlessons.exercises: nbgrader-safe outcomes (stdout only, None, AssertionError)."""

import numpy as np
import pytest
import torch

from convlessons.exercises import check_close, check_function, check_value


def test_check_value_success_prints_one_line_and_returns_none(capsys):
    assert check_value((3, 3), (3, 3), name="output size") is None
    out, err = capsys.readouterr()
    assert out == "✓ output size: (3, 3) is correct\n" and err == ""


def test_check_value_accepts_lists_numpy_scalars_and_torch_sizes(capsys):
    check_value([3, 3], (3, 3), name="a")
    check_value(np.int64(7), 7, name="b")
    check_value(torch.zeros(2, 5).shape, (2, 5), name="c")
    out, err = capsys.readouterr()
    assert out.count("✓") == 3 and err == ""


@pytest.mark.parametrize(
    ("got", "expected", "fragment"),
    [
        (4, 3, "expected 3, got 4."),
        ("3", 3, "expected the number 3"),
        (1, True, "expected True"),
        (3, (3, 3), "not a tuple"),
    ],
)
def test_check_value_failure_message(capsys, got, expected, fragment):
    with pytest.raises(AssertionError) as info:
        check_value(got, expected, name="size", hint="count positions")
    message = str(info.value)
    assert message.startswith("size: ") and fragment in message
    assert message.endswith("Hint: count positions")
    assert capsys.readouterr() == ("", "")


def test_check_close_success_and_shape_first(capsys):
    assert check_close(torch.ones(2, 3), np.ones((2, 3)), name="y") is None
    out, err = capsys.readouterr()
    assert out.startswith("✓ y: shape (2, 3)") and err == ""
    with pytest.raises(AssertionError, match=r"expected shape \(2, 3\), got shape \(3, 2\)"):
        check_close(np.ones((3, 2)), np.ones((2, 3)), name="y")
    assert capsys.readouterr().err == ""


def test_check_close_reports_first_difference_and_nan(capsys):
    got = np.array([[1.0, 2.0], [3.0, 5.0]])
    with pytest.raises(AssertionError) as info:
        check_close(got, np.array([[1.0, 2.0], [3.0, 4.0]]), name="y", hint="flip")
    message = str(info.value)
    assert "1 of 4 values differ" in message and "index (1, 1)" in message
    assert "expected 4.0, got 5.0" in message and "Hint: flip" in message
    with pytest.raises(AssertionError, match="NaN"):
        check_close([np.nan], [1.0], name="y")
    with pytest.raises(AssertionError, match="got None"):
        check_close(None, [1.0], name="y")
    assert capsys.readouterr().err == ""


def test_check_function_all_cases(capsys):
    cases = [(np.arange(3.0),), (np.ones((2, 2)),)]
    assert check_function(lambda a: a * 2, lambda a: a + a, cases, name="double") is None
    out, err = capsys.readouterr()
    assert out == "✓ double: all 2 cases match the reference\n" and err == ""


def test_check_function_reports_first_failing_case_and_learner_errors(capsys):
    cases = [(1, 2), (np.ones(3), np.ones(3))]
    with pytest.raises(AssertionError, match=r"case 2 of 2, arguments \(array of shape \(3,\)"):
        check_function(lambda a, b: a + b + (0 if np.ndim(a) == 0 else 1), np.add, cases,
                       name="add")

    def unfinished(a, b):
        raise NotImplementedError()

    with pytest.raises(AssertionError, match="not implemented yet"):
        check_function(unfinished, np.add, cases, name="add")
    with pytest.raises(AssertionError, match="raised ZeroDivisionError"):
        check_function(lambda a, b: a / 0 if np.ndim(a) == 0 and 1 // 0 else a, np.add, cases,
                       name="add")
    assert capsys.readouterr() == ("", "")


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: check_value(1, 1, name=""), TypeError, "name must be a non-empty str"),
        (lambda: check_value(1, 1, name="a", hint=None), TypeError, "hint must be a str"),
        (lambda: check_close(1, 1, name="a", atol=-1), ValueError, "atol must be"),
        (lambda: check_function(abs, abs, [], name="a"), ValueError, "cases must be"),
    ],
)
def test_checks_validate_their_own_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()
