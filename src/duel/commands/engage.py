"""``duel engage``: fly the threat, time the sensors and the notice, find each battery's engagement windows
and count the leakers (thin CLI over :mod:`duel.defence.engagement`).

Only typer is imported at module level (``duel --help`` stays fast); numpy, rich and the physics are
imported inside the command. Every bad input raises :class:`duel.errors.InputError` naming the option.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer

from duel.commands.units import unit_option

if TYPE_CHECKING:
    from rich.console import Console

HELP = """Engagement windows and leakers: can batteries at the target stop the strike?

Flies the missile, then for each battery (an interceptor type at a place, with its organic radar) finds
when each threat object is inside the interceptor's altitude band and ground range, seen by the battery's
radar, and reachable by an interceptor launched after the radar track, the cue, the decision delay and the
reaction time. The windows become raid layers (SSPK, shots, opportunities, magazine, fire channels) and the
leakers are counted (closed form; seeded Monte Carlo when magazines or fire channels can bind).
Interceptors are kinematic envelopes with an SSPK: no guidance, no damage model. Notional defaults (RCS,
delays, readiness) are listed under "assumptions" in the JSON.

Examples:

  duel engage --missile oreshnik --from kapustin-yar --to kyiv --battery pac-3-mse@kyiv --battery thaad@kyiv

  duel engage --missile oreshnik --from kapustin-yar --to kyiv --battery thaad@+30km@90 --notice 30 --format json

  duel engage --missile oreshnik --from kapustin-yar --to kyiv --battery pac-3-mse@kyiv:magazine=24 --notice 24h --notice-content impact-area

  duel engage --missile oreshnik --from kapustin-yar --to kyiv --battery thaad@kyiv --doctrine sls --kill-assessment 8 --shots 1

