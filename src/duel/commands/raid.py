"""`duel raid`: leakers of a raid against one defensive layer, closed form (Wilkening 1999) and Monte Carlo.

Thin: validation of the options, a call into :mod:`duel.defence.raid`, and rendering. numpy and rich are
imported inside the command so that ``duel --help`` stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console

HELP = (
    "Raid outcome: how many of W objects (warheads, or their submunitions) leak through one layer of interceptors, each interceptor a "
    "single-shot kill probability (SSPK). Closed form after Wilkening (1999): P(no leaker) = "
    "[P_track (1 - (1 - SSPK)^n)]^W, expected leakers, and the interceptors needed for a goal P(no leaker) "
    "(--goal, default 0.8). With --trials, a seeded Monte Carlo adds 95 % intervals, the leaker distribution "
    "and the shared limits (--magazine, --fire-channels) that saturate a defence.\n\n"
    "Examples:\n\n"
    "  duel raid --objects 20 --sspk 0.7 --shots 2 --p-track 0.99 --goal 0.8\n\n"
    "  duel raid --objects 10 --decoys 10 --sspk 0.7 --shots 2 --p-track 0.99\n\n"
    "  duel raid --objects 36 --sspk 0.8 --shots 2 --p-track 0.95 --common-mode\n\n"
    "  duel raid --objects 36 --sspk 0.7 --shots 2 --trials 100000 --seed 1 --magazine 48 --format json\n\n"
    "  duel raid --objects 10 --sspk 0.7 --shots 1 --opportunities 2 --doctrine sls --p-kill-assessment 0.9"
)

DEFAULT_GOAL = 0.8


def _check_prob(option: str, x: float) -> None:
    from duel.errors import InputError

    if not (0.0 <= x <= 1.0):
        raise InputError(f"{option} must be a probability in [0, 1], got {x:g}")


def _check_min(option: str, x: int, lo: int) -> None:
    from duel.errors import InputError

    if x < lo:
        raise InputError(f"{option} must be at least {lo}, got {x}")


def raid(
    objects: Annotated[int | None, typer.Option("--objects", help="W: objects in the raid: warheads, or submunitions once released (>= 1).")] = None,
    sspk: Annotated[float | None, typer.Option("--sspk", help="Single-shot kill probability, [0, 1].")] = None,
    shots: Annotated[int | None, typer.Option("--shots", help="Interceptors per object per opportunity (>= 1).")] = None,
    p_track: Annotated[
        float, typer.Option("--p-track", help="P_track: detection, track, discrimination and fire control work.")
    ] = 1.0,
    decoys: Annotated[int, typer.Option("--decoys", help="D: decoys accompanying the objects.")] = 0,
    p_decoy_engaged: Annotated[
        float, typer.Option("--p-decoy-engaged", help="P_dw: probability a decoy is taken for a warhead and engaged.")
    ] = 1.0,
    goal: Annotated[
        float | None,
        typer.Option("--goal", help=f"Goal P(no leaker) for 'interceptors needed', in (0, 1); default {DEFAULT_GOAL}."),
    ] = None,
    trials: Annotated[int | None, typer.Option("--trials", help="Monte Carlo trials (>= 1); omit for closed form only.")] = None,
    seed: Annotated[int, typer.Option("--seed", help="Monte Carlo seed (>= 0).")] = 0,
    magazine: Annotated[
        int | None, typer.Option("--magazine", help="Interceptors available for the whole raid (>= 0; Monte Carlo).")
    ] = None,
    fire_channels: Annotated[
        int | None, typer.Option("--fire-channels", help="Objects engageable at once per opportunity (Monte Carlo).")
    ] = None,
    opportunities: Annotated[int, typer.Option("--opportunities", help="Engagement opportunities per object.")] = 1,
    doctrine: Annotated[str, typer.Option("--doctrine", help="salvo (no look) or sls (shoot-look-shoot).")] = "salvo",
    p_kill_assessment: Annotated[
        float, typer.Option("--p-kill-assessment", help="sls: probability a survivor is seen to be alive (1 = perfect).")
    ] = 1.0,
    common_mode: Annotated[
        bool, typer.Option("--common-mode", metavar="", help="P_track is one system-wide draw instead of one per object.")
    ] = False,
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Raid outcome: closed form and (with --trials) Monte Carlo."""
    from duel.errors import InputError

    for option, value in (("--objects", objects), ("--sspk", sspk), ("--shots", shots)):
        if value is None:
            raise InputError(f"{option} is required")
    _check_min("--objects", objects, 1)
    _check_prob("--sspk", sspk)
    _check_min("--shots", shots, 1)
    _check_prob("--p-track", p_track)
    _check_min("--decoys", decoys, 0)
    _check_prob("--p-decoy-engaged", p_decoy_engaged)
    if goal is not None and not (0.0 < goal < 1.0):
        raise InputError(f"--goal must be strictly between 0 and 1, got {goal:g}")
    if trials is not None:
        _check_min("--trials", trials, 1)
    _check_min("--seed", seed, 0)
    if magazine is not None:
        _check_min("--magazine", magazine, 0)
    if fire_channels is not None:
        _check_min("--fire-channels", fire_channels, 0)
    _check_min("--opportunities", opportunities, 1)
    if doctrine not in ("salvo", "sls"):
        raise InputError(f"--doctrine must be 'salvo' or 'sls', got '{doctrine}'")
    _check_prob("--p-kill-assessment", p_kill_assessment)
    if fmt not in ("table", "json"):
        raise InputError(f"--format must be 'table' or 'json', got '{fmt}'")

    from duel.defence import raid as model

    layer = model.Layer(
        sspk=sspk,
        shots=shots,
        opportunities=opportunities,
        doctrine=doctrine,  # type: ignore[arg-type]
        p_kill_assessment=p_kill_assessment,
        magazine=magazine,
        fire_channels=fire_channels,
    )
    n_obj = objects + decoys
    limited = layer.limits_can_bind(n_obj)
    cf = model.closed_form_raid(
        objects, decoys, layer, p_track, p_decoy_engaged, common_mode, ignore_limits=True
    )

    goal_value = DEFAULT_GOAL if goal is None else goal
    goal_res, goal_note = None, None
    try:
        goal_res = model.interceptors_for_goal(
            objects, sspk, goal_value, p_track, decoys, p_decoy_engaged, common_mode=common_mode
        )
    except InputError as exc:
        if goal is not None:  # the user asked for this goal: unreachable is an error naming the option
            option = "--sspk" if str(exc).startswith("sspk") else "--p-track"
            raise InputError(f"{option}: {str(exc).split(': ', 1)[1]} (--goal {goal:g})") from None
        goal_note = f"default goal {DEFAULT_GOAL} unreachable: {str(exc).split(': ', 1)[1]}"

    out: dict[str, Any] = {
        "inputs": {
            "warheads": objects,
            "decoys": decoys,
            "sspk": sspk,
            "shots": shots,
            "p_track": p_track,
            "p_decoy_engaged": p_decoy_engaged,
            "common_mode": common_mode,
            "doctrine": doctrine,
            "opportunities": opportunities,
            "p_kill_assessment": p_kill_assessment,
            "magazine": magazine,
            "fire_channels": fire_channels,
        },
        "p_zero_leakers": cf.p_zero_leakers,
        "expected_leakers": cf.expected_leakers,
        "leaker_pmf": cf.to_dict()["leaker_pmf"],
        "expected_interceptors_used": cf.interceptors_used_mean,
        "closed_form_ignores_limits": limited,
        "leakers_lower_bound": model.leakers_lower_bound(objects, decoys, layer),
        "goal": goal_value,
        "goal_is_default": goal is None,
        "shots_per_object_for_goal": goal_res.shots_per_object if goal_res else None,
        "interceptors_needed": goal_res.interceptors if goal_res else None,
        "shots_per_object_for_goal_whole": goal_res.shots_per_object_whole if goal_res else None,
        "interceptors_needed_whole_shots": goal_res.interceptors_whole if goal_res else None,
        "min_p_track_for_goal": model.min_p_track(objects, goal_value, common_mode),
        "goal_note": goal_note
        or "interceptors needed for the goal with one barrage layer at this SSPK and P_track "
        "(continuous shots per object, Wilkening 1999); --shots, --doctrine and limits do not enter it",
        "source": model.WILKENING_1999,
    }
    mc = None
    if trials is not None:
        mc = model.simulate_raid(
            objects, decoys, layer, p_track, p_decoy_engaged, trials, seed, common_mode
        )
        d = mc.to_dict()
        out["monte_carlo"] = {
            "p_zero_leakers": d["p_zero_leakers"],
            "ci95": d["ci95"],
            "expected_leakers": d["expected_leakers"],
            "expected_leakers_ci95": d["expected_leakers_ci95"],
            "trials": trials,
            "seed": seed,
            "leaker_distribution": d["leaker_distribution"],
            "interceptors_used": d["interceptors_used"],
            "order": "least-engaged first, ties in a random order per trial (objects and engaged decoys alike)",
        }

    if fmt == "json":
        import json

        typer.echo(json.dumps(out, indent=2))
        return
    _render_table(out, cf, mc)


