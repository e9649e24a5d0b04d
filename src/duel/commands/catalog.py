"""`duel catalog KIND`: list the data catalogue with the status and sources of every number.

One sub-command per kind (missiles, places, sources, interceptors, sensors), so an unknown kind is a
usage error (exit 2). Only typer is imported at module level; the catalogue (pydantic) and rich are
imported inside the command so that ``duel --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

import typer

HELP = (
    "List the data catalogue: each entry with its key values (nominal, and the low..high band in "
    "parentheses), "
    "status (reported, estimated or notional) and source ids.\n\n"
    "Examples:\n\n"
    "  duel catalog missiles\n\n"
    "  duel catalog places --format json\n\n"
    "  duel catalog sources"
)

app = typer.Typer(help=HELP, no_args_is_help=True, add_completion=False)


class Format(str, Enum):
    """Output format."""

    table = "table"
    json = "json"


FORMAT_OPTION = typer.Option(Format.table, "--format", "-f", help="table (terminal) or json (the full records).")


# ---------------------------------------------------------------------------------------------------
# formatting helpers
# ---------------------------------------------------------------------------------------------------


def _num(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x)}"
    return f"{x:.4g}"


def _val(v: dict[str, Any] | None, unit: str = "") -> str:
    """'5500 (5000..5800) km' from a value table (or '-' when absent)."""
    if not v:
        return "-"
    text = _num(v["nominal"])
    if "low" in v or "high" in v:
        text += f" ({_num(v.get('low', v['nominal']))}..{_num(v.get('high', v['nominal']))})"
    return f"{text} {unit}".rstrip()


def _ids(ids: list[str]) -> str:
    return "\n".join(ids) if ids else "-"


def _missile_row(mid: str, e: dict[str, Any]) -> list[str]:
    launch = sum(s["gross_mass_kg"]["nominal"] for s in e["stages"]) + e["payload_mass_kg"]["nominal"]
    boost = sum(s["burn_time_s"]["nominal"] for s in e["stages"])
    objects = f"{_num(e['warheads']['nominal'])} x {_num(e['submunitions_per_warhead']['nominal'])}"
    return [
        mid,
        e["name"],
        _val(e["reported_range_km"], "km"),
        f"{_num(launch)} kg",
        f"{len(e['stages'])} / {_num(boost)} s",
        _val(e["payload_mass_kg"], "kg"),
        objects,
        e["status"],
        _ids(e["sources"]),
    ]


def _place_row(pid: str, e: dict[str, Any]) -> list[str]:
    return [pid, e["name"], e["country"], f"{e['lat_deg']:.4f}", f"{e['lon_deg']:.4f}", e["status"], _ids(e["sources"])]


def _source_row(sid: str, e: dict[str, Any]) -> list[str]:
    return [sid, e["author"], str(e["year"]), e["title"], e.get("url") or e.get("citation", "-")]


def _interceptor_row(iid: str, e: dict[str, Any]) -> list[str]:
    alt = f"{_num(e['min_intercept_altitude_km']['nominal'])}..{_num(e['max_intercept_altitude_km']['nominal'])} km"
    return [
        iid,
        e["name"],
        alt,
        _val(e["max_ground_range_km"], "km"),
        _val(e["average_speed_mps"], "m/s"),
        _val(e["sspk"]),
        _val(e["reaction_time_s"], "s"),
        e["status"],
        _ids(e["sources"]),
    ]


def _sensor_row(sid: str, e: dict[str, Any]) -> list[str]:
    if e["kind"] == "space-ir":
        key = f"detection {_val(e['detection_delay_s'], 's')}; track +{_val(e['track_latency_s'], 's')}"
    else:
        key = (
            f"range {_val(e['max_range_km'], 'km')} vs {_val(e['reference_rcs_m2'], 'm2')}; "
            f"antenna {_val(e['antenna_height_m'], 'm')}; mask {_val(e['elevation_mask_deg'], 'deg')}"
        )
    return [sid, e["name"], e["kind"], key, e["status"], _ids(e["sources"])]


_COLUMNS: dict[str, tuple[list[str], Any]] = {
    "missiles": (
        ["id", "name", "reported range", "launch mass", "stages / boost", "payload", "objects", "status", "sources"],
        _missile_row,
    ),
    "places": (["id", "name", "country", "lat (deg)", "lon (deg)", "status", "sources"], _place_row),
    "sources": (["id", "author", "year", "title", "url or citation"], _source_row),
    "interceptors": (
        ["id", "name", "altitude", "ground range", "avg speed", "SSPK", "reaction", "status", "sources"],
        _interceptor_row,
    ),
    "sensors": (["id", "name", "kind", "key values", "status", "sources"], _sensor_row),
}


def _show(kind: str, fmt: Format) -> None:
    """Print the records of one kind as a rich table or as JSON."""
    from duel import catalog

    records = catalog.entries(kind)
    if fmt is Format.json:
        import json

        typer.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return

    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    headers, row = _COLUMNS[kind]
    table = Table(title=f"duel catalogue: {kind} ({len(records)})", title_justify="left", show_lines=False)
    for i, h in enumerate(headers):
        table.add_column(h, no_wrap=(i == 0), overflow="fold")
    for eid, entry in records.items():
        table.add_row(*(escape(cell) for cell in row(eid, entry)))
    console = Console()
    if not records:
        console.print(f"no {kind} in the catalogue")
        return
    console.print(table)
    if kind != "sources":
        console.print(
            "Values: nominal (low..high). Status: reported = a public source states it; estimated = derived "
            "from reported facts; notional = a placeholder to sweep. Sources: 'duel catalog sources'; full "
            "records: --format json."
        )


_KIND_HELP = {
    "missiles": "Missiles: reported range, launch mass, stages and boost time, payload, reentry objects.\n\n"
                "Example: duel catalog missiles --format json",
    "places": "Launch sites and targets (WGS84 decimal degrees), usable as --from/--to ids.\n\n"
              "Example: duel catalog places",
    "sources": "The bibliography: every source id used in the catalogue, with author, year and address.\n\n"
               "Example: duel catalog sources --format json",
    "interceptors": "Interceptors as kinematic envelopes: altitude band, ground range, speed, SSPK, reaction "
                    "time.\n\nExample: duel catalog interceptors",
    "sensors": "Sensors: early-warning satellites (delays) and radars (range against a reference cross-section)."
               "\n\nExample: duel catalog sensors",
}


def _command(kind: str) -> Callable[[Format], None]:
    """The sub-command that lists ``kind``."""

    def show(fmt: Format = FORMAT_OPTION) -> None:
        _show(kind, fmt)

    show.__name__ = kind
    return show


for _kind, _help in _KIND_HELP.items():
    app.command(_kind, help=_help)(_command(_kind))
