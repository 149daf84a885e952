"""A fixed pure-Python workload, timed so benchmark figures from different machines compare.

The absolute targets (events per second, seconds per segment) depend on the machine; the
ratios do not. Each benchmark prints this reference time beside its figures, so a figure
measured on a slower machine can be recognised as such rather than as a regression.
"""

from __future__ import annotations

import time


def reference_seconds(rounds: int = 3) -> float:
    """Best of `rounds` runs of a 5-million-step loop with a dict update."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        counts: dict[int, int] = {}
        for number in range(5_000_000):
            counts[number & 1023] = number
        best = min(best, time.perf_counter() - started)
    return best


def describe() -> str:
    return f"machine: reference loop {reference_seconds():.2f} s (lower is faster; see benchmarks/machine.py)"


if __name__ == "__main__":
    print(describe())
