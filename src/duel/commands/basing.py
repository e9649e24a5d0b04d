"""``duel basing``: compare launch sites against targets, and check published flight-time claims."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

if TYPE_CHECKING:
    from rich.console import Console

HELP = """Compare launch sites: distance, flight time, apogee, reentry speed and warning time for each target.

A --claim TARGET=TIME is checked against the fastest arc duel can fly from each site; a claim shorter than it
is flagged as physically impossible. Every arc is labelled flyable or not against the flight limits (dynamic
pressure and nose heating of the boosting and coasting missile: duel inputs --grep flight.max); an arc that
breaks one (the full-burn depressed arc, which stays inside the atmosphere) is left out of the fastest arc
unless --allow-unflyable is given.

Examples:

  duel basing --sites kapustin-yar,krichev --targets kyiv,lviv,warsaw,vilnius,riga,berlin

  duel basing --sites krichev --targets kyiv,vilnius --claim kyiv=111s --claim vilnius=1m04s --format json

  duel basing --sites krichev --targets kyiv --claim kyiv=4min --allow-unflyable
"""


class Fmt(str, Enum):
    table = "table"
    json = "json"


def basing(
    sites: Annotated[str, typer.Option("--sites", help="Launch sites, comma-separated (place ids or LAT,LON;LAT,LON).")],
    targets: Annotated[str, typer.Option("--targets", help="Targets, comma-separated place ids.")],
    missile: Annotated[str, typer.Option("--missile", help="Catalogue missile id, or your own missile file FILE.toml (duel catalog template missile).")] = "oreshnik",
    claim: Annotated[Optional[list[str]], typer.Option("--claim", help="A published claim TARGET=TIME (111s, 1m51s, 1:51); repeatable.")] = None,
    out: Annotated[Path, typer.Option("--out", help="Folder for basing.json and the chart basing.svg.")] = Path("out/basing"),
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json.")] = Fmt.table,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="PATH=VALUE: set a model input (list them with 'duel inputs'); repeatable.")] = None,
    allow_unflyable: Annotated[bool, typer.Option("--allow-unflyable", metavar="", help="Count arcs that break the flight limits (e.g. the full-burn depressed arc) as the fastest arc.")] = False,
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
                                                           progress, allow_unflyable), "flights")
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

    con = Console()
    _print_flights(con, result)
    for r in result["rows"]:
        for a in r["arcs"]:
            if a.get("flyable") is False:
                used = a["trajectory"] == r["fastest_arc"]
                con.print(f"[yellow]{r['site']} → {r['target']}, {a['trajectory']} arc "
                          f"({a['flight_time_s'] / 60:.1f} min): not flyable, {a['limit_broken']}"
                          + (" (counted as the fastest: --allow-unflyable)" if used else
                             " (left out of the fastest arc; --allow-unflyable counts it)") + "[/yellow]")
    for c in result["claims"]:
        style = ("yellow" if c["physically_impossible"] is None else
                 "bold red" if c["physically_impossible"] else "green")
        con.print(f"[{style}]claim {c['claim']} from {c['site']}: {c['verdict']}[/{style}]")
    lim = result["flight_limits"]
    con.print(f"[dim]IR warning = flight time - {result['ir_detection_delay_s']:.0f} s detection delay (notional). "
              f"Flight limits (notional): dynamic pressure {lim['max_dynamic_pressure_kpa']:g} kPa, heat flux "
              f"{lim['max_heat_flux_mw_m2']:g} MW/m^2 (nose radius {lim['nose_radius_m']:g} m) before the final "
              f"descent through {lim['reentry_interface_km']:g} km. "
              f"Wrote {out / 'basing.json'} and {out / 'basing.svg'}.[/dim]")


COLUMNS = (  # the flights table; on a narrow terminal the columns with the highest drop are left out first
    ("from", False, 0), ("to", False, 0), ("distance (km)", True, 0), ("flight (min)", True, 0),
    ("apogee (km)", True, 1), ("reentry speed (m/s)", True, 2), ("peak Mach (altitude)", True, 3),
    ("Mach at 30 km", True, 4), ("IR warning (min)", True, 0), ("fastest arc (min)", True, 0),
)


def _flight_row(r: dict[str, Any]) -> tuple[str, ...]:
    from rich.markup import escape

    def num(x: float | None, fmt: str) -> str:
        return "—" if x is None else format(x, fmt)

    peak = "—" if r["max_mach"] is None else f"{r['max_mach']:.0f} ({r['max_mach_altitude_km']:.0f} km)"
    fastest = ("none flyable" if r["fastest_time_s"] is None else
               f"{r['fastest_time_s'] / 60:.1f} {r['fastest_arc']}"
               + ("" if r["fastest_flyable"] is not False else ", not flyable"))
    flight = f"{r['flight_time_s'] / 60:.1f}" + ("" if r["flyable"] is not False else " (not flyable)")
    return (escape(r["site"]), escape(r["target"]), f"{r['distance_km']:,.0f}", flight, f"{r['apogee_km']:,.0f}",
            num(r["reentry_speed_mps"], ",.0f"), peak, num(r["mach_30km"], ".1f"),
            f"{r['warning_from_ir_s'] / 60:.1f}", escape(fastest))


def _print_flights(con: Console, result: dict[str, Any]) -> None:
    """The minimum-energy flights, one row per site and target (names never cut)."""
    from duel.report.terminal import Col, print_table

    cols = [Col(h, right, drop) for h, right, drop in COLUMNS]
    print_table(con, f"{result['missile']}: minimum-energy flights", cols,
                [_flight_row(r) for r in result["rows"]], where="every column is in basing.json (--format json)")
