"""``duel basing``: compare launch sites against targets, and check published flight-time claims."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

HELP = """Compare launch sites: distance, flight time, apogee, reentry speed and warning time for each target.

A --claim TARGET=TIME is checked against the fastest arc duel can fly from each site; a claim shorter than it
is flagged as physically impossible.

Examples:

  duel basing --sites kapustin-yar,krichev --targets kyiv,lviv,warsaw,vilnius,riga,berlin

  duel basing --sites krichev --targets kyiv,vilnius --claim kyiv=111s --claim vilnius=1m04s --format json
"""


class Fmt(str, Enum):
    table = "table"
    json = "json"


def basing(
    sites: Annotated[str, typer.Option("--sites", help="Launch sites, comma-separated (place ids or LAT,LON;LAT,LON).")],
    targets: Annotated[str, typer.Option("--targets", help="Targets, comma-separated place ids.")],
    missile: Annotated[str, typer.Option("--missile", help="Catalogue missile id.")] = "oreshnik",
    claim: Annotated[Optional[list[str]], typer.Option("--claim", help="A published claim TARGET=TIME (111s, 1m51s, 1:51); repeatable.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for basing.json and the chart basing.svg.")] = Path("out/basing"),
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json.")] = Fmt.table,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="PATH=VALUE: set a model input (list them with 'duel inputs'); repeatable.")] = None,
) -> None:
    """Compare launch sites (see HELP)."""
    from duel.commands.progress import with_progress
    from duel.errors import InputError
    from duel.pipeline.basing import compare_basing, parse_claim
    from duel.scenario.inputs import command_inputs

    split = (lambda s: [x.strip() for x in s.split(";" if ";" in s else ",") if x.strip()])
    claims = [parse_claim(c) for c in claim or []]
    inputs = command_inputs(set_ or (), missile)
    result = with_progress(lambda progress: compare_basing(split(sites), split(targets), missile, inputs, claims,
                                                           progress), "flights")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out: cannot create '{out}': {exc.strerror}") from None
    (out / "basing.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    from duel.report.plots import basing_chart, figure_to_svg

    fig = basing_chart(result["rows"])
    (out / "basing.svg").write_text(figure_to_svg(fig, id_prefix="basing-"), encoding="utf-8")
    if fmt == Fmt.json:
        print(json.dumps(result, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    con = Console()
    t = Table(title=f"{result['missile']}: minimum-energy flights", title_justify="left")
    for c in ("from", "to", "km", "flight", "apogee km", "reentry m/s", "Mach", "IR warning", "fastest arc"):
        t.add_column(c, justify="left" if c in ("from", "to") else "right")
    for r in result["rows"]:
        t.add_row(r["site"], r["target"], f"{r['distance_km']:,.0f}", f"{r['flight_time_s'] / 60:.1f} min",
                  f"{r['apogee_km']:,.0f}", f"{r['reentry_speed_mps'] or 0:,.0f}", f"{r['max_mach']:.0f}",
                  f"{r['warning_from_ir_s'] / 60:.1f} min", f"{r['fastest_time_s'] / 60:.1f} min ({r['fastest_arc']})")
    con.print(t)
    for c in result["claims"]:
        style = "bold red" if c["physically_impossible"] else "green"
        con.print(f"[{style}]claim {c['claim']} from {c['site']}: {c['verdict']}[/{style}]")
    con.print(f"[dim]IR warning = flight time - {result['ir_detection_delay_s']:.0f} s detection delay (notional). "
              f"Wrote {out / 'basing.json'} and {out / 'basing.svg'}.[/dim]")
