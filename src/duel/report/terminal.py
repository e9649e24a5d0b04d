"""The ``duel run`` summary on the terminal (rich): the verdict, the time budget, the claims and the files."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def _pct(x: dict[str, Any]) -> str:
    lo, hi = x["range90"]
    return f"{lo:.0%}–{hi:.0%}  (median {x['median']:.0%})"


def _t(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f} s ({x / 60:.1f} min)"


def print_verdict(result: dict[str, Any], paths: dict[str, Path]) -> None:
    """Print the verdict of a scenario result and where its files are."""
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel
    from rich.table import Table

    con = Console()
    v, t, tb = result["verdict"], result["threat"], result["time_budget"]
    sc = result["scenario"]
    con.print(Panel(f"[bold]{v['headline']}[/bold]\n\n{v['answer']}", title=sc["title"] or sc["name"],
                    title_align="left"))
    k = Table(show_header=False, title="verdict across the plausible assumptions (90 % of the draws)",
              title_justify="left")
    k.add_column(style="bold")
    k.add_column(justify="right")
    k.add_row("P(all objects stopped)", _pct(v["p_all_stopped"]))
    k.add_row("P(at least one stopped)", _pct(v["p_at_least_one_stopped"]))
    el = v["expected_leakers"]
    k.add_row("objects getting through", f"{el['range90'][0]:.1f}–{el['range90'][1]:.1f} of {v['objects']}  "
                                         f"(median {el['median']:.1f})")
    k.add_row("flight time", _t(t["flight_time_s"]))
    k.add_row("warning time before impact", _t(tb["warning_time_s"]))
    k.add_row("notice at the defender before launch", _t(tb["notice_lead_s"]))
    k.add_row("decision time left", _t(tb["decision_time_left_s"]))
    con.print(k)
    from duel.report.build import deciding_words

    deciding = deciding_words(result["sensitivity"])
    if deciding:
        con.print(f"[bold]What decides it[/bold] {escape(deciding)}")
    w = Table(title="intercept opportunities (per battery)", title_justify="left")
    for c in ("battery", "first (s)", "last (s)", "altitudes (km)", "note"):
        w.add_column(c, overflow="fold", no_wrap=c == "battery")
    for ly in tb["layers"]:
        if ly["t_first_s"] is None:
            w.add_row(ly["battery"], "—", "—", "—", ly.get("why_none") or "no window")
        else:
            w.add_row(ly["battery"], f"{ly['t_first_s']:.0f}", f"{ly['t_last_s']:.0f}",
                      f"{ly['alt_first_km']:.0f}–{ly['alt_last_km']:.0f}", "")
    con.print(w)
    if result["claims"]:
        con.print("[bold]claims checked[/bold]")
        for cl in result["claims"]:
            con.print(f"• “{cl['text']}”: [bold]{cl['verdict']}[/bold], holds in {cl['holds_share']:.0%} of the "
                      f"assumption draws. {cl['explanation']}.")
            for f in cl["flips"]:
                con.print(f"    – {f['text']}")
    run = result["run"]
    mc = v["p_all_stopped"]["mc_ci95"]
    con.print(f"[dim]{run['trials']} draws of {len(run['uncertain_inputs'])} uncertain inputs, seed {run['seed']}; "
              f"Monte Carlo precision of the mean P(all stopped) {v['p_all_stopped']['value']:.1%} "
              f"({mc[0]:.1%}–{mc[1]:.1%}, 95 %)" + (" — the draws hit their cap" if run.get("draws_capped") else "")
              + ". "
              f"Files: {paths['result']}"
              + (f", {paths['report']}" if "report" in paths else "") + "[/dim]")
