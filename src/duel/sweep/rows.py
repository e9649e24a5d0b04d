"""The row of one sweep point: the same pipeline as ``duel fly`` (kinematics) or ``duel run`` (duel).

Every row of a sweep has the same columns (:func:`columns`), in this order: ``point``, the axes' values
(``launch``, ``target``, ``trajectory`` and each input axis under its registry path), the launch and target
coordinates (deg), then the mode's quantities:

* kinematics (:data:`KINEMATICS`): ground range, flight time, apogee, speeds and Mach numbers as ``duel fly``
  reports them, flyability, and the warning times by definition: from infrared detection of the boost and from
  the infrared launch report to impact (the early-warning system's delays, :mod:`duel.defence.warning`);
* duel (:data:`DUEL`): the verdict quantities of ``duel run`` (``_value`` the mean over the draws, ``_median``,
  ``_lo``/``_hi`` the 5th-95th percentile range) and its flight and warning times.

A point that cannot be flown (out of range, no solution for the shape) keeps its row, with ``error`` saying why
and nulls elsewhere, so a grid's edge does not stop the sweep. Units are in the column names (``_s``, ``_km``,
``_mps``, ``_deg``); probabilities are fractions.
"""

from __future__ import annotations

import math
from typing import Any

from duel.errors import InputError
from duel.flight.summary import FlightSummary
from duel.scenario.inputs import Inputs
from duel.sweep.spec import GEOMETRY_AXES, Point, Sweep

KINEMATICS = ("distance_km", "flight_time_s", "apogee_km", "max_speed_mps", "max_mach", "mach_30km",
              "impact_mach", "reentry_speed_mps", "flyable", "limit_broken", "warning_ir_detection_s",
              "warning_ir_report_s")
QUANTITIES = ("p_all_stopped", "p_at_least_one_stopped", "expected_leakers")
DUEL = tuple(f"{q}_{s}" for q in QUANTITIES for s in ("value", "median", "lo", "hi")) + (
    "answer_kind", "flight_time_s", "apogee_km", "warning_early_warning_detection_s",
    "warning_early_warning_report_s", "warning_notice_s", "decision_time_left_s")
PLACES = ("launch_lat_deg", "launch_lon_deg", "target_lat_deg", "target_lon_deg")


def columns(sweep: Sweep) -> list[str]:
    """The row's columns, in order (module docstring)."""
    axes = [a for a in GEOMETRY_AXES] + [a for a in sweep.axis_names() if a not in GEOMETRY_AXES]
    quantities = KINEMATICS if sweep.spec.sweep.mode == "kinematics" else DUEL
    return ["point", *axes, *PLACES, *quantities, "error"]


def _finite(x: Any) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def _geometry(point: Point, sweep: Sweep) -> tuple[str, str, str]:
    """The launch, target and trajectory of a point: the axis values, else the scenario's, else the defaults."""
    th = None
    if sweep.scenario_path is not None:
        from duel.scenario import load_scenario

        th = load_scenario(sweep.scenario_path).threat
    launch = point.launch or (th.launch if th else None)
    target = point.target or (th.target if th else None)
    if launch is None:
        raise InputError("axes.launch: no launch site (give the axis or a scenario)")
    if target is None:
        raise InputError("axes.target: no target (give the axis or a scenario)")
    return launch, target, point.trajectory or (th.trajectory if th else "min-energy")


def _missile(sweep: Sweep) -> str:
    if sweep.spec.sweep.missile:
        return sweep.spec.sweep.missile
    if sweep.scenario_path is not None:
        from duel.scenario import load_scenario

        return load_scenario(sweep.scenario_path).threat.missile
    return "oreshnik"


def kinematics_rows(points: list[Point], sweep: Sweep) -> list[dict[str, Any]]:
    """Kinematics points: each aimed and flown as ``duel fly --from LAUNCH --to TARGET --trajectory SHAPE`` with
    the point's inputs set; the points that share their inputs are aimed together in one batch
    (:func:`duel.flight.api.solve_flights`, whose flights equal ``duel fly``'s)."""
    from duel.flight.api import FlightRequest, solve_flights
    from duel.scenario.inputs import command_inputs

    missile = _missile(sweep)
    rows = [_blank(p, sweep) for p in points]
    by_inputs: dict[tuple[str, ...], list[int]] = {}
    for i, p in enumerate(points):
        if rows[i]["error"] is None:
            by_inputs.setdefault(tuple(p.set_texts()), []).append(i)
    for texts, idx in by_inputs.items():
        try:
            inputs = command_inputs(list(texts), missile)
        except InputError as exc:
            for i in idx:
                rows[i]["error"] = str(exc)
            continue
        reqs = [FlightRequest(launch=rows[i]["launch"], target=rows[i]["target"], missile=missile,
                              shape=rows[i]["trajectory"]) for i in idx]
        for i, flight in zip(idx, solve_flights(reqs, inputs)):
            try:
                if isinstance(flight, InputError):
                    raise flight
                got = _kinematics(flight.summary, inputs, rows[i]["launch"], rows[i]["target"])
            except InputError as exc:
                rows[i]["error"] = str(exc)
                continue
            rows[i].update({k: v for k, v in got.items() if k in rows[i]})
    return rows


