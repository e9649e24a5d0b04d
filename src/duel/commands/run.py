"""``duel run``: a scenario file to a verdict, result.json, report.html and figures (thin CLI over duel.pipeline)."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer

HELP = """Run a duel scenario: trajectory, warning, engagement windows, raid, uncertainty, claims.

Writes DIR/result.json (everything the report shows), DIR/report.html (one self-contained file that opens
offline) and DIR/figures/*.svg. The same seed gives identical files.

Examples:

  duel run scenarios/kyiv-duel.toml

  duel run scenarios/dnipro-2024.toml --trials 2000 --seed 7 --out out/dnipro

  duel run scenarios/kyiv-duel-belarus.toml --format json

  duel run scenarios/kyiv-duel.toml --set interceptor.thaad.simultaneous_engagements=8 --set assumption.rcs_m2=0.1
"""


class Fmt(str, Enum):
    table = "table"
    json = "json"


def run(
    file: Annotated[Path, typer.Argument(help="Scenario file (TOML); see 'duel scenario new'.")],
    trials: Annotated[Optional[int], typer.Option("--trials", help="Monte Carlo draws (default: the scenario's).")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Random seed (default: the scenario's).")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Output folder (default: the scenario's outputs.dir).")] = None,
    fmt: Annotated[Fmt, typer.Option("--format", help="table (a summary) or json (the whole result on stdout).")] = Fmt.table,
    backend: Annotated[str, typer.Option("--backend", help="numpy (default) or gpu (JAX on an NVIDIA GPU: pip install '.\\[gpu]' from the project folder).")] = "numpy",
    set_: Annotated[Optional[list[str]], typer.Option("--set", help="PATH=VALUE: set a model input (list them with 'duel inputs'); repeatable.")] = None,
) -> None:
    """Run a scenario (see HELP)."""
    from duel.backend import get_backend
    from duel.commands.progress import with_progress
    from duel.errors import InputError
    from duel.pipeline import run_scenario
    from duel.report.build import prepare_out, write_outputs
    from duel.report.plots import WARM_UP
    from duel.scenario import in_file, load_scenario

    get_backend(backend)  # an unusable backend fails first, naming --backend
    sc = load_scenario(file)
    out_dir = prepare_out(out if out is not None else Path(sc.outputs.dir))  # fail before the work, not after
    try:
        result = with_progress(lambda progress: run_scenario(sc, trials, seed, progress, backend, set_ or (),
                                                             prepare=WARM_UP).document)
    except InputError as exc:
        raise in_file(file, exc) if not str(exc).startswith("--") else exc from None
    paths = write_outputs(result, out_dir)
    if fmt == Fmt.json:
        print(json.dumps(result, indent=2, allow_nan=False))
        return
    from duel.report.terminal import print_verdict

    print_verdict(result, paths)