def _render_table(out: dict[str, Any], cf: Any, mc: Any) -> None:
    from rich.console import Console

    console = Console()
    _print_outcome(console, out, cf, mc)
    _print_goal(console, out)
    _print_distribution(console, cf, mc)
    console.print(f"[dim]{out['goal_note']}. Source: {out['source']}.[/dim]")


def _print_outcome(console: Console, out: dict[str, Any], cf: Any, mc: Any) -> None:
    from duel.report.terminal import Col, print_table

    inp = out["inputs"]
    title = (
        f"duel raid: {inp['warheads']} objects + {inp['decoys']} decoys, SSPK {inp['sspk']:g}, "
        f"{inp['shots']} shot(s) x {inp['opportunities']} ({inp['doctrine']}), P_track {inp['p_track']:g}"
        + (" common-mode" if inp["common_mode"] else "")
    )
    cols = [Col("quantity"), Col("closed form", right=True)]
    if mc is not None:
        cols.append(Col(f"Monte Carlo ({mc.trials} trials, seed {mc.seed}) \\[95 % CI]", right=True))
    cf_note = " (no limits)" if out["closed_form_ignores_limits"] else ""
    rows: list[tuple[str, ...]] = []

    def row(name: str, closed: str, monte: str | None) -> None:
        rows.append((name, closed, *(() if mc is None else (monte or "",))))

    row("P(no leaker)", f"{cf.p_zero_leakers:.4f}{cf_note}",
        mc and f"{mc.p_zero_leakers:.4f} \\[{mc.p_zero_leakers_ci95[0]:.4f}, {mc.p_zero_leakers_ci95[1]:.4f}]")
    lo, hi = mc.expected_leakers_ci95 if mc is not None else (0.0, 0.0)
    row("expected leakers", f"{cf.expected_leakers:.3f}{cf_note}", mc and f"{mc.expected_leakers:.3f} \\[{lo:.3f}, {hi:.3f}]")
    ulo, uhi = mc.interceptors_used_range95 if mc is not None else (0.0, 0.0)
    row("interceptors fired (mean)", f"{cf.interceptors_used_mean:.1f}{cf_note}",
        mc and f"{mc.interceptors_used_mean:.1f} (2.5-97.5 %: {ulo:.0f}-{uhi:.0f})")
    if out["leakers_lower_bound"]:
        row("leakers, saturation bound", f">= {out['leakers_lower_bound']}", None)
    print_table(console, title, cols, rows)


