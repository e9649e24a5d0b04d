"""``duel trials``: the full-duel Monte Carlo of a scenario, streamed to Parquet (resumable)."""

from __future__ import annotations

import json
import math
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

HELP = (
    "Full-duel Monte Carlo: each trial is one whole duel.\n\n"
    "Per trial the threat is dispersed (burnout speed, angle and azimuth errors, per-object release offsets: "
    "the scenario's \\[dispersion] sigmas, notional defaults otherwise) and the defence draws its \\[uncertain] "
    "bands; the trial's objects are flown, every battery's windows accumulated as they fly, the layers formed "
    "and the raid played once with magazines and fire channels (plus its closed form). All on the chosen "
    "backend, with no loop over trials; on numpy, chunks run in --workers processes at once (the rows do not "
    "depend on the workers or the chunks).\n\n"
    "Rows stream to DIR/trials/ as Parquet chunks: a run killed midway and started again with the same "
    "arguments computes only the missing trials and ends with the same rows. DIR/trials.json holds the "
    "estimates with 95 % intervals and the convergence series; DIR/convergence.svg plots the mean leakers "
    "against the number of trials.\n\n"
    "Examples:\n\n"
    "  duel trials scenarios/kyiv-duel.toml --trials 2000 --out runs/kyiv\n\n"
    "  duel trials scenarios/kyiv-duel-belarus.toml --trials 1000000 --chunk 20000 --backend gpu --out runs/belarus"
)

# the columns shown on the terminal, in order: what each is and how it is computed
SHOWN = {
    "all_stopped": ("P(all objects stopped)", "realised"),
    "leakers": ("objects that get through", "realised"),
    "interceptors": ("interceptors fired", "realised"),
    "p_all_stopped": ("P(all objects stopped)", "closed form"),
    "expected_leakers": ("objects that get through (expected)", "closed form"),
    "limits_bind": ("share of trials where magazines or fire channels bind", "realised"),
    "layers": ("batteries that engage every object", "per trial"),
    "miss_m": ("median miss of a trial's objects (m)", "per trial"),
    "footprint_m": ("spread of one missile's objects (m)", "per trial"),
}
WHY_THEY_DIFFER = (
    "realised: each trial's raid played once, with magazines and fire channels (saturation); closed form: "
    "Wilkening's formula for the same trial's layers with those limits dropped, so it is an upper bound on "
    "the defence and the two differ where the limits bind (the share above). Intervals are the Monte Carlo "
    "precision of the mean over these trials (Wilson for proportions), not the spread across assumptions: "
    "for that, see 'duel run'."
)


class Fmt(str, Enum):
    table = "table"
    json = "json"