Battery: TYPE@POSITION[:KEY=VALUE]..., TYPE from 'duel catalog interceptors' or an interceptor file
(FILE.toml, see 'duel catalog template interceptor'); POSITION a place id, LAT,LON, or an offset
[PLACE]+DISTkm@AZ (empty PLACE = the --to point); keys launchers=N, magazine=N, sspk=P, radar=ID. Notice: minutes before launch (30), or with a unit (24h); 'none' for no notice.
"""


def _notice_seconds(text: str | None) -> float | None:
    from duel.errors import InputError

    if text is None:
        return None
    t = text.strip().lower()
    if t in ("", "none", "no"):
        return None
    m = re.fullmatch(r"([-+]?[0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)\s*(min|m|h|d|s)?", t)
    if not m:
        raise InputError(f"--notice: '{text}' is not a lead time (minutes, e.g. 30, or 30min, 24h, none)")
    value = float(m.group(1))
    unit = {"s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0, "d": 86400.0}[m.group(2) or "min"]
    if not math.isfinite(value) or value < 0:
        raise InputError(f"--notice: lead time must be >= 0 minutes before launch, got '{text}'")
    return value * unit


def engage(
    missile: Annotated[Optional[str], typer.Option("--missile", help="Catalogue missile id (duel catalog missiles).")] = None,
    from_: Annotated[Optional[str], typer.Option("--from", help="Launch place: catalogue id or LAT,LON.")] = None,
    to: Annotated[Optional[str], typer.Option("--to", help="Target (defended point): catalogue id or LAT,LON.")] = None,
    trajectory: Annotated[str, typer.Option("--trajectory", help="min-energy | lofted | depressed | apogee:KM | flight-time:SECONDS")] = "min-energy",
    battery: Annotated[Optional[list[str]], typer.Option("--battery", help="TYPE@POSITION[:key=value], TYPE a catalogue id or an interceptor file (.toml); repeat for more batteries.")] = None,
    notice: Annotated[Optional[str], typer.Option("--notice", help="Notice lead time before launch: minutes (30), or 30min, 24h; none.")] = None,
    notice_content: Annotated[str, typer.Option("--notice-content", help="window | launch-area | impact-area.")] = "window",
    notice_recipient: Annotated[str, typer.Option("--notice-recipient", help="defender | third-party.")] = "defender",
    relay_delay: Annotated[Optional[float], unit_option("--relay-delay", "min", "Minutes for a third party to relay the notice (notional default 15).")] = None,
    shots: Annotated[Optional[int], typer.Option("--shots", help="Interceptors per object per opportunity (default 2, notional doctrine).")] = None,
    doctrine: Annotated[str, typer.Option("--doctrine", help="salvo (one opportunity per window) or sls (shoot-look-shoot).")] = "salvo",
    kill_assessment: Annotated[Optional[float], unit_option("--kill-assessment", "s", "sls: seconds to assess a kill (notional default 10).")] = None,
    p_kill_assessment: Annotated[float, typer.Option("--p-kill-assessment", help="sls: probability a survivor is seen to be alive.")] = 1.0,
    sspk: Annotated[Optional[float], typer.Option("--sspk", help="Override every battery's SSPK (catalogue values are notional).")] = None,
    p_track: Annotated[float, typer.Option("--p-track", help="P_track of each layer's engagement chain.")] = 1.0,
    common_mode: Annotated[bool, typer.Option("--common-mode", metavar="", help="P_track is one draw per layer for the whole raid.")] = False,
    objects: Annotated[Optional[int], typer.Option("--objects", help="Threat objects (default: warheads x submunitions of the missile).")] = None,
    decoys: Annotated[int, typer.Option("--decoys", help="Decoys flying with the objects (absorb interceptors).")] = 0,
    p_decoy_engaged: Annotated[float, typer.Option("--p-decoy-engaged", help="Probability a decoy is engaged.")] = 1.0,
    rcs: Annotated[Optional[float], unit_option("--rcs", "m^2", "Radar cross-section of each object, m^2 (notional default 0.05).")] = None,
    track_delay: Annotated[Optional[float], unit_option("--track-delay", "s", "Radar detection to fire-control track, s (notional 5).")] = None,
    decision_delay: Annotated[Optional[float], unit_option("--decision-delay", "s", "Track and cue to engagement order, s (notional 5).")] = None,
    fire_control: Annotated[Optional[str], typer.Option("--fire-control", help="own-track (default) | launch-on-remote | engage-on-remote: may a battery launch on, or engage with, another battery's radar track?")] = None,
    no_early_warning: Annotated[bool, typer.Option("--no-early-warning", metavar="", help="No space-based IR warning (no cue).")] = False,
    trials: Annotated[Optional[int], typer.Option("--trials", help="Monte Carlo trials (run anyway when limits can bind: 20,000).")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Monte Carlo seed (>= 0).")] = 0,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="PATH=VALUE: set a model input (list them with 'duel inputs'); repeatable.")] = None,
) -> None:
    """Engagement windows and raid outcome (see HELP)."""
    from duel.errors import InputError

    # ---- checks that need nothing else (fail fast, before the ~1 s flight)
    if fmt not in ("table", "json"):
        raise InputError(f"--format: must be 'table' or 'json', got '{fmt}'")
    for opt, val in (("--missile", missile), ("--from", from_), ("--to", to)):
        if not val:
            raise InputError(f"{opt}: required (see duel engage --help)")
    if not battery:
        raise InputError("--battery: at least one battery is needed, e.g. --battery pac-3-mse@kyiv")
    if trials is not None and trials < 1:
        raise InputError(f"--trials: must be at least 1, got {trials}")
    if seed < 0:
        raise InputError(f"--seed: must be at least 0, got {seed}")
    lead_s = _notice_seconds(notice)
    if relay_delay is not None and notice_recipient == "defender":
        raise InputError("--relay-delay: only a third-party recipient relays the notice (--notice-recipient third-party)")
    options = {  # input path -> (value, the option that sets it)
        "notice.lead_min": (None if lead_s is None else lead_s / 60.0, "--notice"),
        "notice.content": (notice_content, "--notice-content"), "notice.recipient": (notice_recipient, "--notice-recipient"),
        "assumption.relay_third_party_min": (relay_delay, "--relay-delay"),
        "assumption.shots_per_opportunity": (shots, "--shots"), "doctrine.mode": (doctrine, "--doctrine"),
        "assumption.kill_assessment_s": (kill_assessment, "--kill-assessment"),
        "doctrine.p_kill_assessment": (p_kill_assessment, "--p-kill-assessment"), "doctrine.p_track": (p_track, "--p-track"),
        "doctrine.common_mode": (common_mode or None, "--common-mode"), "threat.decoys": (decoys, "--decoys"),
        "threat.p_decoy_engaged": (p_decoy_engaged, "--p-decoy-engaged"), "assumption.rcs_m2": (rcs, "--rcs"),
        "interceptor.*.track_formation_s": (track_delay, "--track-delay"),
        "interceptor.*.decision_delay_s": (decision_delay, "--decision-delay"),
        "doctrine.fire_control": (fire_control, "--fire-control"),
        "sensors.early_warning": ("none" if no_early_warning else None, "--no-early-warning"),
        "montecarlo.nominal_raid_trials": (trials, "--trials"),
        "missile.{missile}.warheads": (objects, "--objects"),
        "missile.{missile}.submunitions_per_warhead": (None if objects is None else 1, "--objects"),
    }
    if sspk is not None:
        from duel.scenario.registry import Registry

        Registry.default().spec("interceptor.thaad.sspk").check(sspk, "--sspk")  # a probability, named by --sspk

    from duel.defence.engagement import assess
    from duel.defence.setup import defence_setup
    from duel.defence.track import ThreatTrack
    from duel.flight.api import FlightRequest, solve_flight
    from duel.flight.vehicles import staged_missile
    from duel.scenario.inputs import command_inputs

    inputs = command_inputs(set_ or (), missile, {k: v for k, v in options.items() if v[0] is not None},
                            batteries=battery)
    specs = [b if sspk is None or ":sspk=" in b.replace(" ", "") else f"{b}:sspk={sspk}" for b in battery]
    m = staged_missile(inputs, inputs.missile)
    defended = inputs.place(to, "--to")
    defence = defence_setup(inputs, specs, defended, m.warheads, m.submunitions_per_warhead)
    flight = solve_flight(FlightRequest(launch=from_, target=to, missile=missile, shape=trajectory), inputs)
    t_imp = float(flight.trajectory.log.impact_t[0])
    if kill_assessment is not None and kill_assessment >= t_imp:
        raise InputError(f"--kill-assessment: {kill_assessment:g} s is longer than the whole flight ({t_imp:.0f} s)")
    track = ThreatTrack.from_trajectory(flight.trajectory, 0.5, labels=("all",))
    a = assess(track, defence, flight.trajectory.earth, seed, always_simulate=trials is not None)

    d = a.to_dict()
    srcs = list(flight.summary.sources)
    for b in d["batteries"]:
        srcs += b["sources"]
    ir, note, params = defence.space_ir, defence.notice, defence.params
    if ir is not None:
        srcs += list(ir.sources)
    out: dict[str, Any] = {
        "threat": flight.summary.to_dict(),
        "objects": {
            "missile": m.id, "warheads": m.warheads, "submunitions_per_warhead": m.submunitions_per_warhead,
            "count": m.objects, "decoys": defence.decoys,
            "note": "every object flies the one computed trajectory (submunition dispersion is not modelled); "
                    "windows are listed once with object 'all'",
        },
        "timeline": d["timeline"],
        "notice": None if note is None else {
            "lead_min": note.lead_s / 60.0, "content": note.content, "recipient": note.recipient,
            "relay_min": float(note.relay_s) / 60.0,
        },
        "readiness": d["readiness"],
        "batteries": d["batteries"],
        "raid": d["raid"],
        "parameters": {
            "rcs_m2": params.rcs_m2, "rcs_warhead_m2": params.rcs_warhead_m2,
            "separation_altitude_km": params.separation_alt_m / 1e3 if math.isfinite(params.separation_alt_m) else None,
            "track_formation_s": min((float(b.type.track_formation_s) for b in defence.batteries), default=None),
            "decision_delay_s": a.readiness.decision_delay_s, "shots": params.shots, "doctrine": params.doctrine,
            "fire_control": params.fire_control,
            "kill_assessment_s": params.kill_assessment_s, "p_kill_assessment": params.p_kill_assessment,
            "p_track": defence.p_track, "common_mode": defence.common_mode, "early_warning": ir.id if ir else None,
            "sspk_override": sspk,
        },
        "assumptions": {s.path.removeprefix("assumption."): {
            "value": inputs[s.path], "low": s.low, "high": s.high, "unit": s.unit, "status": inputs.status(s.path),
            "note": s.note} for s in inputs.registry.specs("assumption.") if s.path.startswith("assumption.")},
        "scope": "interceptors are kinematic envelopes with an SSPK: no guidance, no homing, no damage model",
        "sources": sorted(set(srcs)),
    }
    if fmt == "json":
        import json

        typer.echo(json.dumps(out, indent=2))
        return
    _render(out, flight.title)


def _fmt(x: Any, spec: str = ".1f", none: str = "—") -> str:
    return none if x is None else format(x, spec)


def _render(out: dict[str, Any], title: str) -> None:
    from rich.console import Console

    con = Console()
    _print_timeline(con, out, title)
    _print_windows(con, out["batteries"])
    _print_raid(con, out["raid"])
    a, p, raid = out["assumptions"], out["parameters"], out["raid"]
    con.print(f"[dim]{raid['note']}.[/dim]")
    con.print(
        f"[dim]Notional: RCS {p['rcs_m2']:g} m^2 (band {a['rcs_m2']['low']:g}-{a['rcs_m2']['high']:g}), "
        f"track formation {p['track_formation_s']:g} s, decision delay {p['decision_delay_s']:g} s, "
        f"{p['shots']} shot(s) per opportunity, fire control {p['fire_control']}"
        + (f", submunitions released at {p['separation_altitude_km']:g} km" if p["separation_altitude_km"] else "")
        + "; all SSPKs are notional. Kinematic envelopes only: no guidance, no damage model.[/dim]"
    )


def _timeline_rows(out: dict[str, Any]) -> list[tuple[float, str, str]]:
    tl = out["timeline"]
    rows: list[tuple[float, str, str]] = []
    if tl["notice_s"] is not None:
        n = out["notice"]
        rows.append((tl["notice_s"], "notice sent", f"{n['content']} to {n['recipient']}"))
        if n["relay_min"]:
            rows.append((tl["notice_received_s"], "notice reaches defender", f"relay {n['relay_min']:g} min"))
    rows.append((0.0, "launch", ""))
    if tl["early_warning_detection_s"] is not None:
        rows.append((tl["early_warning_detection_s"], "IR detection", "boost plume; warning only"))
    if tl["cue_s"] is not None:
        rows.append((tl["cue_s"], "IR launch report, cue", "no fire-control track"))
    if tl["burnout_s"] is not None:
        rows.append((tl["burnout_s"], "burnout", "plume ends"))
    for b in out["batteries"]:
        if b["detection_s"][0] is not None:
            rows.append((b["detection_s"][0], f"{b['label']}: radar detection", b["radar"]["id"]))
            rows.append((b["track_s"][0], f"{b['label']}: fire-control track", ""))
            rows.append((b["launch_earliest_s"][0], f"{b['label']}: first launch possible",
                         f"decision {b['decision_delay_s']:g} s + reaction {b['reaction_time_s']:g} s"))
        else:
            rows.append((math.inf, f"{b['label']}: radar never detects", b["radar"]["id"]))
    rows.append((tl["impact_s"], "impact", ""))
    return sorted(rows, key=lambda r: r[0])


def _print_timeline(con: Console, out: dict[str, Any], title: str) -> None:
    from rich.markup import escape

    from duel.report.terminal import Col, print_table

    obj = out["objects"]
    rows = [(escape(ev), "—" if not math.isfinite(ts) else f"{ts:,.1f}", escape(nt)) for ts, ev, nt in _timeline_rows(out)]
    print_table(con, escape(f"{title}: {obj['count']} objects" + (f" + {obj['decoys']} decoys" if obj["decoys"] else "")),
                [Col("event"), Col("time (s)", right=True), Col("note")], rows)
    con.print(f"[dim]readiness: {escape(out['readiness']['note'])}[/dim]")


WINDOW_COLUMNS = (  # (header, right-aligned, drop order on a narrow terminal)
    ("battery", False, 0), ("window (s)", True, 0), ("altitude (km)", True, 0), ("range (km)", True, 1),
    ("fly-out (s)", True, 2), ("opp", True, 0), ("shots", True, 0), ("mag", True, 0), ("ch", True, 0),
)


def _window_rows(batteries: list[dict[str, Any]]) -> tuple[list[tuple[str, ...]], list[str]]:
    from rich.markup import escape

    rows, reasons = [], []
    for b in batteries:
        label = escape(b["label"])
        if not b["windows"]:
            rows.append((label, "[red]none[/red]", "", "", "", "0", "0", str(b["magazine"]), str(b["fire_channels"])))
            reasons.append(f"{b['label']}: {b['no_window_reason']}")
        for x in b["windows"]:
            rows.append((label, f"{x['t_first_s']:.1f}-{x['t_last_s']:.1f}",
                         f"{x['alt_first_km']:.3g}-{x['alt_last_km']:.3g}",
                         f"{x['range_first_km']:.0f}-{x['range_last_km']:.0f}", f"{x['flyout_max_s']:.0f}",
                         str(x["opportunities"]), str(x["shots"]), str(b["magazine"]), str(b["fire_channels"])))
    return rows, reasons


def _print_windows(con: Console, batteries: list[dict[str, Any]]) -> None:
    from rich import box
    from rich.markup import escape

    from duel.report.terminal import Col, print_table

    rows, reasons = _window_rows(batteries)
    print_table(con, "engagement windows (one row per battery window)", [Col(*c) for c in WINDOW_COLUMNS], rows,
                box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    for line in reasons:
        con.print(f"[dim]no window, {escape(line)}[/dim]")
    con.print("[dim]window: first-last time in the envelope; altitude, range: the object's altitude and ground range "
              "from the battery at both ends; fly-out: the longest; opp: shot opportunities per object; shots: "
              "interceptors per object in the window; mag: magazine; ch: fire channels (objects engaged at once)[/dim]")


def _print_raid(con: Console, raid: dict[str, Any]) -> None:
    from rich.markup import escape

    from duel.report.terminal import Col, print_table

    layers = ", ".join(f"{ly['battery']} (SSPK {ly['sspk']:g}, {ly['shots']}x{ly['opportunities']})"
                       for ly in raid["layers"]) or "none"
    mc = raid.get("monte_carlo")
    ci = f" \\[{mc['ci95'][0]:.4f}, {mc['ci95'][1]:.4f}]" if mc and raid["method"] == "monte carlo" else ""
    rows = [("layers (in order)", escape(layers)), ("method", raid["method"]),
            ("P(no leaker)", f"{raid['p_zero_leakers']:.4f}{ci}"),
            ("expected leakers", f"{raid['expected_leakers']:.2f} of {raid['warheads']} objects"),
            ("interceptors fired (mean)", f"{raid['interceptors_used_mean']:.1f}")]
    cf = raid.get("closed_form")
    if cf and raid["method"] != "closed form":
        rows.append(("closed form without limits",
                     f"P(no leaker) {cf['p_zero_leakers']:.4f}, leakers {cf['expected_leakers']:.2f}"))
    print_table(con, f"raid: {raid['warheads']} objects" + (f" + {raid['decoys']} decoys" if raid["decoys"] else ""),
                [Col("quantity"), Col("value", right=True)], rows, show_header=False)
