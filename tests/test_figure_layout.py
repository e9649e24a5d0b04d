"""No figure of the report prints text over text: every figure of the four shipped scenarios and the basing
chart, laid out by matplotlib and measured (tests/figure_layout.py: text extents after a draw).

The scenarios run with 40 draws and small Monte Carlo counts: the same charts and axes, other numbers in them,
and in the sensitivity charts other inputs in another order (these counts found two long input names that
touched: the last test). The checker itself is tested on figures built to collide, so a clean result means
something.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from conftest import SHIPPED, quick, set_in_table
from figure_layout import collisions

ROOT = Path(__file__).resolve().parents[1]


def _quick(name: str) -> Any:
    """The shipped scenario ``name`` with 40 draws and conftest.quick's Monte Carlo counts."""
    from duel.scenario.loading import parse_scenario, read_toml_text

    text = quick((ROOT / "scenarios" / f"{name}.toml").read_text(encoding="utf-8"))
    return parse_scenario(read_toml_text(set_in_table(text, "montecarlo", "trials", "40"), name), name)


@pytest.fixture(scope="module")
def shipped_figures() -> dict[str, dict[str, Any]]:
    from duel.pipeline import run_scenario
    from duel.report.build import figures

    return {name: figures(run_scenario(_quick(name)).document) for name in SHIPPED}


EXPECTED = {"fig-timeline", "fig-altitude", "fig-speed", "fig-map", "fig-leakers", "fig-impacts", "fig-convergence"}


@pytest.mark.parametrize("name", SHIPPED)
def test_no_text_of_a_shipped_figure_overlaps_another(shipped_figures, name: str) -> None:
    figs = shipped_figures[name]
    assert set(figs) >= EXPECTED
    bad = {fid: collisions(fig) for fid, fig in figs.items()}
    assert not any(bad.values()), {k: v for k, v in bad.items() if v}


def test_the_basing_chart_keeps_its_legend_off_the_bars() -> None:
    from duel.pipeline.basing import compare_basing
    from duel.report.plots import basing_chart
    from duel.scenario.inputs import command_inputs

    # Lviv last: its bars at the bottom, where the legend used to sit
    result = compare_basing(["kapustin-yar", "krichev"], ["kyiv", "vilnius", "lviv"], "oreshnik",
                            command_inputs((), "oreshnik"))
    assert collisions(basing_chart(result["rows"])) == []


def test_the_maps_inset_enlarges_the_defended_area(shipped_figures) -> None:
    """Kyiv's seven batteries get an inset around Kyiv (its rings are a tangle at country scale); Lviv's one
    battery does not need one."""
    kyiv, lviv = shipped_figures["kyiv-duel"]["fig-map"], shipped_figures["lviv-2026"]["fig-map"]
    assert len(kyiv.axes[0].child_axes) == 1 and not lviv.axes[0].child_axes
    (inset,) = kyiv.axes[0].child_axes
    (x0, x1), (y0, y1) = inset.get_xlim(), inset.get_ylim()
    assert x0 < 30.52 < x1 and y0 < 50.45 < y1  # Kyiv inside
    assert (x1 - x0) < 0.25 * (kyiv.axes[0].get_xlim()[1] - kyiv.axes[0].get_xlim()[0])  # enlarged at least 4x
    rings = sorted(a.get_gid() for a in inset.lines if (a.get_gid() or "").startswith("inset-ring-"))
    assert len(rings) == 7


# --- the checker can fail ---------------------------------------------------------------------------

def _blank() -> Any:
    from duel.report.plots import _figure

    fig = _figure(4, 3)
    return fig, fig.add_subplot()


def test_checker_finds_two_texts_on_top_of_each_other() -> None:
    fig, ax = _blank()
    ax.text(0.5, 0.5, "apogee 97 km")
    ax.text(0.52, 0.5, "thaad")
    assert collisions(fig) == ["text 'apogee 97 km' overlaps text 'thaad'"]


def test_checker_finds_a_legend_over_a_label_and_over_bars() -> None:
    fig, ax = _blank()
    ax.bar([0, 1, 2], [1, 1, 1], label="bars")
    ax.text(0.1, 0.9, "launch site", transform=ax.transAxes)
    ax.legend(loc="upper left")
    found = collisions(fig)
    assert "the legend covers text 'launch site'" in found and "the legend covers a bar of the chart" in found


def test_checker_finds_a_line_through_a_label_unless_the_label_hides_it() -> None:
    fig, ax = _blank()
    ax.set_xlim(0, 10)
    ax.axvline(5, label="average")
    ax.text(5, 0.5, "100.0 %", ha="center")
    assert collisions(fig) == ["the line 'average' runs through text '100.0 %'"]
    fig, ax = _blank()
    ax.set_xlim(0, 10)
    ax.axvline(5, zorder=1)
    ax.text(5, 0.5, "100.0 %", ha="center", zorder=5, bbox={"fc": "white", "ec": "none"})
    assert collisions(fig) == []


def test_checker_finds_text_off_the_figure_and_under_an_inset() -> None:
    fig, ax = _blank()
    ax.text(1.3, 0.5, "a label that runs far out of the figure", transform=ax.transAxes)
    ax.text(0.8, 0.8, "covered", transform=ax.transAxes)
    ax.inset_axes([0.7, 0.7, 0.28, 0.28])
    found = collisions(fig)
    assert "text 'a label that runs far out of the figure' runs off the figure" in found
    assert "an inset covers text 'covered'" in found


EIGHT_INPUTS = ["altitude at which each warhead releases its submunitions",
                "Standard Missile-3 Block IIA: interceptors per launcher", "radar cross-section of one threat object",
                "Standard Missile-3 Block IIA: lowest intercept altitude",
                "AN/MPQ-65 (Patriot radar set): detection range against the reference cross-section",
                "AN/TPY-2 (THAAD fire-control and forward-based X-band radar): reference cross-section of the "
                "detection range",
                "Standard Missile-3 Block IIA: decision delay (track and cue to engagement order)",
                "THAAD interceptor: fire channels (objects engaged at once)"]


def test_rows_of_long_input_names_in_the_bar_charts_do_not_touch() -> None:
    """Input names that wrap into three and four lines next to each other, in the Sobol' bars and the tornado:
    the eight inputs the Belarus scenario's Sobol' bars showed with other Monte Carlo counts, where the rows'
    labels overlapped (found by the layout test above)."""
    from duel.report.plots import sensitivity_bars, tornado

    assert [textwrap.fill(n, 34).count("\n") + 1 for n in EIGHT_INPUTS[4:7]] == [3, 4, 3]
    share = [0.8 - 0.1 * k for k in range(8)]
    assert collisions(sensitivity_bars(EIGHT_INPUTS, [0.5 * s for s in share], share)) == []
    # the tornado shares the row labels; its rows (at least 0.5 in) were tall enough for these names already
    assert collisions(tornado(EIGHT_INPUTS, [0.5 - s / 2 for s in share], [0.5 + s / 2 for s in share], 0.5,
                              "P(all objects stopped)")) == []
