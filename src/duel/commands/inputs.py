"""``duel inputs``: every number the model uses, as an input with its path, label, unit, band, status and sources."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.markup import escape

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
    _print(rows, grep)


def _band(r: dict[str, Any]) -> str:
    """The band low..high, or the choices with their weights ('' where there is none)."""
    if r["choices"]:
        return " / ".join(f"{c} {w:.0%}" if r["weights"] else c
                          for c, w in zip(r["choices"], r["weights"] or [0.0] * len(r["choices"])))
    return "" if r["low"] is None or r["high"] is None else f"{r['low']:g}..{r['high']:g}"


def _value(r: dict[str, Any]) -> str:
    v = r["value"]
    return "—" if v is None else (f"{v:g}" if isinstance(v, float) else str(v))


WIDE = ("path", "label", "value", "band", "unit", "status", "drawn?")
NARROW = ("path\nlabel\ndrawn?", "value unit\nband\nstatus")  # the words of WIDE, so they read the same


def _wide(r: dict[str, Any]) -> tuple[str, ...]:
    return tuple(escape(x) for x in (r["path"], r["label"], _value(r), _band(r), r["unit"], r["status"], r["drawn"]))


def _narrow(r: dict[str, Any]) -> tuple[str, ...]:
    """Two cells: path, label and whether it is drawn; value with its unit, band and status."""
    unit = "" if r["unit"] in ("", "-") else f" {r['unit']}"
    band = _band(r)
    return (f"{escape(r['path'])}\n{escape(r['label'])}\n[dim]{escape(r['drawn'])}[/dim]",
            escape(_value(r) + unit) + (f"\nband {escape(band)}" if band else "") + f"\n[dim]{r['status']}[/dim]")


def _print(rows: list[dict[str, Any]], grep: str | None) -> None:
    """One row per input where the seven columns fit the terminal, else two columns with the same content."""
    from rich.console import Console

    from duel.report.terminal import Col, fits, print_table

    con = Console()
    title = f"{len(rows)} model inputs" + (f" matching '{escape(grep)}'" if grep else "")
    wide = [_wide(r) for r in rows]
    if fits(con, [Col(h) for h in WIDE], wide):
        print_table(con, title, [Col(h) for h in WIDE], wide)
    else:
        print_table(con, title, [Col(h) for h in NARROW], [_narrow(r) for r in rows], show_lines=True)
    if grep and len(rows) <= 3:  # a few inputs: their notes and sources too
        for r in rows:
            con.print(f"[bold]{escape(r['path'])}[/bold]: {escape(r['note'] or '(no note)')} Sources: "
                      f"{escape(', '.join(r['sources'])) or 'none (notional)'}.")
    if not rows:
        con.print(f"no input matches '{escape(grep or '')}'")
