"""Fuzz for longer than the test suite does, and print how many cases ran and what came out.

    python benchmarks/fuzz.py [--minutes 10] [--examples 100]

Runs the property-based tests of tests/test_fuzz.py (importer, procedure loader + renderer, appointment
and schedule parsers) round after round, each round with a new random seed and `--examples` examples
per target, until the time is up. Every case must give a valid PDF (or YAML) or a clear error
(HandoutsError), within bounded time and memory. Exit code 1 if any case failed; failures are printed
with hypothesis's shrunk example.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
import traceback
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1] / "tests"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--examples", type=int, default=100, help="Examples per target and round.")
    args = parser.parse_args()
    os.environ["HANDOUTS_FUZZ_PROFILE"] = "fuzz"
    os.environ["HANDOUTS_FUZZ_EXAMPLES"] = str(args.examples)
    sys.path.insert(0, str(TESTS))
    import test_fuzz
    from hypothesis import seed

    targets = [getattr(test_fuzz, name) for name in dir(test_fuzz) if name.startswith("test_")]
    deadline = time.monotonic() + args.minutes * 60
    failures: list[str] = []
    rounds = 0
    started = time.monotonic()
    while time.monotonic() < deadline:
        rounds += 1
        for target in targets:
            if time.monotonic() >= deadline:
                break
            chosen = random.randrange(2**32)
            run = seed(chosen)(target)
            try:
                run()
            except Exception:  # noqa: BLE001 - report and go on fuzzing the others
                failures.append(f"{target.__name__} (seed {chosen}):\n{traceback.format_exc(limit=3)}")
                print(failures[-1], file=sys.stderr, flush=True)
        print(f"round {rounds}: {dict(sorted(test_fuzz.COUNTS.items()))}", flush=True)
    minutes = (time.monotonic() - started) / 60
    counts = test_fuzz.COUNTS
    print(f"\n{minutes:.1f} minutes, {rounds} rounds, {args.examples} examples per target and round")
    print(f"{'target':<22} {'cases':>7} {'ok':>7} {'clear error':>12}")
    for name in sorted({key.split(':')[0] for key in counts} - {"schedule rows"}):
        print(f"{name:<22} {counts[name]:>7} {counts[name + ': ok']:>7} {counts[name + ': clear error']:>12}")
    print(f"schedule rows: {counts['schedule rows: rendered']} rendered, "
          f"{counts['schedule rows: clear error']} reported as a clear error")
    print(f"failures: {len(failures)}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
