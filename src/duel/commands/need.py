"""``duel need``: what it would take for a scenario's defence to reach a goal (thin CLI over duel.pipeline.need)."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

HELP = """What it would take: for each candidate addition, the smallest count that reaches a goal.

An addition is TYPE[@PLACE] (more batteries of an interceptor type at a place: 'duel catalog interceptors';
without a place, at the target) or 'shots' (more interceptors per object per opportunity). A count reaches
the goal when at least the share S of the assumption draws reach it (every uncertain input drawn, as in
'duel run'). Every count from 0 (1 shot) to --max is run against every draw in one batch of the engine.

Goals: p_all_stopped=P or p_at_least_one_stopped=P (at least P), expected_leakers=E (at most E).

Examples:

  duel need scenarios/kyiv-duel.toml --add thaad@kyiv --goal p_all_stopped=0.9

  duel need scenarios/kyiv-duel.toml --add thaad --add sm-3-iia@kyiv --add shots --goal expected_leakers=1 --share 0.8

  duel need scenarios/dnipro-2024.toml --add pac-3-mse@dnipro --goal p_all_stopped=0.5 --max 12 --format json
"""


class Fmt(str, Enum):
    table = "table"
    json = "json"


def need(
    file: Annotated[Path, typer.Argument(help="Scenario file (TOML); see 'duel scenario new'.")],
    add: Annotated[list[str], typer.Option("--add", help="TYPE[@PLACE] or 'shots'; repeatable.")],
    goal: Annotated[str, typer.Option("--goal", help="QUANTITY=VALUE, e.g. p_all_stopped=0.9.")],
    share: Annotated[float, typer.Option("--share", help="Share of the assumption draws that must reach the goal.")] = 0.5,
    max_count: Annotated[int, typer.Option("--max", help="Largest count tried, 1-64 (batteries added, or shots per object per opportunity).")] = 8,
    trials: Annotated[Optional[int], typer.Option("--trials", help="Assumption draws (default: the scenario's, or montecarlo.initial_trials).")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Random seed (default: the scenario's).")] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table (a summary) or json.")] = Fmt.table,
    backend: Annotated[str, typer.Option("--backend", help="numpy (default) or gpu (JAX on an NVIDIA GPU: pip install '.\\[gpu]' from the project folder).")] = "numpy",
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="PATH=VALUE: set a model input (list them with 'duel inputs'); repeatable.")] = None,
) -> None:
    """What it would take (see HELP)."""
    import sys

    from duel.errors import InputError
    from duel.pipeline.need import need_for, parse_goal
    from duel.scenario import in_file, load_scenario

    g = parse_goal(goal, share)
    add = list(dict.fromkeys(a.strip() for a in add))  # an addition given twice is answered once
    sc = load_scenario(file)
    import time

    t0 = time.perf_counter()

    def progress(addition: str, done: int, total: int) -> None:  # on stderr, also when the output is piped
        where = f"{addition}: every count up to {max_count} against every draw" if addition else "done"
        print(f"duel need [{done}/{total}] {where} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr, flush=True)

    try:
        ans = need_for(sc, add, g, max_count, trials, seed, backend, set_ or (), progress)
    except InputError as exc:
        raise in_file(file, exc) if not str(exc).startswith("--") else exc from None
    doc = document(ans)
    if fmt == Fmt.json:
        print(json.dumps(doc, indent=2, allow_nan=False))
        return
    _print(doc)


def document(ans: Any) -> dict[str, Any]:
    """The answer as JSON: the goal, the share, and per addition the count (null if unreachable) and the
    verdict quantities there (value = mean over the draws, range90 = their 5th-95th percentiles)."""
    from duel.trials.spread import spread

    options = []
    for add, curve in zip(ans.additions, ans.curves):
        out = curve.at(curve.count)
        s_all = spread(out.p_all_stopped, 0.0, 1.0)
        s_leak = spread(out.expected_leakers, 0.0)
        options.append({
            "add": add, "count": curve.count,
            "at_count": curve.count if curve.count is not None else curve.counts[-1],
            "p_all_stopped": {"value": s_all.value, "range90": list(s_all.range90)},
            "expected_leakers": {"value": s_leak.value, "range90": list(s_leak.range90)},
            "interceptors_fired": float(out.interceptors.mean()),
            "share_at_count": float(curve.shares[curve.counts.index(curve.count if curve.count is not None
                                                                    else curve.counts[-1])]),
            "share_reached": [{"count": c, "share": float(s)} for c, s in zip(curve.counts, curve.shares)],
        })
    g = ans.goal
    return {"scenario": ans.setup.scenario.scenario.name,
            "goal": {"quantity": g.quantity, "value": g.value, "op": ">=" if g.quantity != "expected_leakers" else "<="},
            "share": g.share, "max": ans.max_count, "draws": ans.draws, "seed": ans.seed,
            "scenario_shots_per_opportunity": int(round(float(ans.setup.inputs["assumption.shots_per_opportunity"]))),
            "options": options,
            "meaning": ("count: the smallest number of the addition with which at least the share of the "
                        "assumption draws reach the goal (null: not with max); values are at that count (or at "
                        "max when unreachable): the mean over the draws and their 5th-95th percentiles")}


def _print(doc: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.markup import escape

    from duel.report.terminal import Col, print_table

    g = doc["goal"]
    con = Console()
    cols = [Col("addition"), Col("smallest count", right=True), Col("draws reaching it", right=True),
            Col("P(all stopped) there", right=True), Col("expected leakers there", right=True),
            Col("interceptors fired", right=True, drop=1)]
    rows = [(escape(o["add"]), _count(o, doc), f"{o['share_at_count']:.0%}",
             f"{o['p_all_stopped']['value']:.1%} ({o['p_all_stopped']['range90'][0]:.0%}–"
             f"{o['p_all_stopped']['range90'][1]:.0%})",
             f"{o['expected_leakers']['value']:.2f} ({o['expected_leakers']['range90'][0]:.2f}–"
             f"{o['expected_leakers']['range90'][1]:.2f})", f"{o['interceptors_fired']:.1f}") for o in doc["options"]]
    print_table(con, f"{doc['scenario']}: to reach {g['quantity']} {g['op']} {g['value']:g} in at least "
                     f"{doc['share']:.0%} of {doc['draws']} assumption draws", cols, rows, where="see --format json")
    con.print(f"Values: mean over the draws (5th–95th percentile across them). Shots: interceptors per object per "
              f"opportunity (the scenario fires {doc['scenario_shots_per_opportunity']}); batteries: fire units of that "
              "type added at that place. Each addition is its own batch of raid realisations where a limit binds, "
              "so the same defence can differ between rows by their noise (montecarlo.need_inner_trials).")


def _count(o: dict[str, Any], doc: dict[str, Any]) -> str:
    """The smallest count in words: 'not with 8', '3 shots (as now)', '0 (reached as it is)', '2 more'."""
    if o["count"] is None:
        return f"not with {doc['max']}"
    if o["add"] == "shots":
        return f"{o['count']} shots" + (" (as now)" if o["count"] == doc["scenario_shots_per_opportunity"] else "")
    return "0 (reached as it is)" if o["count"] == 0 else f"{o['count']} more"
