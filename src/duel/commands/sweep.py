"""``duel sweep SPEC.toml --out DIR`` and ``duel sweep query DIR "SQL"``: many duels or flights, on Dask."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

HELP = """Run a sweep: the same pipeline over a grid of places, launch sites, shapes and inputs.

A spec file names the axes (launch, target: place ids or a lat/lon grid, trajectory, any input of 'duel inputs')
and the mode: kinematics (aim and fly: flight and warning times, speeds, flyability) or duel (the whole duel
with its draws, at every point). Chunks of points run on Dask: a local cluster of --workers processes, or an
existing cluster at --scheduler tcp://HOST:PORT (docs/scale.md). Rows go to DIR/rows/ (Parquet); a killed sweep
rerun with the same command computes only its missing chunks. 'duel sweep query DIR "SQL"' reads them as the
view rows (DuckDB).

Examples:

  duel sweep sweeps/basing-europe.toml --out runs/basing-europe

  duel sweep sweeps/kyiv-notice.toml --out runs/kyiv-notice --workers 2 --format json

  duel sweep query runs/basing-europe "select target, min(flight_time_s) from rows group by target"
"""


class Fmt(str, Enum):
    table = "table"
    json = "json"


def sweep(
    spec: Annotated[str, typer.Argument(metavar="SPEC.toml | query", help="The sweep spec file; or 'query' followed by DIR and SQL.")],
    args: Annotated[Optional[list[str]], typer.Argument(metavar="[DIR SQL]", help="With 'query': the sweep's directory and the SQL (the rows are the view rows).", show_default=False)] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Directory for the rows, run.json and summary.json (required for a run).")] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", help="Local worker processes (default: the machine's cores).")] = None,
    scheduler: Annotated[Optional[str], typer.Option("--scheduler", help="Address of an existing Dask scheduler, tcp://HOST:PORT.")] = None,
    backend: Annotated[str, typer.Option("--backend", help="numpy (kinematics and duels); gpu is not yet used by sweeps.")] = "numpy",
    yes: Annotated[bool, typer.Option("--yes", metavar="", help="Run a sweep of more than 1,000,000 points.")] = False,
    fmt: Annotated[Fmt, typer.Option("--format", help="table or json.")] = Fmt.table,
) -> None:
    """Run a sweep or query one (see HELP)."""
    from duel.errors import InputError

    if spec == "query":
        if not args or len(args) != 2:
            raise InputError("query: give DIR and SQL, e.g. duel sweep query runs/x \"select * from rows limit 5\"")
        _query(Path(args[0]), args[1], fmt)
        return
    if args:
        raise InputError(f"SPEC: one spec file, got also {' '.join(args)!r}")
    if out is None:
        raise InputError("--out: give the directory for the rows, e.g. --out runs/my-sweep")
    if workers is not None and workers < 1:
        raise InputError(f"--workers: must be >= 1, got {workers}")
    if backend != "numpy":
        raise InputError(f"--backend: sweeps run on numpy for now, got '{backend}'")
    from duel.commands.progress import with_progress
    from duel.sweep.run import run_sweep
    from duel.sweep.spec import load_sweep

    sw = load_sweep(spec, allow_large=yes)
    result = with_progress(lambda progress: run_sweep(sw, out, workers, scheduler, progress), "points")
    if fmt == Fmt.json:
        print(json.dumps({**result.summary, "out": str(out), "chunks_run": result.chunks_run,
                          "chunks_reused": result.chunks_reused}, indent=2))
        return
    _print_summary(result.summary, out, result.chunks_run, result.chunks_reused)


def _print_summary(summary: dict[str, Any], out: Path, run: int, reused: int) -> None:
    from rich.console import Console

    from duel.report.terminal import Col, print_table

    con = Console()
    con.print(f"[bold]{summary['title'] or summary['name']}[/bold]: {summary['points']:,} points ({summary['mode']}), "
              f"{summary['points_not_flown']} not flown; {run} chunks run now, {reused} kept from before.")
    rows = [[k, _num(v["min"]), _num(v["median"]), _num(v["max"])] for k, v in summary["stats"].items()]
    print_table(con, "over the points", [Col("column"), Col("min", right=True), Col("median", right=True),
                                          Col("max", right=True)], rows)
    con.print(f"Rows: {out / 'rows'}; query them with: duel sweep query {out} \"select * from rows limit 10\"")


def _num(x: float | None) -> str:
    return "—" if x is None else f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _query(out: Path, sql: str, fmt: Fmt) -> None:
    from duel.sweep.run import query

    names, rows = query(out, sql)
    if fmt == Fmt.json:
        print(json.dumps([dict(zip(names, r)) for r in rows], indent=2, default=str))
        return
    from rich.console import Console

    from duel.report.terminal import Col, print_table

    print_table(Console(), f"{len(rows):,} rows", [Col(n) for n in names],
                [[_cell(v) for v in r] for r in rows])


def _cell(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:,.4g}"
    return str(v)
