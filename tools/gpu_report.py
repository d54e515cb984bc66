"""Print every lesson's GPU report (``convlessons.gpu.lessonNN``) on one device.

Usage::

    python tools/gpu_report.py            # cuda when available, else cpu with quick sizes
    python tools/gpu_report.py --device cpu --quick

Exits non-zero when any lesson's checks fail. The numbers quoted in the lessons' GPU
prose and in release notes come from this script.
"""

from __future__ import annotations

import argparse
import re
import sys
import time

import torch

from convlessons import gpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--quick", action="store_true", help="tiny sizes (CPU smoke test)")
    args = parser.parse_args(argv)
    if args.device.startswith("cuda"):
        print(f"device: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    lessons = sorted(n for n in dir(gpu) if re.fullmatch(r"lesson\d\d", n))
    failed = []
    for name in lessons:
        start = time.perf_counter()
        report = getattr(gpu, name)(args.device, quick=args.quick)
        print(f"\n== {name} ({time.perf_counter() - start:.1f} s)\n{report.table()}")
        if not report.ok:
            failed.append(name)
    print(f"\n{len(lessons) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
