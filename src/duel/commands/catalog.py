"""`duel catalog KIND`: list the data catalogue with the status and sources of every number; `duel catalog
template missile|interceptor` prints a commented file of one's own, `duel catalog check FILE` validates one.

One sub-command per kind (missiles, places, sources, interceptors, sensors), so an unknown kind is a
usage error (exit 2). Only typer is imported at module level; the catalogue (pydantic) and rich are
imported inside the command so that ``duel --help`` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

HELP = (
    "List the data catalogue: each entry with its key values (nominal, and the low..high band in "
    "parentheses), "
    "status (reported, estimated or notional) and source ids.\n\n"
    "Your own missile or interceptor: 'duel catalog template missile > my-missile.toml', edit it, check it "
    "with 'duel catalog check my-missile.toml' and fly it with 'duel fly --missile my-missile.toml' "
    "(docs/custom-entries.md).\n\n"
    "Examples:\n\n"
    "  duel catalog missiles\n\n"
    "  duel catalog places --format json\n\n"
    "  duel catalog sources\n\n"
    "  duel catalog template missile > my-missile.toml"
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

    from duel.report.terminal import Col, print_records

    console = Console()
    if not records:
        console.print(f"no {kind} in the catalogue")
        return
    headers, row = _COLUMNS[kind]
    rows = [[escape(cell) for cell in row(eid, entry)] for eid, entry in records.items()]
    print_records(console, f"duel catalogue: {kind} ({len(records)})", [Col(h) for h in headers], rows)
    if kind != "sources":
        console.print(
            "Values: nominal (low..high). Status: reported = a public source states it; estimated = derived "
            "from reported facts; notional = a placeholder to sweep. Sources: 'duel catalog sources'; full "
            "records: --format json."
        )


_KIND_HELP = {
    "missiles": "Missiles: reported range, launch mass, stages and boost time, payload, reentry objects.\n\n"
                "Examples:\n\n  duel catalog missiles\n\n  duel catalog missiles --format json",
    "places": "Launch sites and targets (WGS84 decimal degrees), usable as --from/--to ids.\n\n"
              "Examples:\n\n  duel catalog places\n\n  duel catalog places --format json",
    "sources": "The bibliography: every source id used in the catalogue, with author, year and address.\n\n"
               "Examples:\n\n  duel catalog sources\n\n  duel catalog sources --format json",
    "interceptors": "Interceptors as kinematic envelopes: altitude band, ground range, speed, SSPK, reaction "
                    "time.\n\nExamples:\n\n  duel catalog interceptors\n\n  duel catalog interceptors --format json",
    "sensors": "Sensors: early-warning satellites (delays) and radars (range against a reference cross-section)."
               "\n\nExamples:\n\n  duel catalog sensors\n\n  duel catalog sensors --format json",
}


def _command(kind: str) -> Callable[[Format], None]:
    """The sub-command that lists ``kind``."""

    def show(fmt: Format = FORMAT_OPTION) -> None:
        _show(kind, fmt)

    show.__name__ = kind
    return show


for _kind, _help in _KIND_HELP.items():
    app.command(_kind, help=_help)(_command(_kind))


class EntryKind(str, Enum):
    """The kinds of entry a user may write in a file of their own."""

    missile = "missile"
    interceptor = "interceptor"


TEMPLATE_HELP = """Print a commented template of your own missile or interceptor file (TOML, the catalogue's format).

Every field the catalogue needs is there, with its unit and meaning; the example values are a catalogue entry's,
marked notional so that the file loads as printed. Save it, edit it (values, status, sources) and check it with
'duel catalog check FILE'. A missile file flies with 'duel fly --missile FILE' and in a scenario
(threat.missile = "FILE"). See docs/custom-entries.md.

Examples:

  duel catalog template missile > my-missile.toml

  duel catalog template interceptor > my-interceptor.toml
"""


@app.command("template", help=TEMPLATE_HELP)
def template(kind: Annotated[EntryKind, typer.Argument(help="missile or interceptor.")]) -> None:
    """Print the template of a user's ``kind`` file."""
    from duel.catalog.loading import template_text

    typer.echo(template_text(kind.value), nl=False)


CHECK_HELP = """Validate your own missile or interceptor file as the catalogue validates its entries.

Checks every field (units in the key names, bands low <= nominal <= high, statuses), that each reported or
estimated value has a source, that each source id is in 'duel catalog sources', and an interceptor's radar.

Examples:

  duel catalog check my-missile.toml

  duel catalog check my-interceptor.toml
"""


@app.command("check", help=CHECK_HELP)
def check(file: Annotated[Path, typer.Argument(help="A missile or interceptor file (duel catalog template).")]) -> None:
    """Validate a user's missile or interceptor file."""
    from duel.catalog import load_catalog
    from duel.catalog.loading import read_entry_file

    cat = load_catalog()
    radars = [k for k, v in cat.records("sensors").items() if v.kind == "radar"]
    kind, eid, entry = read_entry_file(file, cat.records("sources"), radars)
    use = (f"fly it: duel fly --missile {file} --from PLACE --to PLACE; in a scenario: threat.missile = \"{file}\""
           if kind == "missile" else "a scenario cannot use an interceptor file yet (batteries take catalogue types)")
    print(f"ok: {file}: {kind} '{eid}' ({entry.name}), status {entry.status}; {use}")
