"""The statistics on small hand-made arrays, where the answer can be worked out by hand."""

from __future__ import annotations

import math

import numpy as np
from scipy import sparse

from safewatch.atlas.patterns import stats


def line_weights(n: int) -> sparse.csr_matrix:
    """Cells on a line: each cell's neighbourhood is itself and the cells either side."""
    return sparse.csr_matrix(np.eye(n) + np.eye(n, k=1) + np.eye(n, k=-1))


def test_gi_star_matches_the_formula_worked_by_hand() -> None:
    x = np.array([0, 0, 1, 9, 1, 0, 0, 0, 0, 0], dtype=float)
    z, p = stats.gi_star(x, line_weights(10))
    n, mean = 10, 1.1
    s = math.sqrt((81 + 1 + 1) / n - mean**2)
    # Cell 3: neighbourhood {2, 3, 4} sums to 11 over 3 cells.
    expected = (11 - mean * 3) / (s * math.sqrt((n * 3 - 9) / (n - 1)))
    assert abs(z[3] - expected) < 1e-9
    assert z.argmax() == 3
    # p: 11 of the 11 events in 3 of 10 cells: binomial tail P(X >= 11; 11, 0.3).
    assert abs(p[3] - 0.3**11) < 1e-12 and p[0] == 1.0


def test_gi_star_without_variation_finds_nothing() -> None:
    z, p = stats.gi_star(np.full(6, 2.0), line_weights(6))
    assert (z == 0).all() and (p == 1).all()


def test_fdr_is_benjamini_hochberg() -> None:
    q = stats.fdr(np.array([0.01, 0.04, 0.03, 0.005]))
    # Sorted 0.005, 0.01, 0.03, 0.04 -> x4/1, x4/2, x4/3, x4/4 -> 0.02, 0.02, 0.04, 0.04.
    assert np.allclose(q, [0.02, 0.04, 0.04, 0.02])


def test_rate_rise_flags_a_place_above_its_own_history_not_a_busy_place() -> None:
    # The whole area has 20 of 200 events recently (share 0.1).
    recent = np.array([8, 10, 2, 0])
    total = np.array([10, 100, 90, 0])
    p = stats.rate_rise(recent, total)
    assert p[0] < 1e-5  # 8 of its 10 where 1 was expected
    assert p[1] > 0.4  # busy, but as busy as always
    assert p[3] == 1.0


def test_knox_finds_a_space_time_cluster_and_its_links() -> None:
    rng = np.random.default_rng(1)
    scattered_xy = rng.uniform(0, 10_000, size=(40, 2))
    scattered_t = rng.uniform(0, 30, size=40)
    cluster_xy = np.array([[5000, 5000], [5050, 5000], [5000, 5080], [5100, 5050]])
    cluster_t = np.array([10.0, 10.5, 11.0, 12.0])
    xy = np.vstack([scattered_xy, cluster_xy])
    t = np.concatenate([scattered_t, cluster_t])
    result = stats.knox(xy, t, 200, 3, permutations=199, rng=np.random.default_rng(2))
    assert result.p <= 0.01
    assert result.ratio > 3
    groups = stats.components(len(t), result.links, 3)
    assert [sorted(g.tolist()) for g in groups] == [[40, 41, 42, 43]]


def test_knox_on_scattered_times_is_not_significant() -> None:
    xy = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype=float)  # all close in space
    t = np.array([0.0, 10.0, 20.0, 30.0])  # never within 3 days
    result = stats.knox(xy, t, 200, 3, permutations=99, rng=np.random.default_rng(0))
    assert result.observed == 0 and result.p == 1.0


def test_cross_product_knox_counts_only_pairs_between_groups() -> None:
    xy = np.array([[0, 0], [10, 0], [20, 0]], dtype=float)
    t = np.array([0.0, 0.01, 0.02])
    same = stats.knox(xy, t, 100, 1, groups=np.array([0, 0, 0]), permutations=9)
    mixed = stats.knox(xy, t, 100, 1, groups=np.array([0, 1, 1]), permutations=9)
    assert same.observed == 0
    assert mixed.observed == 2  # 0-1 and 0-2; 1-2 is one product


def test_peak_hours_finds_the_evening_block() -> None:
    hours = np.array([18, 19, 19, 20, 21, 18, 19, 17, 3])
    start, count, p = stats.peak_hours(hours, np.full(stats.BLOCKS, 1 / stats.BLOCKS))
    assert (start, count) == (16, 6)  # 16-20h holds 17, 18, 18, 19, 19, 19
    assert p < 0.01


def test_hour_profile_never_has_an_empty_block() -> None:
    profile = stats.hour_profile(np.array([1, 2, 3]))
    assert profile.min() > 0 and math.isclose(profile.sum(), 1.0)
