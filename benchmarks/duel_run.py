"""Wall and CPU time of ``duel run`` as a user sees it (issue 12's goal: the Kyiv duel in 5 s on 2 cores).

Each run is a fresh process (interpreter start, imports, the run, ``result.json``, the report and its figures),
into a fresh temporary folder. With ``--baseline SRC`` (the ``src`` folder of another checkout, e.g. from
``git worktree add /tmp/base HEAD~3``) each run is paired with a run of that version right before it, so slow
and fast spells of a shared machine hit both alike; the two ``result.json`` files must be equal unless
``--allow-different``. Prints min/median/max of wall, user and system seconds (and the per-pair ratio), and
appends one JSON object to ``benchmarks/results.jsonl``.

    python benchmarks/duel_run.py [SCENARIO ...] [--repeat 5] [--baseline /tmp/base/src] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from record import append, stamp

ROOT = Path(__file__).resolve().parents[1]


def one_run(scenario: str, out: Path, src: str) -> dict[str, float]:
    """Run ``duel run`` of the code in ``src`` once in a fresh process; wall, user and system seconds (the
    children's included)."""
    env = {**os.environ, "PYTHONPATH": src}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "duel", "run", scenario, "--out", str(out)], check=True, cwd=ROOT,
                   env=env, capture_output=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"wall_s": wall, "user_s": after.ru_utime - before.ru_utime, "sys_s": after.ru_stime - before.ru_stime}


def spread(xs: list[float]) -> dict[str, float]:
    return {"min": min(xs), "median": statistics.median(xs), "max": max(xs)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenarios", nargs="*", default=["scenarios/kyiv-duel.toml"])
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--baseline", help="the src folder of another checkout, run before each run of this one")
    ap.add_argument("--allow-different", action="store_true", help="do not require equal result.json files")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for scenario in args.scenarios:
            runs: dict[str, list[dict[str, float]]] = {"this": [], "baseline": []}
            for i in range(args.repeat):
                if args.baseline:
                    runs["baseline"].append(one_run(scenario, Path(tmp) / "base", args.baseline))
                runs["this"].append(one_run(scenario, Path(tmp) / "this", str(ROOT / "src")))
                print(f"{scenario} run {i + 1}: " + "  ".join(
                    f"{k} {v[-1]['wall_s']:.2f} s" for k, v in runs.items() if v), file=sys.stderr, flush=True)
                if args.baseline and not args.allow_different:
                    same = (Path(tmp) / "base" / "result.json").read_bytes() == \
                        (Path(tmp) / "this" / "result.json").read_bytes()
                    if not same:
                        sys.exit(f"{scenario}: result.json differs from the baseline's (--allow-different to go on)")
            row = {k: {m: spread([r[m] for r in v]) for m in ("wall_s", "user_s", "sys_s")}
                   for k, v in runs.items() if v}
            if args.baseline:
                ratios = [a["wall_s"] / b["wall_s"] for a, b in zip(runs["this"], runs["baseline"])]
                row["wall_ratio"] = spread(ratios)
            rows[scenario] = row
    out = {"benchmark": "duel_run", **stamp(), "repeat": args.repeat, "baseline": args.baseline, "scenarios": rows}
    append(out)
    if args.json:
        print(json.dumps(out))
        return
    for scenario, row in rows.items():
        for k in ("this", "baseline"):
            if k in row:
                w, u, s = row[k]["wall_s"], row[k]["user_s"], row[k]["sys_s"]
                print(f"{scenario} {k:8s} wall {w['min']:.2f}-{w['max']:.2f} s (median {w['median']:.2f})   "
                      f"user {u['median']:.2f} s   sys {s['median']:.2f} s")
        if "wall_ratio" in row:
            r = row["wall_ratio"]
            print(f"{scenario} this/baseline wall {r['min']:.2f}-{r['max']:.2f} (median {r['median']:.2f})")


if __name__ == "__main__":
    main()
