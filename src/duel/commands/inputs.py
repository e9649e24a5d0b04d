"""``duel inputs``: every number the model uses, as an input with its path, label, unit, band, status and sources."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

HELP = """List the model's inputs: every number the model uses, addressed by one dotted path.

Each input has a plain-language label, a unit, a nominal value, a band (low..high where known), a status
(reported, estimated or notional; user-set when a scenario or --set gives it) and its sources. Catalogue values
are KIND.ID.FIELD (interceptor.thaad.sspk, missile.oreshnik.stage1.burn_time_s, sensor.an-tpy-2.max_range_km,
place.kyiv.lat_deg); the model's notional defaults are assumption.*, doctrine.*, threat.*, sensors.*,
notice.*, flight.*, dispersion.*, verdict.* and montecarlo.*. Every input with a band or a notional value is
drawn in each Monte Carlo draw of duel run, trials and need, unless pinned (the pinned ones say why). Set any of
them with --set PATH=VALUE on duel run, engage, trials, need, fly or basing, pin them in a scenario's \\[fixed]
table, or change their band in its \\[uncertain] table.

Examples:

  duel inputs --grep thaad

  duel inputs scenarios/kyiv-duel.toml --grep assumption

  duel inputs --format json > inputs.json
"""


class Fmt(str, Enum):
    table = "table"
    json = "json"


def inputs(
    file: Annotated[Optional[Path], typer.Argument(help="A scenario: show its values and what it sets (optional).")] = None,
    grep: Annotated[Optional[str], typer.Option("--grep", help="Only inputs whose path, label or note contain TEXT.")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="PATH=VALUE: set an input first; repeatable.")] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json (a list of objects).")] = Fmt.table,
) -> None:
    """List the model's inputs (see HELP)."""
    import json

    from duel.errors import InputError
    from duel.scenario import in_file, load_scenario
    from duel.scenario.inputs import command_inputs, drawn_by_default, pinned_reason, scenario_inputs

    if file is not None:
        sc = load_scenario(file)
        try:
            values = scenario_inputs(sc, set_ or ())
        except InputError as exc:
            raise in_file(file, exc) from None
    else:
        values = command_inputs(set_ or ())
    rows = []
    for spec in values.registry.specs(grep):
        row = spec.row()
        value = values[spec.path]
        row["value"] = ", ".join(f"{x:g}" for x in value) if isinstance(value, tuple) else value
        row["status"] = values.status(spec.path)
        row["drawn"] = "drawn" if drawn_by_default(spec) and row["status"] != "user-set" else \
            f"pinned: {pinned_reason(spec, values)}"
        rows.append(row)
    if fmt == Fmt.json:
        print(json.dumps(rows, indent=2))
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    t = Table(title=f"{len(rows)} model inputs" + (f" matching '{grep}'" if grep else ""), title_justify="left")
    for c in ("path", "label", "value", "band", "unit", "status", "drawn?"):
        t.add_column(c, overflow="fold")
    for r in rows:
        if r["choices"]:
            band = " / ".join(f"{c} {w:.0%}" if r["weights"] else c
                              for c, w in zip(r["choices"], r["weights"] or [0.0] * len(r["choices"])))
        else:
            band = "" if r["low"] is None or r["high"] is None else f"{r['low']:g}..{r['high']:g}"
        v = r["value"]
        shown = "—" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))
        t.add_row(r["path"], r["label"], shown, band, r["unit"], r["status"], r["drawn"])
    Console().print(t)
    if grep and len(rows) <= 3:  # a few inputs: their notes and sources too
        for r in rows:
            Console().print(f"[bold]{r['path']}[/bold]: {escape(r['note'] or '(no note)')} Sources: "
                            f"{', '.join(r['sources']) or 'none (notional)'}.")
    if not rows:
        Console().print(f"no input matches '{grep}'")