def _print_goal(console: Console, out: dict[str, Any]) -> None:
    from duel.report.terminal import Col, print_table

    rows = []
    if out["interceptors_needed"] is not None:
        rows += [("shots per object (continuous)", f"{out['shots_per_object_for_goal']:.3f}"),
                 ("interceptors needed", f"{out['interceptors_needed']:.1f}"),
                 (f"with whole shots ({out['shots_per_object_for_goal_whole']})",
                  f"{out['interceptors_needed_whole_shots']:.1f}")]
    rows.append(("minimum P_track for the goal", f"{out['min_p_track_for_goal']:.4f}"))
    print_table(console, f"goal P(no leaker) = {out['goal']:g}" + (" (default)" if out["goal_is_default"] else ""),
                [Col("quantity"), Col("value", right=True)], rows)


def _print_distribution(console: Console, cf: Any, mc: Any) -> None:
    from duel.report.terminal import Col, print_table

    cols = [Col("leakers", right=True), Col("P closed form", right=True)]
    if mc is not None:
        cols.append(Col("MC frequency", right=True))
    rows = []
    for k, p in enumerate(cf.leaker_pmf):
        f = mc.leaker_pmf[k] if mc is not None else 0.0
        if max(p, f) < 5e-4:
            continue
        rows.append((str(k), f"{p:.4f}", *(() if mc is None else (f"{f:.4f}",))))
        if len(rows) >= 25:
            break
    print_table(console, "leakers: distribution", cols, rows)
    console.print("[dim]Rows where both are below 0.0005 are left out.[/dim]")
