"""The raid with different layers in every row: closed form and Monte Carlo as fixed-shape array code.

:mod:`duel.defence.raid` solves one raid (one set of layers) for many trials. In a Monte Carlo of the whole
duel every trial has its own layers: which batteries have a window for every object, how many shot
opportunities, in which order, with which drawn SSPK. Here each row r carries its layers as arrays of shape
(R, L), ordered as the row engages them (the caller sorts by the earliest window start); a layer with 0
opportunities is absent from that row. The model is :mod:`duel.defence.raid`'s (Wilkening 1999 closed form
with limits dropped; Monte Carlo with magazines and fire channels), rewritten with ``where`` and
``take_along_axis`` over rows so that it runs on NumPy or compiled by JAX without a Python loop over rows.
Loops run only over layers (L) and opportunities (K, the largest count in the block), both static.

Warheads and submunitions. W warheads carry m submunitions each (m = 1: the warheads are the objects). A
layer whose first intercept is above the separation altitude engages the warheads (``RowLayers.upper``): it
faces W + D objects, and a warhead it kills takes its m submunitions with it; a later layer faces the
W m submunitions (and the D decoys) still alive. Leakers are counted in submunitions. Per warhead, with S_u
and S_l the survival products of the upper and lower layers (Wilkening's layered form within each phase),
leakers are 0 with probability 1 - L_u (killed as a warhead) and Binomial(m, L_s) otherwise, L = (1 - P_ww)
+ P_ww S; the raid's leaker distribution is the W-fold convolution. Without upper layers this is
Binomial(W m, L_s), the one-phase form.

Uniforms of a row (n = W m + D objects): a base block (classification n, then per layer slot tracking n and
priority n) and one block per opportunity index j (per layer slot: kill n, look n). Blocks per opportunity
index keep every draw's position independent of how many opportunities other rows have. A warhead uses the
draws of its first submunition.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np


class RowLayers(NamedTuple):
    """Per-row layers: every field an array (R, L), the layers in the order the row engages them.

    ``opportunities`` and ``shots`` are integers (0 opportunities: the layer is absent from the row);
    ``magazine`` and ``fire_channels`` are floats, +inf for no limit; ``p_track`` and ``p_kill_assessment``
    are the layer's engagement-chain and kill-assessment probabilities; ``upper`` (bool) says that the layer
    engages the warheads before they release their submunitions (module docstring).
    """

    sspk: Any
    opportunities: Any
    shots: Any
    magazine: Any
    fire_channels: Any
    p_track: Any
    p_kill_assessment: Any
    upper: Any


Doctrine = bool | tuple[bool, ...]  # shoot-look-shoot (True) or salvo, for all layers or per layer


def _sls(sls: Doctrine, n_layers: int) -> tuple[bool, ...]:
    return tuple(sls) if isinstance(sls, (tuple, list)) else (bool(sls),) * n_layers


def survival_given_track(sspk: Any, shots: Any, opp: Any, p_ka: Any, sls: bool, k_max: int, xp: Any) -> Any:
    """P(an engaged object survives a layer | the chain works, no limits), per (row, layer).

    Salvo: q^(n k). Shoot-look-shoot: S_1 = q^n, S_k = q^n [(1 - p_ka) + p_ka S_(k-1)]; k = 0: 1.
    """
    qn = (1.0 - sspk) ** shots
    if not sls:
        return qn ** opp
    s = qn
    for j in range(1, k_max):
        s = xp.where(opp > j, qn * ((1.0 - p_ka) + p_ka * s), s)
    return xp.where(opp > 0, s, 1.0)


def expected_shots(sspk: Any, shots: Any, opp: Any, p_track: Any, p_ka: Any, sls: bool, k_max: int, xp: Any) -> Any:
    """Interceptors a layer fires at one object alive at its start (no limits): salvo n k; shoot-look-
    shoot n sum_(j<k) [P_t (p_ka q^n)^j + (1 - P_t) p_ka^j]."""
    if not sls:
        return shots * opp
    a = p_ka * (1.0 - sspk) ** shots
    out = xp.zeros_like(a)
    for j in range(k_max):
        out = out + xp.where(opp > j, p_track * a**j + (1.0 - p_track) * p_ka**j, 0.0)
    return shots * out


def _binomial_pmf(w: int, p: Any, xp: Any) -> Any:
    """Binomial(w, p) probabilities of 0..w for every row of p (R,) -> (R, w + 1)."""
    k = np.arange(w + 1)
    logc = np.array([math.lgamma(w + 1) - math.lgamma(i + 1) - math.lgamma(w - i + 1) for i in k])
    p = xp.clip(xp.asarray(p)[:, None], 0.0, 1.0)
    kk = xp.asarray(k)[None, :]
    lp = xp.where(kk > 0, kk * xp.log(xp.where(p > 0, p, 1.0)), 0.0)
    lq = xp.where(kk < w, (w - kk) * xp.log(xp.where(p < 1, 1.0 - p, 1.0)), 0.0)
    out = xp.exp(xp.asarray(logc)[None, :] + lp + lq)
    out = xp.where((p == 0.0) & (kk > 0), 0.0, out)
    return xp.where((p == 1.0) & (kk < w), 0.0, out)


def _power(q: Any, w: int, xp: Any) -> Any:
    """The distribution of the sum of ``w`` independent copies of per-row distributions ``q`` (R, m + 1):
    (R, w m + 1), by repeated convolution along the last axis."""
    out = q
    k = q.shape[-1]
    for _ in range(w - 1):
        out = sum(xp.pad(out * q[:, i:i + 1], ((0, 0), (i, k - 1 - i))) for i in range(k))
    return out


def _per_warhead(leak_upper: Any, leak_sub: Any, m: int, xp: Any) -> Any:
    """Leakers of one warhead (R, m + 1): 0 if killed as a warhead (1 - L_u), else Binomial(m, L_s)."""
    q = leak_upper[:, None] * _binomial_pmf(m, leak_sub, xp)
    return q + xp.where(xp.arange(m + 1)[None, :] == 0, 1.0 - leak_upper[:, None], 0.0)


def _two_phase_pmf(leak_upper: Any, leak_sub: Any, leak_one: Any, w: int, m: int, any_upper: Any, xp: Any) -> Any:
    """The raid's leaker distribution (R, w m + 1): the W-fold convolution where a row has upper layers, the
    one-phase Binomial(w m, leak_one) elsewhere (module docstring)."""
    if m == 1:  # each warhead is one object: Binomial(W, L_u L_s)
        return _binomial_pmf(w, xp.where(any_upper, leak_upper * leak_sub, leak_one), xp)
    one = _binomial_pmf(w * m, leak_one, xp)
    return xp.where(any_upper[:, None], _power(_per_warhead(leak_upper, leak_sub, m, xp), w, xp), one)


def closed_form_rows(rl: RowLayers, warheads: int, decoys: int, p_decoy_engaged: float, sls: Doctrine, k_max: int,
                     common_mode: bool = False, p_warhead_engaged: float = 1.0, xp: Any = np,
                     submunitions: int = 1) -> dict[str, Any]:
    """Exact raid outcome per row without binding limits (limits dropped): Wilkening's layered form.

    ``warheads`` W each carry ``submunitions`` m (module docstring). Per object, leak probability
    L = (1 - P_ww) + P_ww prod_i (1 - K_i), K_i = P_t,i (1 - S_i) with S_i from :func:`survival_given_track`,
    within each phase. Independent tracking: leakers ~ Binomial(W m, L) without upper layers, the W-fold
    convolution of the per-warhead distribution with them. Common mode (one tracking draw per layer for the
    whole raid): a mixture over the subsets of working layers. Expected interceptors: each layer's engaged
    objects (W P_ww + D P_dw for an upper layer, W m P_ww + D P_dw for a lower one) times
    sum_i E[shots_i] prod_(j<i) (1 - K_j). ``sls``: for all layers or per layer; ``k_max`` >= every row's
    opportunities.

    Returns ``pmf`` (R, W m + 1) = P(k objects leak), ``expected_leakers`` (R,), ``interceptors`` (R,)
    expected interceptors fired.
    """
    w, d, m = warheads, decoys, submunitions
    pww = p_warhead_engaged
    pt, pka, shots, opp = rl.p_track, rl.p_kill_assessment, rl.shots, rl.opportunities
    doctrine = _sls(sls, opp.shape[-1])
    surv = xp.stack([survival_given_track(rl.sspk[:, i], shots[:, i], opp[:, i], pka[:, i], doctrine[i], k_max, xp)
                     for i in range(opp.shape[-1])], axis=-1)
    active = opp > 0
    upper = active & rl.upper
    any_upper = xp.any(upper, axis=-1)
    kill = xp.where(active, pt * (1.0 - surv), 0.0)

    def phase(k: Any, where: Any) -> Any:
        """Leak probability of one object through the layers of a phase: (1 - P_ww) + P_ww prod (1 - K)."""
        return (1.0 - pww) + pww * xp.prod(xp.where(where, 1.0 - k, 1.0), axis=-1)

    leak = (1.0 - pww) + pww * xp.prod(1.0 - kill, axis=-1)
    leak_u, leak_s = phase(kill, upper), phase(kill, active & ~upper)
    if not common_mode:
        pmf = _two_phase_pmf(leak_u, leak_s, leak, w, m, any_upper, xp)
        expected = w * m * xp.where(any_upper, leak_u * leak_s, leak)
    else:  # one tracking draw per layer for the whole raid: a mixture over which layers work
        n_layers = opp.shape[-1]
        pt_eff = xp.where(active, pt, 0.0)
        pmf = 0.0
        expected = 0.0
        for mask in range(1 << n_layers):
            on = xp.asarray(np.array([(mask >> i) & 1 == 1 for i in range(n_layers)]))[None, :]
            weight = xp.prod(xp.where(on, pt_eff, 1.0 - pt_eff), axis=-1)
            k_on = xp.where(on, 1.0 - surv, 0.0)
            lu, ls, l1 = phase(k_on, upper), phase(k_on, active & ~upper), phase(k_on, active)
            pmf = pmf + weight[:, None] * _two_phase_pmf(lu, ls, l1, w, m, any_upper, xp)
            expected = expected + weight * w * m * xp.where(any_upper, lu * ls, l1)
    per_layer = xp.stack([expected_shots(rl.sspk[:, i], shots[:, i], opp[:, i], pt[:, i], pka[:, i], doctrine[i],
                                         k_max, xp) for i in range(opp.shape[-1])], axis=-1)
    alive_before = xp.concatenate([xp.ones_like(kill[:, :1]), xp.cumprod(1.0 - kill, axis=-1)[:, :-1]], axis=-1)
    engaged = xp.where(upper, w * pww + d * p_decoy_engaged, w * m * pww + d * p_decoy_engaged)
    return {"pmf": pmf, "expected_leakers": expected,
            "interceptors": xp.sum(engaged * alive_before * per_layer, axis=-1)}


def limits_can_bind_rows(rl: RowLayers, warheads: int, decoys: int = 0, submunitions: int = 1, xp: Any = np) -> Any:
    """True per row if a present layer's magazine or fire channels could leave an object unserved (an upper
    layer faces the W + D warheads and decoys, a lower one the W m + D submunitions and decoys)."""
    opp = rl.opportunities
    n_obj = xp.where(rl.upper, warheads + decoys, warheads * submunitions + decoys)
    need = n_obj * rl.shots * opp
    bind = (opp > 0) & ((rl.fire_channels < n_obj) | (rl.magazine < need))
    return xp.any(bind, axis=-1)


def simulate_rows(base: Any, per: Any, rl: RowLayers, warheads: int, decoys: int, p_decoy_engaged: float,
                  sls: Doctrine, common_mode: bool = False, p_warhead_engaged: float = 1.0, xp: Any = np,
                  limited: bool | tuple[bool, ...] = True, submunitions: int = 1) -> tuple[Any, Any]:
    """Leakers and interceptors fired (int arrays (R,)) of one raid per row.

    Uniforms: ``base`` (R, n (1 + 2 L)) for classification, then per layer tracking and priority;
    ``per`` (K, R, 2 n L) for opportunity j: per layer kill draws, then look draws (see
    :func:`duel.trials.engine.uniform_blocks`). K = ``per.shape[0]`` must be >= every row's opportunities.

    The raid model of :mod:`duel.defence.raid` (its docstring), with per-row layers: each opportunity serves the
    requesting objects in priority order (fewest engagements so far, then a random draw), at most
    ``fire_channels`` of them, ``shots`` interceptors each while the magazine lasts; a kill needs the
    layer's chain to work (tracking draw) and a hit; shoot-look-shoot drops objects seen killed (always)
    or, with probability 1 - p_ka, survivors wrongly seen killed.

    ``limited`` (for all layers or per layer) False promises that the layer's magazine and channels never
    bind in any row: every requesting object is then served, and the priority sort is skipped (same result,
    less work).

    ``warheads`` W carry ``submunitions`` m each: the objects are the W m submunitions (warhead k // m) and the
    decoys. A layer that engages the warheads (``rl.upper``) engages each warhead through its first
    submunition (its draws), and a kill removes all m (module docstring).
    """
    w, d = warheads * submunitions, decoys
    n = w + d
    r = base.shape[0]
    n_layers = rl.opportunities.shape[-1]
    k_max = per.shape[0]
    k = np.arange(n)
    parent = np.where(k < w, (k // submunitions) * submunitions, k)  # the first submunition of each warhead
    first = xp.asarray(parent == k)[None, :]
    parent = xp.asarray(parent)
    p_engage = xp.asarray(np.concatenate([np.full(w, p_warhead_engaged), np.full(d, p_decoy_engaged)]))
    cols = xp.arange(n)[None, :]
    doctrine, sorting = _sls(sls, n_layers), _sls(limited, n_layers)
    engaged = base[:, :n] < p_engage[None, :]
    alive = xp.ones((r, n), dtype=bool)
    used = xp.zeros(r, dtype=int)
    for i in range(n_layers):
        o = n + 2 * n * i
        u_track, u_prio = base[:, o:o + n], base[:, o + n:o + 2 * n]
        pt, pka, shots = rl.p_track[:, i][:, None], rl.p_kill_assessment[:, i][:, None], rl.shots[:, i][:, None]
        tracked = (u_track[:, :1] < pt) if common_mode else (u_track < pt)
        q = (1.0 - rl.sspk[:, i])[:, None]
        opp = rl.opportunities[:, i][:, None]
        channels = rl.fire_channels[:, i][:, None]
        mag = rl.magazine[:, i]
        upper = rl.upper[:, i][:, None]
        requesting = engaged & alive & (first | ~upper)  # an upper layer engages the warheads
        times = xp.zeros((r, n))
        for j in range(k_max):
            u_kill, u_look = per[j][:, 2 * n * i:2 * n * i + n], per[j][:, 2 * n * i + n:2 * n * (i + 1)]
            asking = requesting & (opp > j)
            if sorting[i]:  # serve in priority order while channels and magazine last
                order = xp.argsort(xp.where(asking, times + u_prio, xp.inf), axis=1, stable=True)
                want = xp.take_along_axis(asking, order, axis=1) & (cols < channels)
                want = want * shots
                before = xp.cumsum(want, axis=1) - want
                want = xp.clip(mag[:, None] - before, 0, want).astype(int)
                mag = mag - xp.sum(want, axis=1)
                alloc = xp.take_along_axis(want, xp.argsort(order, axis=1), axis=1)
                times = times + (alloc > 0)
            else:
                alloc = asking * shots
            killed = u_kill < (1.0 - q**alloc) * tracked
            if submunitions > 1:  # a warhead killed takes its submunitions with it
                killed = xp.where(upper, xp.take(killed, parent, axis=1), killed)
            alive = alive & ~killed
            used = used + xp.sum(alloc, axis=1)
            if doctrine[i]:  # killed objects are recognised; survivors are seen alive with probability p_ka
                dropped = (alloc > 0) & (~alive | (u_look >= pka))
                requesting = requesting & ~dropped
    return xp.sum(alive[:, :w], axis=1), used


def order_layers(t_first: Any, xp: Any = np) -> Any:
    """Row-wise order of the layers (R, B) by earliest window start; layers without a window (inf) last."""
    return xp.argsort(t_first, axis=-1, stable=True)


def leaker_counts(leakers: Any, warheads: int, xp: Any = np) -> Any:
    """Histogram rows: ``leakers`` (R, M) -> (R, W + 1) counts of 0..W leakers."""
    return xp.sum(leakers[..., None] == xp.arange(warheads + 1), axis=-2)