def _kinematics(s: FlightSummary, inputs: Inputs, launch: str, target: str) -> dict[str, Any]:
    """A kinematics row's quantities from a flight's summary (module docstring)."""
    from duel.defence.setup import space_ir

    row: dict[str, Any] = _places(inputs, launch, target)
    f = s.flyability
    row.update(distance_km=s.ground_range_km, flight_time_s=s.flight_time_s, apogee_km=s.apogee_km,
               max_speed_mps=s.max_speed_mps, max_mach=_finite(s.max_mach), mach_30km=_finite(s.mach_30km),
               impact_mach=_finite(s.impact.mach), reentry_speed_mps=_finite(s.speed_at("down_30km")),
               flyable=None if f is None else bool(f.flyable),
               limit_broken=None if f is None else f.limit_broken_short)
    ir = space_ir(inputs)
    if ir is not None:
        det, rep, _ = ir.warning(s.burnout.time_s)
        row.update(warning_ir_detection_s=_finite(s.flight_time_s - float(det)),
                   warning_ir_report_s=_finite(s.flight_time_s - float(rep)))
    return row


def _places(inputs: Any, launch: str, target: str) -> dict[str, Any]:
    lp, tp = inputs.place(launch, "axes.launch"), inputs.place(target, "axes.target")
    return {"launch_lat_deg": lp.lat_deg, "launch_lon_deg": lp.lon_deg,
            "target_lat_deg": tp.lat_deg, "target_lon_deg": tp.lon_deg}


def duel_row(point: Point, sweep: Sweep, launch: str, target: str, shape: str) -> dict[str, Any]:
    """A duel point: ``duel run`` of the base scenario with the point's launch, target, trajectory and inputs
    (``--set``), its draws and seed (the same seed at every point: common random numbers, so neighbouring
    points differ by what the axes change, not by the draws)."""
    from duel.pipeline.run import run_scenario
    from duel.scenario import load_scenario

    assert sweep.scenario_path is not None  # the spec requires it in duel mode
    sc = load_scenario(sweep.scenario_path)
    sc = sc.model_copy(update={"threat": replace_threat(sc.threat, launch, target, shape)})
    res = run_scenario(sc, trials=sweep.spec.sweep.trials, seed=sweep.spec.sweep.seed, sets=point.set_texts(),
                       workers=1)  # the sweep's own workers use the cores
    doc = res.document
    row: dict[str, Any] = _places(res.setup.inputs, launch, target)
    v = doc["verdict"]
    for q in QUANTITIES:
        row.update({f"{q}_value": v[q]["value"], f"{q}_median": v[q]["median"],
                    f"{q}_lo": v[q]["range90"][0], f"{q}_hi": v[q]["range90"][1]})
    tb = doc["time_budget"]
    row.update(answer_kind=v["answer_kind"], flight_time_s=doc["threat"]["flight_time_s"],
               apogee_km=doc["threat"]["apogee_km"], decision_time_left_s=_finite(tb["decision_time_left_s"]))
    for w in tb["warning_times"]:
        row[f"warning_{w['key']}_s"] = _finite(w["seconds"])
    return row


def replace_threat(threat: Any, launch: str, target: str, shape: str) -> Any:
    """The scenario's ``[threat]`` flown from ``launch`` to ``target`` on ``shape``."""
    return threat.model_copy(update={"launch": launch, "target": target, "trajectory": shape})


def _blank(point: Point, sweep: Sweep) -> dict[str, Any]:
    """A point's row with its axes filled in and every quantity null (``error`` set where the point has no
    launch site or target)."""
    row: dict[str, Any] = dict.fromkeys(columns(sweep))
    row.update(point=point.index, trajectory=point.trajectory, launch=point.launch, target=point.target)
    row.update(dict(point.sets))
    try:
        row["launch"], row["target"], row["trajectory"] = _geometry(point, sweep)
    except InputError as exc:
        row["error"] = str(exc)
    return row


def duel_point_row(point: Point, sweep: Sweep) -> dict[str, Any]:
    """A duel point's full row (every column of :func:`columns`; nulls and ``error`` where it cannot be run)."""
    row = _blank(point, sweep)
    if row["error"] is not None:
        return row
    try:
        got = duel_row(point, sweep, row["launch"], row["target"], row["trajectory"])
    except InputError as exc:
        row["error"] = str(exc)
        return row
    row.update({k: v for k, v in got.items() if k in row})
    return row


def chunk_rows(sweep: Sweep, start: int, stop: int) -> list[dict[str, Any]]:
    """The rows of points [start, stop): one task of a sweep (runs on a Dask worker)."""
    points = sweep.points[start:stop]
    if sweep.spec.sweep.mode == "kinematics":
        return kinematics_rows(points, sweep)
    return [duel_point_row(p, sweep) for p in points]
