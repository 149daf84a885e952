"""Offline planning speed: the median time to plan a request from the planner corpus.

Planning runs on every turn when no model is configured, so it must feel instant: the target
is under 50 ms median. Prints the median and the machine reference (benchmarks/machine.py).
Run: .venv/bin/python benchmarks/bench_planner.py
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.machine import describe  # noqa: E402
from bot.engine.memory import ThreadState  # noqa: E402
from bot.engine.planner.choose import plan  # noqa: E402


def main() -> None:
    corpus = yaml.safe_load((Path(__file__).resolve().parents[1] / "tests/unit/planner_corpus.yaml").read_text())
    plan("warm up the country and fuzzy tables for Germany")
    timings = []
    for entry in corpus:
        state = ThreadState.from_dict(entry.get("state"))
        started = time.perf_counter()
        plan(entry["text"], state)
        timings.append((time.perf_counter() - started) * 1000)
    median = statistics.median(timings)
    print(f"planned {len(timings)} requests: median {median:.2f} ms, p95 {sorted(timings)[int(len(timings) * 0.95)]:.2f} ms, "
          f"max {max(timings):.2f} ms (target: median under 50 ms)")
    print(describe())


if __name__ == "__main__":
    main()
