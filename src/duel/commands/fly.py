"""``duel fly``: fly a catalogue missile or a burnout state between two points (thin CLI over duel.flight)."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

from duel.commands.units import unit_option

HELP = """Fly a missile (or a burnout state) on a rotating WGS84 Earth and report time, height and speed.

Examples:

  duel fly --missile oreshnik --from kapustin-yar --to dnipro [--trajectory min-energy]

  duel fly --burnout-speed 3000 --burnout-angle 40 --from 50,30 --azimuth 45

  duel fly --burnout-speed 3000 --from kapustin-yar --to dnipro --trajectory lofted

  duel fly --from kapustin-yar --to warsaw --trajectory min-energy   (solver finds the minimum burnout speed)

  duel fly --missile my-missile.toml --from kapustin-yar --to kyiv --track track.csv   (your own missile file:
  duel catalog template missile)

Shapes (--trajectory): min-energy, lofted, depressed, max-range, apogee:KM, flight-time:SECONDS.
PLACE is a catalogue id (duel catalog places) or LAT,LON in decimal degrees. Burnout speed and angle are
relative to the rotating Earth. Validation toggles: --earth sphere --no-rotation --no-atmosphere --no-j2.
"""


class Fmt(str, Enum):
    table = "table"
    json = "json"


class Figure(str, Enum):
    wgs84 = "wgs84"
    sphere = "sphere"


def fly(
    from_: Annotated[str, typer.Option("--from", help="Launch place: catalogue id or LAT,LON.")] = "",
    to: Annotated[Optional[str], typer.Option("--to", help="Target place: catalogue id or LAT,LON.")] = None,
    missile: Annotated[Optional[str], typer.Option("--missile", help="Catalogue missile id (duel catalog missiles) or a missile file FILE.toml in the catalogue format.")] = None,
    trajectory: Annotated[str, typer.Option("--trajectory", help="min-energy | lofted | depressed | max-range | apogee:KM | flight-time:SECONDS")] = "min-energy",
    azimuth: Annotated[Optional[float], unit_option("--azimuth", "deg", "Launch azimuth (deg from north) for a free flight without --to.")] = None,
    burnout_speed: Annotated[Optional[float], unit_option("--burnout-speed", "m/s", "Burnout speed (m/s, Earth-relative).")] = None,
    burnout_angle: Annotated[Optional[float], unit_option("--burnout-angle", "deg", "Burnout flight-path angle (deg above the horizon).")] = None,
    burnout_altitude: Annotated[Optional[float], unit_option("--burnout-altitude", "km", "Burnout altitude above the launch point (km); default: the notional input flight.burnout_altitude_km.")] = None,
    beta: Annotated[Optional[float], unit_option("--beta", "kg/m^2", "Ballistic coefficient m/(Cd A) of the flying object (kg/m^2); burnout forms default to the notional input flight.burnout_beta_kg_m2.")] = None,
    earth: Annotated[Figure, typer.Option("--earth", help="Figure of the Earth.")] = Figure.wgs84,
    no_rotation: Annotated[bool, typer.Option("--no-rotation", metavar="", help="Non-rotating Earth.")] = False,
    no_atmosphere: Annotated[bool, typer.Option("--no-atmosphere", metavar="", help="Vacuum (no drag).")] = False,
    no_j2: Annotated[bool, typer.Option("--no-j2", metavar="", help="Point-mass gravity only.")] = False,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json.")] = Fmt.table,
    backend: Annotated[str, typer.Option("--backend", help="numpy (default) or gpu (JAX on an NVIDIA GPU: pip install '.\\[gpu]' from the project folder).")] = "numpy",
    track: Annotated[Optional[Path], typer.Option("--track", help="Write the time series to FILE.csv or FILE.parquet (one row per integration step; says where it wrote on stderr).")] = None,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="PATH=VALUE: set a model input (list them with 'duel inputs'); repeatable.")] = None,
) -> None:
    """Fly one trajectory and print its summary (see HELP)."""
    from duel.errors import InputError
    from duel.flight.api import FlightRequest, solve_flight
    from duel.report.flight import write_track
    from duel.report.terminal import print_fly_table

    if not from_:
        raise InputError("--from: a launch place is required (catalogue id or LAT,LON)")
    req = FlightRequest(
        launch=from_, target=to, missile=missile, shape=trajectory, azimuth_deg=azimuth,
        burnout_speed_mps=burnout_speed, burnout_angle_deg=burnout_angle, burnout_altitude_km=burnout_altitude,
        beta_kg_m2=beta, earth=earth.value, rotation=not no_rotation, atmosphere=not no_atmosphere, j2=not no_j2,
        backend=backend,
    )
    from duel.scenario.inputs import command_inputs

    flight = solve_flight(req, command_inputs(set_ or (), missile))
    if track is not None:
        write_track(flight.trajectory, track)
        rows = len(flight.trajectory.series(0)["time_s"])
        print(f"wrote the track ({rows:,} rows) to {track}", file=sys.stderr)
    if fmt == Fmt.json:
        print(json.dumps(flight.summary.to_dict(), indent=2))
    else:
        print_fly_table(flight.summary, flight.title)
