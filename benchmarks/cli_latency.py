"""Wall time of the command line as a user sees it: ``duel --help`` and one ``duel fly`` of each form.

Each command runs ``--repeat`` times in a fresh process (interpreter start and imports included); the median and
the best are printed, or one JSON object with ``--json`` (also appended to ``benchmarks/results.jsonl``).

    python benchmarks/cli_latency.py [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from record import append, stamp

COMMANDS = {
    "duel --help": ["--help"],
    "duel fly (missile, min-energy)": ["fly", "--missile", "oreshnik", "--from", "kapustin-yar", "--to", "dnipro",
                                       "--format", "json"],
    "duel fly (burnout state, free flight)": ["fly", "--burnout-speed", "3000", "--burnout-angle", "40", "--from",
                                              "50,30", "--azimuth", "45", "--format", "json"],
    "duel fly (burnout speed, lofted)": ["fly", "--burnout-speed", "3000", "--from", "kapustin-yar", "--to",
                                         "dnipro", "--trajectory", "lofted", "--format", "json"],
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = {}
    for name, cmd in COMMANDS.items():
        times = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "duel", *cmd], check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
        rows[name] = {"median_s": statistics.median(times), "best_s": min(times)}
    out = {"benchmark": "cli_latency", **stamp(), "repeat": args.repeat, "commands": rows}
    append(out)
    if args.json:
        print(json.dumps(out))
        return
    for name, r in rows.items():
        print(f"{name:42s} median {r['median_s']:.2f} s   best {r['best_s']:.2f} s")


if __name__ == "__main__":
    main()
