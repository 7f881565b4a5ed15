"""Fault soak: the CI fault scenarios (tests/test_faults.py) at a larger size, printing lost and
duplicated ids against a no-fault baseline run in the same process.

    export KAFKA_PORT=... KAFKA_CONTROLLER_PORT=... KHABAR_KAFKA_STATE=...   # scripts/kafka-local start
    KHABAR_TEST_BROKER=127.0.0.1:$KAFKA_PORT python benchmarks/fault_soak.py [--articles 5000] [--kills 5]
        [--scenarios baseline,sigkill,broker,handover] [--guarantee exactly_once]

With --guarantee exactly_once the outputs are also read with isolation_level=read_committed.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import faultkit  # noqa: E402
from kafkautil import LocalBroker  # noqa: E402


def baseline(run: faultkit.Run) -> faultkit.Outcome:
    run.start_worker()
    run.produce_all()
    run.wait_done()
    run.stop_all()
    return run.outcome()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=5000)
    parser.add_argument("--bad", type=int, default=50)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--scenarios", default="baseline,sigkill,broker,handover")
    parser.add_argument("--guarantee", default="at_least_once", choices=("at_least_once", "exactly_once"))
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = parser.parse_args()
    isolation = "read_committed" if args.guarantee == "exactly_once" else "read_uncommitted"
    scenarios = {
        "baseline": baseline,
        "sigkill": lambda run: faultkit.sigkill_restarts(run, kills=args.kills),
        "broker": lambda run: faultkit.broker_restart(run, LocalBroker(), outage=20.0),
        "handover": faultkit.handover,
    }
    results = {}
    for name in args.scenarios.split(","):
        tmp = Path(tempfile.mkdtemp(prefix=f"khabar-soak-{name}-"))
        run = faultkit.Run(tmp, Path(args.shared), args.articles, args.bad, seed=args.seed,
                           KHABAR_PROCESSING_GUARANTEE=args.guarantee)
        t0 = time.monotonic()
        try:
            scenarios[name](run)
            results[name] = outcome = run.outcome(isolation)
        finally:
            run.stop_all()
        print(outcome.summary(name), f"(logs in {tmp}, {time.monotonic() - t0:.0f} s)", flush=True)
    base = results.get("baseline")
    print(f"\n{'scenario':<10} {'inputs':>7} {'lost':>5} {'dup ids':>8} {'dup/in':>7} {'time':>6} {'time/base':>9}")
    for name, o in results.items():
        ratio = f"{o.seconds / base.seconds:.2f}" if base else "-"
        print(f"{name:<10} {o.inputs:>7} {len(o.lost):>5} {o.duplicated_keys:>8} "
              f"{o.duplicated / o.inputs:>7.3f} {o.seconds:>5.0f}s {ratio:>9}")
    return 1 if any(o.lost for o in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