def trials(
    file: Annotated[Path, typer.Argument(help="Scenario file (TOML); see 'duel scenario new'.")],
    n: Annotated[int, typer.Option("--trials", help="Full duels to run.")] = 1000,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Random seed (default: the scenario's).")] = None,
    out: Annotated[Path, typer.Option("--out", help="Output folder: trials/ (Parquet), trials.json, convergence.svg.")] = Path("trials-out"),
    chunk: Annotated[Optional[int], typer.Option("--chunk", help="Trials per stored chunk (memory and resume granularity; default 1,000, or fewer so that every worker gets one).")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", help="Processes that run chunks at once (numpy backend; default: the machine's cores).")] = None,
    backend: Annotated[str, typer.Option("--backend", help="numpy (default) or gpu (JAX on an NVIDIA GPU: pip install '.\\[gpu]' from the project folder).")] = "numpy",
    overwrite: Annotated[bool, typer.Option("--overwrite", metavar="", help="Discard stored rows of a different run in DIR/trials.")] = False,
    fmt: Annotated[Fmt, typer.Option("--format", help="table (a summary) or json (trials.json on stdout).")] = Fmt.table,
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="PATH=VALUE: set a model input (list them with 'duel inputs'); repeatable.")] = None,
) -> None:
    """Run the full-duel Monte Carlo (see HELP)."""
    import os
    import time

    from duel.backend import get_backend
    from duel.commands.progress import with_progress
    from duel.errors import InputError
    from duel.files import write_atomic
    from duel.pipeline import duel_trials
    from duel.report.build import prepare_out
    from duel.scenario import in_file, load_scenario
    from duel.trials.montecarlo import run_monte_carlo

    be = get_backend(backend)
    if n < 1:
        raise InputError(f"--trials: must be >= 1, got {n}")
    if chunk is not None and chunk < 1:
        raise InputError(f"--chunk: must be >= 1, got {chunk}")
    if workers is not None and workers < 1:
        raise InputError(f"--workers: must be >= 1, got {workers}")
    if be.uses_jax and (workers or 1) > 1:
        raise InputError(f"--workers: the {be.name} backend runs in one process (one device); leave --workers out")
    workers = 1 if be.uses_jax else workers or os.cpu_count() or 1
    chunk = chunk or max(1, min(1000, -(-n // workers)))
    sc = load_scenario(file)
    seed = sc.montecarlo.seed if seed is None else seed
    if seed < 0:
        raise InputError(f"--seed: must be >= 0, got {seed}")
    out_dir = prepare_out(out, figures=False)
    try:
        fn = duel_trials(sc, set_ or (), be.name)
    except InputError as exc:
        raise in_file(file, exc) from None
    t0 = time.perf_counter()
    res = with_progress(lambda progress: run_monte_carlo(
        fn, n, seed, chunk_trials=chunk, out=out_dir / "trials", overwrite=overwrite,
        proportions=("all_stopped", "limits_bind"), on_chunk=(lambda a, b: progress(b, n)) if progress else None,
        workers=workers),
        label="duel trials")
    seconds = time.perf_counter() - t0
    try:
        for name in res.store.repaired if res.store is not None else ():
            print(f"note: chunk {name} was missing or damaged; its trials were run again", file=sys.stderr)
        doc = document(sc, res, fn, be.name)
        text = json.dumps(doc, indent=2, allow_nan=False)
        write_atomic(out_dir / "trials.json", text + "\n")
        write_atomic(out_dir / "convergence.svg", _plot(doc))
        if fmt == Fmt.json:
            print(text)
            return
        _print(doc, res, seconds, out_dir)
    finally:
        if res.store is not None:
            res.store.close()  # and the folder's lock


def document(sc: Any, res: Any, fn: Any, backend: str) -> dict[str, Any]:
    """trials.json: what ran, the estimates (mean, standard error, 95 % interval) and convergence series."""
    def series(name: str) -> dict[str, list[float | None]]:  # NaN (one trial has no interval) as null
        c = res.convergence(name, points=40)
        return {k: [float(x) if math.isfinite(x) else None for x in v] for k, v in c.items()}

    return {
        "scenario": sc.scenario.name,
        "trials": res.trials,
        "seed": res.seed,
        "backend": backend,
        "dispersion": fn.dispersion.to_dict(),
        "uncertain_inputs": [u.path for u in fn.uncertain],
        "objects": fn.nominal.objects,
        "estimates": {k: {**_finite(res.summary[k].to_dict()), "label": SHOWN[k][0], "how": SHOWN[k][1]}
                      for k in SHOWN if k in res.summary},
        "why_they_differ": WHY_THEY_DIFFER,
        "convergence": {"all_stopped": series("all_stopped"), "leakers": series("leakers")},
        "status": "notional dispersions and the scenario's parameter bands; not a prediction of a real engagement",
    }


def _finite(d: dict[str, Any]) -> dict[str, Any]:
    """NaN (e.g. the standard error of a single trial) as null, so the JSON stays standard."""
    import math

    fix = lambda v: None if isinstance(v, float) and not math.isfinite(v) else v  # noqa: E731
    return {k: [fix(x) for x in v] if isinstance(v, list) else fix(v) for k, v in d.items()}


def _plot(doc: dict[str, Any]) -> str:
    """The convergence figure (SVG text) of trials.json's series (a null is a gap)."""
    import numpy as np

    from duel.report import plots

    lk = {k: np.array(v, dtype=float) for k, v in doc["convergence"]["leakers"].items()}
    fig = plots.convergence_plot(lk["trials"], lk["estimate"], label="mean leakers", xlabel="trials (full duels)",
                                 low=lk["ci_low"], high=lk["ci_high"])
    return plots.figure_to_svg(fig, id_prefix="conv-")


def _print(doc: dict[str, Any], res: Any, seconds: float, out_dir: Path) -> None:
    from rich.console import Console

    from duel.report.terminal import Col, print_table

    con = Console()
    rows = []
    for e in doc["estimates"].values():
        lo, hi = e["ci95"]
        rows.append((e["label"], e["how"], _num(e["mean"]), "—" if lo is None or hi is None else f"{_num(lo)} – {_num(hi)}"))
    print_table(con, f"{doc['scenario']}: {doc['trials']:,} full duels of {doc['objects']} objects "
                     f"(seed {doc['seed']}, {doc['backend']})",
                [Col("quantity"), Col("how"), Col("estimate", right=True), Col("95 % interval (precision)", right=True)],
                rows)
    con.print(f"[dim]{WHY_THEY_DIFFER}[/dim]")
    done = f"{res.chunks_run} chunk(s) computed" + (f", {res.chunks_reused} reused" if res.chunks_reused else "")
    con.print(f"{done} in {seconds:.1f} s ({res.trials / max(seconds, 1e-9):,.1f} trials/s). "
              f"Files: {out_dir / 'trials'}/, {out_dir / 'trials.json'}, {out_dir / 'convergence.svg'}")


def _num(x: float) -> str:
    """A number for reading: 4 significant figures; below 1e-6 (a Wilson bound of a rare event) as 0."""
    return "0" if abs(x) < 1e-6 else f"{x:,.4g}"
