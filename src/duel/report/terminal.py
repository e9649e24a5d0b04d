"""Tables on the terminal (rich), readable at 80 columns and when piped: the ``duel run`` summary, the
``duel fly`` tables, and the helpers every command's tables use.

Every column is at least as wide as its longest word, so rich wraps cells between words and never splits
one ("report ed"); when the columns do not fit the console, the columns marked as droppable go first
(:class:`Col`, :func:`print_table`), or a record table turns into one small key-value table per record
(:func:`print_records`). Rich's own width rules apply: the terminal's width, ``COLUMNS``, or 80 when piped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from duel.flight.summary import FlightSummary

Row = Sequence[str] | None
"""One table row: cells as rich markup (escape plain text), or None for a line between sections."""


@dataclass(frozen=True)
class Col:
    """A column: its header, right-aligned (numbers) or not, and when it is left out on a narrow console
    (``drop`` 0: always shown; otherwise the highest ``drop`` goes first)."""

    header: str
    right: bool = False
    drop: int = 0


# ------------------------------------------------------------------------------------------ layout
def _plain(cell: str) -> str:
    from rich.text import Text

    return Text.from_markup(cell).plain


def _longest_word(cell: str) -> int:
    return max((len(w) for w in _plain(cell).split()), default=0)


def _longest_line(cell: str) -> int:
    return max((len(line) for line in _plain(cell).splitlines()), default=0)


def _overhead(console: Console, n: int, style: dict[str, Any]) -> int:
    """Columns of a table's borders and padding beyond its cells' widths."""
    from rich.table import Table

    probe = Table(**style)
    for _ in range(n):
        probe.add_column(width=1)
    probe.add_row(*["x"] * n)
    return console.measure(probe).maximum - n


def _share(least: list[int], most: list[int], room: int) -> list[int]:
    """Widths from ``least`` up to ``most`` within ``room``: the columns that need the least to be whole come
    first (each one whole is rows not wrapped), what is left goes to the others, one column at a time."""
    widths = list(least)
    spare = room - sum(widths)
    for i in sorted(range(len(widths)), key=lambda k: most[k] - widths[k]):
        want = most[i] - widths[i]
        if 0 < want <= spare:
            widths[i] += want
            spare -= want
    while spare > 0:
        i = max(range(len(widths)), key=lambda k: most[k] - widths[k])
        if most[i] <= widths[i]:
            break
        widths[i] += 1
        spare -= 1
    return widths


def _layout(console: Console, cols: Sequence[Col], rows: Sequence[Row],
            style: dict[str, Any]) -> tuple[list[int], list[int], bool]:
    """The columns kept (indices), their widths, and whether they fit ``console``: columns are dropped as
    :class:`Col` allows until the kept ones, each at least its longest word wide, fit. Spare width goes to the
    cells first, then to the headers (a wrapped header costs one line, a wrapped cell one per row)."""
    header = style.get("show_header", True)
    body: list[list[str]] = [[] for _ in cols]
    for row in rows:
        for i, cell in enumerate(row or ()):
            body[i].append(cell)
    heads = [[c.header] if header else [] for c in cols]
    least = [max(map(_longest_word, h + b), default=1) or 1 for h, b in zip(heads, body)]
    cells = [max(max(map(_longest_line, b), default=1), w) for b, w in zip(body, least)]
    whole = [max(max(map(_longest_line, h), default=1), w) for h, w in zip(heads, cells)]
    keep = list(range(len(cols)))
    while True:
        room = console.width - _overhead(console, len(keep), style)
        fit = sum(least[i] for i in keep) <= room
        droppable = [i for i in keep if cols[i].drop > 0]
        if fit or not droppable:
            break
        keep.remove(max(droppable, key=lambda i: (cols[i].drop, i)))
    floor = [least[i] for i in keep]
    if not fit:  # only the column with the longest word (a URL, say) gives way: it alone is folded
        j = max(range(len(floor)), key=lambda k: floor[k])
        floor[j] = max(1, floor[j] - (sum(floor) - room))
    widths = _share(floor, [cells[i] for i in keep], room)
    return keep, _share(widths, [whole[i] for i in keep], room), fit


def _table(title: str | None, cols: Sequence[Col], rows: Sequence[Row], keep: list[int], widths: list[int],
           style: dict[str, Any]) -> Table:
    from rich.table import Table

    table = Table(title=title, title_justify="left", **style)
    for i, w in zip(keep, widths):
        table.add_column(cols[i].header, justify="right" if cols[i].right else "left", width=w, overflow="fold")
    for row in rows:
        if row is None:
            table.add_section()
        else:
            table.add_row(*(row[i] for i in keep))
    return table


def _cards(cols: Sequence[Col], rows: Sequence[Row]) -> list[Row]:
    """Rows as key-value blocks: one line per column (header, cell), the first cell in bold, a rule between."""
    blocks: list[Row] = []
    for row in rows:
        if row is None:
            continue
        blocks.extend((c.header, f"[bold]{cell}[/bold]" if i == 0 else cell)
                      for i, (c, cell) in enumerate(zip(cols, row)))
        blocks.append(None)
    return blocks[:-1]


def print_table(console: Console, title: str | None, cols: Sequence[Col], rows: Sequence[Row], where: str = "",
                **style: Any) -> None:
    """Print ``rows`` laid out for ``console`` (see the module docstring) with a note naming the columns left
    out and ``where`` they can be read; where even the columns that must stay do not fit, print every row as
    a key-value block. ``style``: keyword arguments of :class:`rich.table.Table`."""
    from rich.markup import escape

    keep, widths, fit = _layout(console, cols, rows, style)
    if not fit and len(cols) > 2 and style.get("show_header", True):
        print_records(console, title or "", cols, rows, tabular=False)
        return
    console.print(_table(title, cols, rows, keep, widths, style))
    dropped = [cols[i].header for i in range(len(cols)) if i not in keep]
    if dropped:
        console.print(f"[dim]Narrow terminal: left out {escape(', '.join(dropped))}"
                      + (f"; {escape(where)}" if where else "") + ".[/dim]")


def fits(console: Console, cols: Sequence[Col], rows: Sequence[Row], **style: Any) -> bool:
    """Whether every column fits ``console`` at least as wide as its longest word."""
    return _layout(console, [Col(c.header, c.right) for c in cols], rows, style)[2]


def print_records(console: Console, title: str, cols: Sequence[Col], rows: Sequence[Row],
                  tabular: bool = True) -> None:
    """Records (one per row, the first cell its id) as one table where every column fits (and ``tabular``), else
    as one key-value block per record, so that no value is left out or split."""
    if tabular and fits(console, cols, rows):
        print_table(console, title, cols, rows)
        return
    pair, blocks = [Col("field"), Col("value")], _cards(cols, rows)
    keep, widths, _ = _layout(console, pair, blocks, {"show_header": False})
    console.print(_table(title, pair, blocks, keep, widths, {"show_header": False}))


# ----------------------------------------------------------------------------------------- duel run
def _pct(x: dict[str, Any]) -> str:
    lo, hi = x["range90"]
    return f"{lo:.0%}–{hi:.0%}  (median {x['median']:.0%})"


def _t(x: float | None) -> str:
    return "—" if x is None else f"{x:,.0f} s ({x / 60:.1f} min)"


def _verdict_rows(result: dict[str, Any]) -> list[Row]:
    v, t, tb = result["verdict"], result["threat"], result["time_budget"]
    el = v["expected_leakers"]
    return [
        ("P(all objects stopped)", _pct(v["p_all_stopped"])),
        ("P(at least one stopped)", _pct(v["p_at_least_one_stopped"])),
        ("objects getting through", f"{el['range90'][0]:.1f}–{el['range90'][1]:.1f} of {v['objects']}  "
                                    f"(median {el['median']:.1f})"),
        ("flight time", _t(t["flight_time_s"])),
        # each warning time named after the event it counts from, as in the report (time_budget.warning_times)
        *((w["label"], _t(w["seconds"])) for w in tb.get("warning_times", [])),
        ("decision time: first fire-control track to last useful launch", _t(tb["decision_time_left_s"])),
    ]


def _window_rows(layers: list[dict[str, Any]]) -> list[Row]:
    from rich.markup import escape

    rows: list[Row] = []
    for ly in layers:
        if ly["t_first_s"] is None:
            rows.append((escape(ly.get("title") or ly["battery"]), "—", "—", "—",
                         escape(ly.get("why_none") or "no window")))
        else:
            rows.append((escape(ly.get("title") or ly["battery"]), f"{ly['t_first_s']:.0f}", f"{ly['t_last_s']:.0f}",
                         f"{ly['alt_first_km']:.0f}–{ly['alt_last_km']:.0f}", ""))
    return rows


def _print_claims(con: Console, claims: list[dict[str, Any]]) -> None:
    from rich.markup import escape

    if not claims:
        return
    con.print("[bold]claims checked[/bold]")
    for cl in claims:
        con.print(f"• “{escape(cl['text'])}”: [bold]{cl['verdict']}[/bold]. "
                  f"{escape(cl['explanation'][:1].upper() + cl['explanation'][1:])}.")
        for f in cl["flips"]:
            con.print(f"    – {escape(f['text'])}")


def print_verdict(result: dict[str, Any], paths: dict[str, Path]) -> None:
    """Print the verdict of a scenario result and where its files are."""
    from rich.console import Console
    from rich.markup import escape
    from rich.panel import Panel

    con = Console()
    v, sc = result["verdict"], result["scenario"]
    con.print(Panel(f"[bold]{escape(v['headline'])}[/bold]\n\n{escape(v['answer'])}",
                    title=escape(sc["title"] or sc["name"]), title_align="left"))
    print_table(con, "verdict across the plausible assumptions (90 % of the draws)",
                [Col("quantity"), Col("value", right=True)], _verdict_rows(result), show_header=False)
    from duel.report.build import deciding_words

    deciding = deciding_words(result["sensitivity"])
    if deciding:
        con.print(f"[bold]What decides it[/bold] {escape(deciding)}")
    print_table(con, "intercept opportunities (per battery)",
                [Col("battery"), Col("first (s)", right=True), Col("last (s)", right=True),
                 Col("altitudes (km)", right=True), Col("note")], _window_rows(result["time_budget"]["layers"]))
    _print_claims(con, result["claims"])
    run = result["run"]
    mc = v["p_all_stopped"]["mc_ci95"]
    con.print(f"[dim]{run['trials']} draws of {len(run['uncertain_inputs'])} uncertain inputs, seed {run['seed']}; "
              f"Monte Carlo precision of the mean P(all stopped) {v['p_all_stopped']['value']:.1%} "
              f"({mc[0]:.1%}–{mc[1]:.1%}, 95 %)" + (" — the draws hit their cap" if run.get("draws_capped") else "")
              + ". "
              f"Files: {escape(str(paths['result']))}"
              + (f", {escape(str(paths['report']))}" if "report" in paths else "") + "[/dim]")


# ----------------------------------------------------------------------------------------- duel fly
PARAMETER_WORDS = {  # the aim solver's parameters (FlightSummary.parameters) in words, with their units
    "kick_deg": "pitch-over kick angle (deg)",
    "cutoff_s": "engine cut-off (s after launch)",
    "cutoff_stage": "engine cut-off in stage",
    "burnout_speed_mps": "aimed burnout speed (m/s)",
    "burnout_angle_deg": "aimed burnout angle (deg)",
    "beta_kg_m2": "ballistic coefficient (kg/m²)",
}
_UNITS = {"deg": "deg", "s": "s", "mps": "m/s", "kg_m2": "kg/m²", "km": "km", "m": "m"}


def parameter_words(key: str) -> str:
    """A solver parameter's name in words: ``kick_deg`` -> 'pitch-over kick angle (deg)'; an unlisted key
    ``x_y_km`` -> 'x y (km)'."""
    if key in PARAMETER_WORDS:
        return PARAMETER_WORDS[key]
    for suffix, unit in sorted(_UNITS.items(), key=lambda kv: -len(kv[0])):
        if key.endswith("_" + suffix):
            return f"{key[: -len(suffix) - 1].replace('_', ' ')} ({unit})"
    return key.replace("_", " ")


def _number(value: Any, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def _fly_rows(s: FlightSummary) -> list[Row]:
    b, i, f = s.burnout, s.impact, s.flyability
    rows: list[Row] = [
        ("trajectory shape", s.trajectory),
        ("ground range (km)", _number(s.ground_range_km, ",.1f")),
        ("flight time (s)", _number(s.flight_time_s, ",.1f")),
        ("flight time (min)", _number(None if s.flight_time_s is None else s.flight_time_s / 60, ".2f")),
        ("apogee altitude (km)", _number(s.apogee_km, ",.1f")),
        ("highest speed (m/s)", _number(s.max_speed_mps, ",.0f")),
        ("highest Mach number", _number(s.max_mach, ".1f")),
        ("altitude of the highest Mach (km)", _number(s.max_mach_altitude_km, ".1f")),
        ("Mach descending through 30 km", _number(s.mach_30km, ".1f")),
        ("launch azimuth (deg from north)", _number(s.azimuth_deg, ".2f")),
        ("burnout time (s after launch)", _number(b.time_s, ".1f")),
        ("burnout altitude (km)", _number(b.altitude_km, ".1f")),
        ("burnout speed (m/s)", _number(b.speed_mps, ",.0f")),
        ("burnout flight-path angle (deg)", _number(b.angle_deg, ".2f")),
        ("impact point (lat, lon deg)", "—" if i.lat_deg is None else f"{i.lat_deg:.4f}, {i.lon_deg:.4f}"),
        ("impact speed (m/s)", _number(i.speed_mps, ",.0f")),
        ("impact Mach number", _number(i.mach, ".1f")),
        ("impact flight-path angle (deg)", _number(i.angle_deg, ".1f")),
        ("miss distance (km)", _number(s.miss_distance_km, ".3f")),
    ]
    if f is not None:
        rows += [("flyable", "yes" if f.flyable else f"no: {f.limit_broken_short}"),
                 ("highest dynamic pressure (kPa)", _number(f.max_dynamic_pressure_kpa, ",.0f")),
                 ("highest nose heat flux (MW/m²)", _number(f.max_heat_flux_mw_m2, ".1f"))]
    for key, value in s.parameters.items():
        rows.append((parameter_words(key), _number(value, "g" if key == "cutoff_stage" else ".2f")))
    return rows


def print_fly_table(s: FlightSummary, title: str) -> None:
    """Print a flight summary (quantities in words with their units) and its timeline."""
    from rich.console import Console
    from rich.markup import escape

    con = Console()
    print_table(con, escape(title), [Col("quantity"), Col("value", right=True)], _fly_rows(s), show_header=False)
    rows = [(escape(e.name), f"{e.time_s:.1f}", f"{e.altitude_km:.1f}", f"{e.speed_mps:,.0f}") for e in s.events]
    print_table(con, "timeline", [Col("event"), Col("time (s)", right=True), Col("altitude (km)", right=True),
                                  Col("speed (m/s)", right=True)], rows)
    con.print(f"[dim]physics: {s.earth}, atmosphere {'on' if s.atmosphere else 'off'}; "
              f"sources: {', '.join(s.sources) or '—'} (duel catalog sources)[/dim]")
