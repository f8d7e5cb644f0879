"""Cost of one demo-library PIN check (scrypt) on this machine.

    python bench/pin_hash.py [--runs 20]

Prints the parameters and the median time of one hash; see kiosk/ils/local/pins.py for why
these parameters.
"""

from __future__ import annotations

import argparse
import statistics
import time

from kiosk.ils.local import pins


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    times = []
    for _ in range(args.runs):
        started = time.perf_counter()
        pins.hash_new("1234")
        times.append(time.perf_counter() - started)
    memory_mib = 128 * pins.SCRYPT_R * pins.SCRYPT_N / 2**20
    print(
        f"scrypt N={pins.SCRYPT_N} r={pins.SCRYPT_R} p={pins.SCRYPT_P} ({memory_mib:.0f} MiB): "
        f"median {statistics.median(times) * 1000:.1f} ms, "
        f"min {min(times) * 1000:.1f} ms per check over {args.runs} runs"
    )


if __name__ == "__main__":
    main()
