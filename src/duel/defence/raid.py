"""Raid outcome: how many warheads leak through a defence, in closed form and by Monte Carlo.

Scope: an interceptor is nothing but a single-shot kill probability (SSPK) against one object it is fired
at. There is no guidance, no kinematics and no damage model here; *whether* and *how often* a battery can
shoot is decided upstream (``defence/engagement.py``) and arrives as a :class:`Layer`.

Closed forms (Wilkening 1999)
-----------------------------
D. A. Wilkening, "A Simple Model for Calculating Ballistic Missile Defense Effectiveness",
*Science & Global Security* 8(2):183-215, 1999 (JSTOR 26267438). The paper text was not available to us;
the forms below are those secondary sources attribute to it and they reproduce its quoted examples
(113.1 and 73.2 interceptors, minimum P_track 0.9779) exactly; see ``docs/validation.md``.

Notation: W warheads, D decoys, SSPK = p, q = 1 - p, n shots per engaged object, P_t = P_track, the
probability that the whole engagement chain (detection, track, discrimination, fire control) works for an
object; P_ww (P_dw) = probability that a warhead (decoy) is classified as a warhead and engaged.

* per-object kill, barrage of n:            K = P_t [1 - q^n]
* P(no leaker), P_t independent per object:  P0 = K^W
* P(no leaker), P_t one common-mode factor:  P0 = P_t [1 - q^n]^W
* expected leakers:                          E = W (1 - K);  leakers ~ Binomial(W, 1 - K)
* shots per object for a goal P*:            n = ln(1 - P*^(1/W) / P_t) / ln(1 - p)   (needs P_t > P*^(1/W))
* interceptors for the goal:                 N_I = n (W P_ww + D P_dw)
* layers in order:                           P(leak per object) = prod_i (1 - K_i)
* shoot-look-shoot (n1, look, n2):           K = P_t [1 - q^n1 ((1 - p_ka) + p_ka q^n2)]
                                             E[shots] = n1 + n2 p_ka q^n1    (P_t = 1)

Shared model assumptions (closed form and Monte Carlo)
------------------------------------------------------
* Shots are independent Bernoulli(SSPK) trials; one kill suffices; a decoy is as killable as a warhead.
* P_t is drawn per object per layer (``common_mode=False``) or once per layer for the whole raid
  (``common_mode=True``). Layers have independent sensors, so their P_t draws are independent.
* A tracking failure makes every interceptor the layer fires at that object ineffective, but the
  interceptors are still fired (Wilkening's count N_I = n W assumes n shots per engaged object).
* Classification (P_ww, P_dw) is drawn once per object for the whole raid. A warhead not classified as a
  warhead is never engaged and leaks. (With P_ww = 1, the default, the formulas above are Wilkening's.)
* Kill assessment (shoot-look-shoot): a killed object is always recognised as killed; a surviving object
  is seen to be alive with probability p_ka, otherwise it is wrongly declared killed and not engaged again
  by this layer. A later layer engages every object still alive (its own sensors), so a wrong "killed"
  call in one layer does not blind the next, and no layer fires at an object killed by an earlier one.
* Doctrine ``"salvo"``: ``shots`` at each of ``opportunities`` without looking (a barrage of
  shots x opportunities). Doctrine ``"sls"``: ``shots`` at the first opportunity, then before each later
  opportunity a look, and ``shots`` more at objects assessed alive.
* Shared limits (Monte Carlo only): a layer's ``magazine`` (interceptors for the whole raid) and
  ``fire_channels`` (objects engaged at once per opportunity). At each opportunity the objects the layer
  wants to engage are served least-engaged first, ties in a random order drawn per trial and layer
  (warheads and engaged decoys alike, since the defence cannot tell them apart); the first
  ``fire_channels`` are served, each gets ``shots`` interceptors while the magazine lasts (the last one
  may get fewer); the rest are not engaged at this opportunity. That is saturation.

Random streams
--------------
Trial i draws a fixed number K of uniforms at positions [i K, (i+1) K) of the Philox-4x64 stream keyed by
``seed`` (:func:`duel.defence.streams.philox_block`). Results therefore depend only on (seed, trial index),
never on the chunk size.

Implementation: the closed form and the Monte Carlo here are thin wrappers over the per-row array forms of
:mod:`duel.defence.raid_rows` (the same layers in every row), which the batch engine also uses: one model.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from duel.defence.raid_rows import RowLayers, closed_form_rows, expected_shots, simulate_rows, survival_given_track
from duel.defence.streams import philox_block
from duel.errors import InputError

__all__ = [
    "Layer",
    "RaidResult",
    "GoalResult",
    "kill_probability",
    "p_zero_leakers",
    "expected_leakers",
    "leaker_pmf",
    "shots_for_goal",
    "min_p_track",
    "interceptors_for_goal",
    "layered_leak_probability",
    "sls_kill_probability",
    "sls_expected_shots",
    "layer_kill_probability",
    "layer_expected_shots",
    "leakers_lower_bound",
    "closed_form_raid",
    "simulate_raid",
    "wilson_interval",
]

Doctrine = Literal["salvo", "sls"]
Z95 = 1.959963984540054  # two-sided 95 % standard-normal quantile
WILKENING_1999 = (
    "D. A. Wilkening, 'A Simple Model for Calculating Ballistic Missile Defense Effectiveness', "
    "Science & Global Security 8(2):183-215, 1999"
)


# ------------------------------------------------------------------------------------------ validation
def _prob(name: str, x: float) -> float:
    x = float(x)
    if not (0.0 <= x <= 1.0):  # also rejects NaN
        raise InputError(f"{name} must be a probability in [0, 1], got {x:g}")
    return x


def _int_min(name: str, x: int, lo: int) -> int:
    if isinstance(x, bool) or int(x) != x:
        raise InputError(f"{name} must be a whole number, got {x!r}")
    x = int(x)
    if x < lo:
        raise InputError(f"{name} must be at least {lo}, got {x}")
    return x


def _shots(name: str, x: float) -> float:
    x = float(x)
    if not (x >= 0.0) or math.isinf(x):
        raise InputError(f"{name} must be a finite number of shots >= 0, got {x:g}")
    return x


# ----------------------------------------------------------------------------------------- the layer
@dataclass(frozen=True)
class Layer:
    """One defensive layer (a battery type or a tier) as the raid model sees it.

    Attributes:
        sspk: single-shot kill probability of one interceptor against one object it is fired at, [0, 1].
        shots: interceptors fired at an object per engagement opportunity (>= 1).
        opportunities: engagement opportunities per object in this layer (>= 1); upstream timing decides it.
        doctrine: ``"salvo"`` (fire at every opportunity, no look) or ``"sls"`` (shoot-look-shoot: fire,
            assess, fire again only at objects assessed alive).
        p_kill_assessment: probability that a surviving object is correctly seen to be alive at a look
            (``"sls"`` only; 1 = perfect assessment). Killed objects are always recognised.
        magazine: interceptors available to this layer for the whole raid (None = unlimited). Monte Carlo.
        fire_channels: objects this layer can engage at once per opportunity (None = unlimited). Monte Carlo.
        p_track: this layer's engagement-chain probability P_track; None uses the raid's ``p_track``.
        engages_warheads: the layer intercepts above the separation altitude, so it faces the warheads before
            they release their submunitions (a kill removes a warhead's submunitions); else the objects.
        name: label for reports.
    """

    sspk: float
    shots: int
    opportunities: int = 1
    doctrine: Doctrine = "salvo"
    p_kill_assessment: float = 1.0
    magazine: int | None = None
    fire_channels: int | None = None
    p_track: float | None = None
    engages_warheads: bool = False
    name: str = ""

    def __post_init__(self) -> None:
        _prob("sspk", self.sspk)
        _int_min("shots", self.shots, 1)
        _int_min("opportunities", self.opportunities, 1)
        if self.doctrine not in ("salvo", "sls"):
            raise InputError(f"doctrine must be 'salvo' or 'sls', got {self.doctrine!r}")
        _prob("p_kill_assessment", self.p_kill_assessment)
        if self.magazine is not None:
            _int_min("magazine", self.magazine, 0)
        if self.fire_channels is not None:
            _int_min("fire_channels", self.fire_channels, 0)
        if self.p_track is not None:
            _prob("p_track", self.p_track)

    def limits_can_bind(self, objects: int) -> bool:
        """True if the magazine or the fire channels could leave one of ``objects`` unserved (the objects this
        layer faces: warheads and decoys for a layer that engages warheads)."""
        if self.fire_channels is not None and self.fire_channels < objects:
            return True
        return self.magazine is not None and self.magazine < objects * self.shots * self.opportunities


def _layers(layers: Layer | Sequence[Layer]) -> tuple[Layer, ...]:
    out = (layers,) if isinstance(layers, Layer) else tuple(layers)
    if not out:
        raise InputError("layers: at least one layer is needed")
    for i, layer in enumerate(out):
        if not isinstance(layer, Layer):
            raise InputError(f"layers[{i}] must be a Layer, got {type(layer).__name__}")
    return out


# ---------------------------------------------------------------------------------- closed forms
def kill_probability(sspk: float, shots: float, p_track: float = 1.0) -> float:
    """Per-object kill probability of a barrage: K = P_track * (1 - (1 - SSPK)^n).

    ``shots`` (n) may be fractional (Wilkening's continuous n). Source: Wilkening (1999).
    """
    p, n, pt = _prob("sspk", sspk), _shots("shots", shots), _prob("p_track", p_track)
    return pt * (1.0 - (1.0 - p) ** n)


def p_zero_leakers(
    warheads: int, sspk: float, shots: float, p_track: float = 1.0, common_mode: bool = False
) -> float:
    """Probability that none of ``warheads`` leaks through one barrage layer.

    Independent tracking:  P0 = [P_t (1 - (1 - SSPK)^n)]^W.
    Common-mode tracking:  P0 = P_t [1 - (1 - SSPK)^n]^W  (one system-wide P_t).
    Source: Wilkening (1999).
    """
    w = _int_min("warheads", warheads, 0)
    pt = _prob("p_track", p_track)
    if common_mode:
        return pt * kill_probability(sspk, shots, 1.0) ** w if w else 1.0
    return kill_probability(sspk, shots, pt) ** w


def expected_leakers(warheads: int, kill_prob: float) -> float:
    """Expected number of leaking warheads, E = W (1 - K), for a per-warhead kill probability K.

    Holds for independent and for common-mode tracking (linearity of expectation).
    """
    return _int_min("warheads", warheads, 0) * (1.0 - _prob("kill_prob", kill_prob))


def leaker_pmf(warheads: int, p_leak: float) -> np.ndarray:
    """P(k warheads leak), k = 0..W, for independent leaks with probability ``p_leak``: Binomial(W, p_leak).

    Computed in log space (lgamma), so large W is fine; exact 0/1 handled.
    """
    w = _int_min("warheads", warheads, 0)
    p = _prob("p_leak", p_leak)
    k = np.arange(w + 1)
    if p == 0.0 or p == 1.0:
        out = np.zeros(w + 1)
        out[0 if p == 0.0 else w] = 1.0
        return out
    logc = np.array([math.lgamma(w + 1) - math.lgamma(i + 1) - math.lgamma(w - i + 1) for i in k])
    return np.exp(logc + k * math.log(p) + (w - k) * math.log1p(-p))


def min_p_track(warheads: int, p_goal: float, common_mode: bool = False) -> float:
    """Smallest P_track for which a goal P(no leaker) = P* is reachable at all (infinite SSPK or shots).

    Independent tracking: P_t > P*^(1/W); common mode: P_t > P*. Wilkening (1999): "no amount of SSPK
    compensates for tracking". With W = 10, P* = 0.8: 0.9779.
    """
    w = _int_min("warheads", warheads, 1)
    g = _goal("p_goal", p_goal)
    return g if common_mode else g ** (1.0 / w)


def _goal(name: str, g: float) -> float:
    g = float(g)
    if not (0.0 < g < 1.0):
        raise InputError(f"{name} must be strictly between 0 and 1, got {g:g}")
    return g


def shots_for_goal(
    warheads: int,
    sspk: float,
    p_goal: float,
    p_track: float = 1.0,
    p_warhead_engaged: float = 1.0,
    common_mode: bool = False,
) -> float:
    """Continuous shots per engaged object n so that P(no leaker) = P* with one barrage layer.

    Independent tracking (Wilkening 1999):  n = ln(1 - P*^(1/W) / P_t) / ln(1 - SSPK).
    Common mode:                              n = ln(1 - (P*/P_t)^(1/W)) / ln(1 - SSPK).
    ``p_warhead_engaged`` (P_ww) multiplies P_t (an unengaged warhead leaks); default 1.
    Raises InputError naming ``p_track`` when P_t P_ww <= P*^(1/W) (or <= P* in common mode): the goal
    is unreachable whatever the SSPK. With SSPK = 1 one shot suffices (returns 1.0); SSPK = 0 is an error.
    """
    w = _int_min("warheads", warheads, 1)
    p = _prob("sspk", sspk)
    g = _goal("p_goal", p_goal)
    pt = _prob("p_track", p_track) * _prob("p_warhead_engaged", p_warhead_engaged)
    need = min_p_track(w, g, common_mode)
    if pt <= need:
        raise InputError(
            f"p_track: goal P(no leaker) = {g:g} with {w} warhead(s) is unreachable: it needs "
            f"P_track > {need:.4f} ({'P*' if common_mode else 'P*^(1/W)'}), got {pt:g}"
        )
    if p == 0.0:
        raise InputError("sspk: goal unreachable with SSPK = 0")
    if p == 1.0:
        return 1.0
    x = (g / pt) ** (1.0 / w) if common_mode else g ** (1.0 / w) / pt
    return math.log1p(-x) / math.log1p(-p)


@dataclass(frozen=True)
class GoalResult:
    """Interceptors needed for a goal P(no leaker) = P* with one barrage layer (Wilkening 1999).

    Attributes:
        goal: P*.
        shots_per_object: continuous n (Wilkening's form).
        interceptors: n (W P_ww + D P_dw), the expected interceptors fired (continuous n).
        shots_per_object_whole: ceil(n), the whole number of shots that meets the goal.
        interceptors_whole: ceil(n) (W P_ww + D P_dw).
        engaged_objects: W P_ww + D P_dw, expected objects the defence engages.
        min_p_track: P_track the goal needs at the least (see :func:`min_p_track`).
    """

    goal: float
    shots_per_object: float
    interceptors: float
    shots_per_object_whole: int
    interceptors_whole: float
    engaged_objects: float
    min_p_track: float


def interceptors_for_goal(
    warheads: int,
    sspk: float,
    p_goal: float = 0.8,
    p_track: float = 1.0,
    decoys: int = 0,
    p_decoy_engaged: float = 1.0,
    p_warhead_engaged: float = 1.0,
    common_mode: bool = False,
) -> GoalResult:
    """Interceptors needed for P(no leaker) = ``p_goal``: N_I = n (W P_ww + D P_dw) (Wilkening 1999).

    n comes from :func:`shots_for_goal` for the W warheads; decoys engaged with probability P_dw
    (``p_decoy_engaged``) draw the same n each. Examples: W = 20, P_t = 0.99, SSPK = 0.7, P* = 0.8 gives
    n = 5.654 and 113.1 interceptors; W = 10 with D = 10 undiscriminated decoys gives 73.2.
    """
    d = _int_min("decoys", decoys, 0)
    pdw = _prob("p_decoy_engaged", p_decoy_engaged)
    pww = _prob("p_warhead_engaged", p_warhead_engaged)
    n = shots_for_goal(warheads, sspk, p_goal, p_track, pww, common_mode)
    engaged = warheads * pww + d * pdw
    return GoalResult(
        goal=float(p_goal),
        shots_per_object=n,
        interceptors=n * engaged,
        shots_per_object_whole=math.ceil(n - 1e-12),
        interceptors_whole=math.ceil(n - 1e-12) * engaged,
        engaged_objects=engaged,
        min_p_track=min_p_track(warheads, p_goal, common_mode),
    )


def layered_leak_probability(kill_probs: Sequence[float]) -> float:
    """Leak probability of one object through independent layers in order: prod_i (1 - K_i) (Wilkening 1999)."""
    out = 1.0
    for i, k in enumerate(kill_probs):
        out *= 1.0 - _prob(f"kill_probs[{i}]", k)
    return out


def sls_kill_probability(
    sspk: float, n1: int, n2: int, p_ka: float = 1.0, p_track: float = 1.0
) -> float:
    """Shoot-look-shoot kill probability: K = P_t [1 - q^n1 ((1 - p_ka) + p_ka q^n2)], q = 1 - SSPK.

    Model: fire n1; look; a surviving object is seen alive with probability p_ka (p_ka = 1: perfect kill
    assessment) and then receives n2 more; if wrongly declared killed it leaks. Kills are always recognised.
    """
    p, pka, pt = _prob("sspk", sspk), _prob("p_ka", p_ka), _prob("p_track", p_track)
    q = 1.0 - p
    return pt * (1.0 - q ** _shots("n1", n1) * ((1.0 - pka) + pka * q ** _shots("n2", n2)))


def sls_expected_shots(
    sspk: float, n1: int, n2: int, p_ka: float = 1.0, p_track: float = 1.0
) -> float:
    """Expected interceptors per object under shoot-look-shoot.

    With P_t = 1: E[shots] = n1 + n2 p_ka q^n1. With a tracking failure (probability 1 - P_t) every shot
    misses but is still fired, so the object always looks alive:
    E[shots] = n1 + n2 p_ka [P_t q^n1 + (1 - P_t)].
    """
    p, pka, pt = _prob("sspk", sspk), _prob("p_ka", p_ka), _prob("p_track", p_track)
    q = 1.0 - p
    n1, n2 = _shots("n1", n1), _shots("n2", n2)
    return n1 + n2 * pka * (pt * q**n1 + (1.0 - pt))


def _rows_of(layers: Sequence[Layer], pts: Sequence[float], rows: int = 1) -> tuple[Any, tuple[bool, ...], int]:
    """The layers as :class:`~duel.defence.raid_rows.RowLayers` repeated over ``rows`` rows, the per-layer
    doctrine and the largest opportunity count (the array forms every raid computation goes through)."""
    def col(values: Sequence[float], dtype: Any = float) -> np.ndarray:
        return np.broadcast_to(np.asarray(values, dtype)[None, :], (rows, len(layers)))

    inf = math.inf
    rl = RowLayers(col([ly.sspk for ly in layers]), col([ly.opportunities for ly in layers], np.int64),
                   col([ly.shots for ly in layers], np.int64),
                   col([inf if ly.magazine is None else ly.magazine for ly in layers]),
                   col([inf if ly.fire_channels is None else ly.fire_channels for ly in layers]),
                   col(pts), col([ly.p_kill_assessment for ly in layers]), col([ly.engages_warheads for ly in layers], bool))
    return rl, tuple(ly.doctrine == "sls" for ly in layers), max(ly.opportunities for ly in layers)


def layer_kill_probability(layer: Layer, p_track: float = 1.0) -> float:
    """Per-object kill probability of one layer without limits: K = P_t (1 - S).

    S is the survival probability with a working chain: q^(n k) for a salvo over k opportunities;
    for shoot-look-shoot S_1 = q^n, S_k = q^n [(1 - p_ka) + p_ka S_(k-1)] (k = 2 is Wilkening's form with
    n1 = n2 = n). ``layer.p_track`` overrides ``p_track``.
    """
    pt = layer.p_track if layer.p_track is not None else _prob("p_track", p_track)
    s = survival_given_track(layer.sspk, layer.shots, layer.opportunities, layer.p_kill_assessment,
                             layer.doctrine == "sls", layer.opportunities, np)
    return float(pt * (1.0 - s))


def layer_expected_shots(layer: Layer, p_track: float = 1.0) -> float:
    """Expected interceptors the layer fires at one object it engages (alive at the layer's start, no limits).

    Salvo: n k. Shoot-look-shoot: n sum_{j<k} [P_t (p_ka q^n)^j + (1 - P_t) p_ka^j].
    """
    pt = layer.p_track if layer.p_track is not None else _prob("p_track", p_track)
    return float(expected_shots(layer.sspk, layer.shots, layer.opportunities, pt, layer.p_kill_assessment,
                                layer.doctrine == "sls", layer.opportunities, np))


def leakers_lower_bound(warheads: int, decoys: int, layers: Layer | Sequence[Layer], submunitions: int = 1) -> int:
    """A saturation bound that holds in every trial: leakers >= W m - sum_i m_i min(ceil(M_i / n_i), C_i k_i).

    Each interceptor kills at most one object, and all engagements but the last get n_i interceptors, so
    layer i kills at most ceil(M_i / n_i) objects (magazine M_i) and at most C_i k_i (fire channels C_i,
    k_i opportunities); also at most the objects it faces. A kill by a layer that engages warheads removes
    m_i = m submunitions (m_i = 1 otherwise). Unlimited layers make the bound 0.
    """
    w = _int_min("warheads", warheads, 0)
    m = _int_min("submunitions", submunitions, 1)
    d = _int_min("decoys", decoys, 0)
    kills = 0
    for layer in _layers(layers):
        cap = (w if layer.engages_warheads else w * m) + d
        if layer.magazine is not None:
            cap = min(cap, -(-layer.magazine // layer.shots))
        if layer.fire_channels is not None:
            cap = min(cap, layer.fire_channels * layer.opportunities)
        kills += cap * (m if layer.engages_warheads else 1)
    return max(0, w * m - kills)


# ------------------------------------------------------------------------------------------ results
@dataclass(frozen=True, eq=False)
class RaidResult:
    """Outcome of a raid: W warheads (+ D decoys) against ordered layers.

    All counts are warheads (decoys never count as leakers). Closed-form results leave the Monte Carlo
    fields (intervals, counts, samples) as None.

    Attributes:
        method: ``"closed form"`` or ``"monte carlo"``.
        warheads, decoys: W and D.
        p_zero_leakers: P(no warhead leaks).
        expected_leakers: E[warheads that leak].
        leaker_pmf: P(k warheads leak), k = 0..W (Monte Carlo: observed frequencies).
        interceptors_used_mean: expected interceptors fired in the raid (all layers).
        leakers_lower_bound: saturation bound valid in every trial (:func:`leakers_lower_bound`).
        trials, seed: Monte Carlo sample size and seed.
        p_zero_leakers_ci95: Wilson score 95 % interval.
        p_zero_leakers_se: binomial standard error sqrt(p (1 - p) / T).
        expected_leakers_ci95, expected_leakers_se: normal 95 % interval of the mean and its standard error.
        leaker_counts: trials with k leakers, k = 0..W.
        interceptors_used_ci95: 95 % interval of the mean interceptors fired.
        interceptors_used_range95: 2.5 and 97.5 percentiles of interceptors fired per trial.
        samples_leakers, samples_interceptors: per-trial arrays (only with ``keep_samples=True``).
    """

    method: Literal["closed form", "monte carlo"]
    warheads: int
    decoys: int
    p_zero_leakers: float
    expected_leakers: float
    leaker_pmf: np.ndarray
    interceptors_used_mean: float
    leakers_lower_bound: int = 0
    trials: int | None = None
    seed: int | None = None
    p_zero_leakers_ci95: tuple[float, float] | None = None
    p_zero_leakers_se: float | None = None
    expected_leakers_ci95: tuple[float, float] | None = None
    expected_leakers_se: float | None = None
    leaker_counts: np.ndarray | None = None
    interceptors_used_ci95: tuple[float, float] | None = None
    interceptors_used_range95: tuple[float, float] | None = None
    samples_leakers: np.ndarray | None = None
    samples_interceptors: np.ndarray | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (lists, floats, None for NaN); per-trial samples are left out."""

        def clean(v: Any) -> Any:
            if isinstance(v, np.ndarray):
                return [clean(x) for x in v.tolist()]
            if isinstance(v, (tuple, list)):
                return [clean(x) for x in v]
            if isinstance(v, (np.integer,)):
                return int(v)
            if isinstance(v, (float, np.floating)):
                return None if not math.isfinite(float(v)) else float(v)
            return v

        out = {
            "method": self.method,
            "warheads": self.warheads,
            "decoys": self.decoys,
            "p_zero_leakers": clean(self.p_zero_leakers),
            "expected_leakers": clean(self.expected_leakers),
            "leaker_pmf": clean(self.leaker_pmf),
            "interceptors_used_mean": clean(self.interceptors_used_mean),
            "leakers_lower_bound": self.leakers_lower_bound,
        }
        if self.method == "monte carlo":
            out.update(
                trials=self.trials,
                seed=self.seed,
                ci95=clean(self.p_zero_leakers_ci95),
                p_zero_leakers_se=clean(self.p_zero_leakers_se),
                expected_leakers_ci95=clean(self.expected_leakers_ci95),
                expected_leakers_se=clean(self.expected_leakers_se),
                leaker_distribution=clean(self.leaker_counts),
                interceptors_used={
                    "mean": clean(self.interceptors_used_mean),
                    "ci95": clean(self.interceptors_used_ci95),
                    "range95": clean(self.interceptors_used_range95),
                },
            )
        return out


def wilson_interval(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion (95 % with the default z)."""
    if trials <= 0:
        return (0.0, 1.0)
    p = successes / trials
    z2n = z * z / trials
    centre = (p + z2n / 2.0) / (1.0 + z2n)
    half = z / (1.0 + z2n) * math.sqrt(p * (1.0 - p) / trials + z2n / (4.0 * trials))
    return (max(0.0, centre - half), min(1.0, centre + half))


def _common(warheads, decoys, p_track, p_decoy_engaged, p_warhead_engaged):
    return (
        _int_min("warheads", warheads, 1),
        _int_min("decoys", decoys, 0),
        _prob("p_track", p_track),
        _prob("p_decoy_engaged", p_decoy_engaged),
        _prob("p_warhead_engaged", p_warhead_engaged),
    )


def closed_form_raid(
    warheads: int,
    decoys: int = 0,
    layers: Layer | Sequence[Layer] = (),
    p_track: float = 1.0,
    p_decoy_engaged: float = 1.0,
    common_mode: bool = False,
    *,
    p_warhead_engaged: float = 1.0,
    ignore_limits: bool = False,
    submunitions_per_warhead: int = 1,
) -> RaidResult:
    """Exact raid outcome for ordered layers without binding shared limits.

    With ``submunitions_per_warhead`` m > 1 the W warheads carry m submunitions each; layers that engage the
    warheads (:attr:`Layer.engages_warheads`) face W + D objects and a kill removes m submunitions; the others
    face the W m submunitions (:func:`duel.defence.raid_rows.closed_form_rows`). Leakers are submunitions.

    Per warhead, leak probability L = (1 - P_ww) + P_ww prod_i (1 - K_i) with K_i from
    :func:`layer_kill_probability` (Wilkening's layered form). Independent tracking: leakers ~ Binomial(W, L).
    Common mode (one P_t draw per layer for the whole raid): a mixture over which layers work,
    P(k) = sum_S prod_{i in S} P_t,i prod_{i not in S} (1 - P_t,i) Binomial(k; W, L_S) with
    L_S = (1 - P_ww) + P_ww prod_{i in S} (1 - k_i), k_i the kill probability of a working layer. For one
    layer P0 = P_t [1 - q^n]^W. E[leakers] = W L either way. Expected interceptors:
    (W P_ww + D P_dw) sum_i E[shots_i] prod_{j<i} (1 - K_j), E[shots_i] from :func:`layer_expected_shots`.

    A layer whose magazine or fire channels could bind has no closed form here: InputError, unless
    ``ignore_limits=True`` (then the limits are dropped; compare :func:`leakers_lower_bound`).
    """
    w, d, pt, pdw, pww = _common(warheads, decoys, p_track, p_decoy_engaged, p_warhead_engaged)
    m = _int_min("submunitions_per_warhead", submunitions_per_warhead, 1)
    layers = _layers(layers)
    if not ignore_limits:
        for i, layer in enumerate(layers):
            faced = _faced(layer, w, d, m)
            if layer.limits_can_bind(faced):
                raise InputError(
                    f"layers[{i}]: magazine or fire channels can run short for {faced} objects; the closed "
                    "form does not apply (use simulate_raid, or ignore_limits=True)"
                )
    rl, sls, k_max = _rows_of(layers, [ly.p_track if ly.p_track is not None else pt for ly in layers])
    cf = closed_form_rows(rl, w, d, pdw, sls, k_max, common_mode, pww, submunitions=m)
    pmf = np.asarray(cf["pmf"][0], float)
    return RaidResult(
        method="closed form",
        warheads=w * m,
        decoys=d,
        p_zero_leakers=float(pmf[0]),
        expected_leakers=float(cf["expected_leakers"][0]),
        leaker_pmf=pmf,
        interceptors_used_mean=float(cf["interceptors"][0]),
        leakers_lower_bound=leakers_lower_bound(w, d, layers, m) if ignore_limits else 0,
    )


def _faced(layer: Layer, warheads: int, decoys: int, submunitions: int) -> int:
    """The objects a layer faces: the warheads (and decoys) above the separation, else the submunitions."""
    return (warheads if layer.engages_warheads else warheads * submunitions) + decoys


# ------------------------------------------------------------------------------------------ Monte Carlo
def draws_per_trial(n_obj: int, layers: Layer | Sequence[Layer]) -> int:
    """Uniforms per trial of a raid of ``n_obj`` objects (warheads + decoys) through ``layers``.

    The layout of :func:`duel.defence.raid_rows.simulate_rows`: classification N, per layer tracking N and
    priority N, then for each opportunity index j < K (K the most opportunities of any layer) per layer kill
    N and look N; rounded up to a multiple of 4.
    """
    layers = _layers(layers)
    k_max = max(ly.opportunities for ly in layers)
    k = n_obj * (1 + 2 * len(layers)) + k_max * 2 * n_obj * len(layers)
    return -(-k // 4) * 4  # Philox-4x64 emits 4 words per counter step; keep trials aligned to steps


def simulate_trials(
    u: np.ndarray, warheads: int, decoys: int, layers: Layer | Sequence[Layer], p_track: float = 1.0,
    p_decoy_engaged: float = 1.0, common_mode: bool = False, *, p_warhead_engaged: float = 1.0,
    submunitions_per_warhead: int = 1,
) -> tuple[np.ndarray, np.ndarray]:
    """Leakers and interceptors fired (int arrays) of one raid per row of uniforms ``u``.

    ``u`` has shape (trials, >= :func:`draws_per_trial`); the caller chooses the random stream (e.g. one per
    trial index), which is how :func:`simulate_raid` and the Monte Carlo engines share one raid model: the
    per-row model of :func:`duel.defence.raid_rows.simulate_rows`, with the same layers in every row.
    """
    w, d, pt, pdw, pww = _common(warheads, decoys, p_track, p_decoy_engaged, p_warhead_engaged)
    m = submunitions_per_warhead
    ls = _layers(layers)
    rows, n, n_layers = u.shape[0], w * m + d, len(ls)
    rl, sls, k_max = _rows_of(ls, [ly.p_track if ly.p_track is not None else pt for ly in ls], rows)
    nb, no = n * (1 + 2 * n_layers), 2 * n * n_layers
    per = u[:, nb:nb + k_max * no].reshape(rows, k_max, no).transpose(1, 0, 2)
    return simulate_rows(u[:, :nb], per, rl, w, d, pdw, sls, common_mode, pww,
                         limited=tuple(ly.limits_can_bind(_faced(ly, w, d, m)) for ly in ls), submunitions=m)


def simulate_raid(
    warheads: int,
    decoys: int = 0,
    layers: Layer | Sequence[Layer] = (),
    p_track: float = 1.0,
    p_decoy_engaged: float = 1.0,
    trials: int = 10_000,
    seed: int = 0,
    common_mode: bool = False,
    *,
    p_warhead_engaged: float = 1.0,
    chunk_trials: int | None = None,
    keep_samples: bool = False,
    submunitions_per_warhead: int = 1,
) -> RaidResult:
    """Monte Carlo raid: W warheads + D decoys through ordered layers, with magazines and fire channels.

    Vectorised over trials (NumPy arrays trials x objects); the model is the one in the module docstring.
    Trial i's random numbers depend only on (``seed``, i): Philox-4x64 keyed by ``seed``, each trial a
    fixed slice of the stream, so ``chunk_trials`` (memory per block; default about 32 MB of uniforms)
    never changes the result.

    Args:
        warheads: W >= 1 (the objects that count as leakers).
        decoys: D >= 0 (engaged with probability ``p_decoy_engaged``; they absorb interceptors and channels).
        layers: one Layer or a sequence, engaged in order.
        p_track: P_track for layers that do not set their own.
        p_decoy_engaged: P_dw, probability a decoy is classified as a warhead and engaged.
        trials: number of raids simulated (>= 1).
        seed: integer >= 0 keying the random stream.
        common_mode: one tracking draw per layer for the whole raid instead of one per object.
        p_warhead_engaged: P_ww (default 1).
        chunk_trials: trials per vectorised block (None: automatic).
        keep_samples: keep per-trial leakers and interceptors in the result.
        submunitions_per_warhead: m submunitions per warhead (leakers are submunitions; layers that engage
            warheads face the W warheads, see :func:`closed_form_raid`).
    """
    w, d, pt, pdw, pww = _common(warheads, decoys, p_track, p_decoy_engaged, p_warhead_engaged)
    layers = _layers(layers)
    trials = _int_min("trials", trials, 1)
    seed = _int_min("seed", seed, 0)
    sub = _int_min("submunitions_per_warhead", submunitions_per_warhead, 1)
    n = w * sub + d
    kp = draws_per_trial(n, layers)
    if chunk_trials is None:
        chunk_trials = max(1, 4_000_000 // kp)
    chunk_trials = _int_min("chunk_trials", chunk_trials, 1)
    leakers = np.empty(trials, dtype=np.int64)
    used = np.empty(trials, dtype=np.int64)
    for i0 in range(0, trials, chunk_trials):
        m = min(chunk_trials, trials - i0)
        u = philox_block(seed, i0, i0 + m, kp)
        leakers[i0 : i0 + m], used[i0 : i0 + m] = simulate_trials(u, w, d, layers, pt, pdw, common_mode,
                                                                  p_warhead_engaged=pww,
                                                                  submunitions_per_warhead=sub)

    counts = np.bincount(leakers, minlength=w * sub + 1)
    zero = int(counts[0])
    p0 = zero / trials
    mean_l = float(leakers.mean())
    se_l = float(leakers.std(ddof=1) / math.sqrt(trials)) if trials > 1 else float("nan")
    mean_u = float(used.mean())
    se_u = float(used.std(ddof=1) / math.sqrt(trials)) if trials > 1 else float("nan")
    lo_u, hi_u = np.percentile(used, [2.5, 97.5])
    return RaidResult(
        method="monte carlo",
        warheads=w * sub,
        decoys=d,
        p_zero_leakers=p0,
        expected_leakers=mean_l,
        leaker_pmf=counts / trials,
        interceptors_used_mean=mean_u,
        leakers_lower_bound=leakers_lower_bound(w, d, layers, sub),
        trials=trials,
        seed=seed,
        p_zero_leakers_ci95=wilson_interval(zero, trials),
        p_zero_leakers_se=math.sqrt(p0 * (1.0 - p0) / trials),
        expected_leakers_ci95=(mean_l - Z95 * se_l, mean_l + Z95 * se_l),
        expected_leakers_se=se_l,
        leaker_counts=counts,
        interceptors_used_ci95=(mean_u - Z95 * se_u, mean_u + Z95 * se_u),
        interceptors_used_range95=(float(lo_u), float(hi_u)),
        samples_leakers=leakers if keep_samples else None,
        samples_interceptors=used if keep_samples else None,
    )
