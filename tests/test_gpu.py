"""The GPU section of every lesson, through convlessons.gpu.

Every ``convlessons.gpu.lessonNN`` scenario is discovered by name (lessons added later
are picked up automatically) and run on the CPU with ``quick=True`` everywhere, and on
CUDA at full size where a GPU is present.
"""

import re

import pytest
import torch

from convlessons import gpu

LESSONS = sorted(name for name in dir(gpu) if re.fullmatch(r"lesson\d\d", name))
needs_cuda = pytest.mark.skipif(
    not torch.cuda.is_available(),
    reason="CUDA not available: GPU checks run only on a machine with a GPU",
)


def test_scenarios_exist():
    assert "lesson01" in LESSONS and "lesson02" in LESSONS


def _assert_report(report):
    assert isinstance(report, gpu.Report)
    assert report.rows and report.checks
    failed = [c.line() for c in report.checks if not c.ok]
    assert report.ok, failed
    table = report.table()
    lines = table.splitlines()
    assert lines[0] == report.title and lines[1].startswith("variant")
    assert all(row.name in table for row in report.rows)
    assert len(lines) >= 2 + len(report.rows) + len(report.checks)


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_on_cpu_quick(lesson):
    _assert_report(getattr(gpu, lesson)("cpu", quick=True))


@needs_cuda
@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_on_cuda(lesson):
    report = getattr(gpu, lesson)("cuda")
    print(report.table())
    _assert_report(report)


def test_lesson01_metrics():
    report = gpu.lesson01("cpu", quick=True)
    assert report.metrics["kernel_length"] == 32
    assert report.metrics["crossover_length"] in (None, 64, 256, 1024)
    fft_rows = [r for r in report.rows if r.name.startswith("FFT")]
    assert all(r.predicted_speedup is not None and r.baseline for r in fft_rows)


def test_lesson02_tf32_metrics_on_cpu():
    report = gpu.lesson02("cpu", quick=True)
    # the CPU has no TF32: both settings give the same float32 result
    assert report.metrics["tf32_on_error"] == report.metrics["tf32_off_error"] < 1e-5
    assert any("naive loop" in r.name for r in report.rows)


@needs_cuda
def test_tf32_changes_cuda_conv_error():
    report = gpu.lesson02("cuda", quick=True)
    assert report.metrics["tf32_on_error"] >= report.metrics["tf32_off_error"]


# --------------------------------------------------------------- machinery


def test_skip_line_and_cuda_available():
    assert gpu.skip_line("05") == (
        "GPU section skipped: CUDA is not available on this machine (lesson 05)."
    )
    assert gpu.skip_line(12).endswith("(lesson 12).")
    assert gpu.cuda_available() is torch.cuda.is_available()
    with pytest.raises(ValueError, match="lesson must be"):
        gpu.skip_line("five")


def test_tf32_context_restores_flags():
    before = (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
    with gpu.tf32(True):
        assert torch.backends.cuda.matmul.allow_tf32 and torch.backends.cudnn.allow_tf32
        with gpu.tf32(False):
            assert not torch.backends.cudnn.allow_tf32
        assert torch.backends.cudnn.allow_tf32
    assert (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32) == before
    with pytest.raises(TypeError, match="enabled"):
        with gpu.tf32("yes"):
            pass


def test_verify_passes_and_fails_with_tolerance():
    x = torch.linspace(-1, 1, 11)
    ok = gpu.verify(torch.tanh, torch.tanh, [x], device="cpu")
    assert ok.ok and ok.max_abs_err < 1e-6 and "TF32 off" in ok.name
    bad = gpu.verify(lambda t: t + 1e-3, lambda t: t, [x], device="cpu", name="shifted")
    assert not bad.ok and bad.name == "shifted"
    assert abs(bad.max_abs_err - 1e-3) < 1e-6 and bad.line().startswith("✗ shifted")
    loose = gpu.verify(lambda t: t + 1e-3, lambda t: t, [x], device="cpu", atol=2e-3)
    assert loose.ok
    shape = gpu.verify(lambda t: t[:3], lambda t: t, [x], device="cpu")
    assert not shape.ok and "shape" in shape.name


def test_verify_reference_runs_in_float64_on_cpu():
    seen = {}

    def reference(t):
        seen["dtype"], seen["device"] = t.dtype, t.device.type
        return t

    gpu.verify(lambda t: t, reference, [torch.ones(3)], device="cpu")
    assert seen == {"dtype": torch.float64, "device": "cpu"}


def test_verify_and_time_fn_validate_arguments():
    with pytest.raises(ValueError, match="device must be"):
        gpu.verify(abs, abs, [torch.ones(1)], device="tpu")
    with pytest.raises(TypeError, match="inputs must be"):
        gpu.verify(abs, abs, torch.ones(1), device="cpu")
    with pytest.raises(ValueError, match="iters"):
        gpu.time_fn(lambda: None, device="cpu", iters=0)
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="CUDA is not available"):
            gpu.time_fn(lambda: None, device="cuda")


def test_time_fn_median_and_warmup():
    calls = []
    seconds = gpu.time_fn(lambda: calls.append(1), device="cpu", warmup=2, iters=5)
    assert len(calls) == 7 and 0 < seconds < 0.1


def test_report_table_speedups_and_ok():
    rows = [
        gpu.Row("base", 4e-3, flops=4e9),
        gpu.Row("fast", 1e-3, bytes=2e6, predicted_speedup=3.0),
        gpu.Row("other", 2e-3, baseline="fast"),
    ]
    report = gpu.Report("t", rows, [gpu.Check("c", 0.0, 1.0, True)], notes=["a note"])
    assert report.ok
    table = report.table()
    assert "1.00 TFLOP/s" in table and "2.00 GB/s" in table and "3.00" in table
    assert report.measured_speedup(rows[1]) == 4.0 and report.measured_speedup(rows[2]) == 0.5
    assert table.endswith("a note")
    assert not gpu.Report("t", rows, []).ok
    assert not gpu.Report("t", rows, [gpu.Check("c", 2.0, 1.0, False)]).ok
    with pytest.raises(ValueError, match="seconds"):
        gpu.Row("zero", 0.0)


def test_run_section_without_cuda_prints_one_line(capsys, monkeypatch):
    monkeypatch.setattr(gpu, "cuda_available", lambda: False)
    assert gpu.run_section("02") is None
    out = capsys.readouterr()
    assert out.out == gpu.skip_line("02") + "\n"
    assert out.err == ""


def test_run_section_rejects_unknown_lessons():
    with pytest.raises(ValueError, match="lesson="):
        gpu.run_section("99")
    with pytest.raises(TypeError, match="lesson="):
        gpu.run_section(2.5)


def test_run_section_raises_when_a_check_fails(monkeypatch, capsys):
    bad = gpu.Report("fake", [gpu.Row("a", 1e-3)], [gpu.Check("x", 1.0, 1e-6, False)])
    monkeypatch.setattr(gpu, "cuda_available", lambda: True)
    monkeypatch.setattr(gpu, "lesson02", lambda device: bad)
    with pytest.raises(AssertionError, match="lesson 02 GPU checks failed"):
        gpu.run_section(2)
    assert "fake" in capsys.readouterr().out
