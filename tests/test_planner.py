"""The arena planner is a pure function: property tests on random lifetimes."""
import random

import pytest

from tflite_rt import _native

ALIGN = 64


def _check(sizes, firsts, lasts):
    offsets, total = _native.plan_arena(sizes, firsts, lasts, ALIGN)
    n = len(sizes)
    for i in range(n):
        assert offsets[i] % ALIGN == 0
        if sizes[i]:
            assert offsets[i] + sizes[i] <= total
    for i in range(n):
        for j in range(i + 1, n):
            if not sizes[i] or not sizes[j]:
                continue
            if firsts[i] <= lasts[j] and firsts[j] <= lasts[i]:
                a0, a1 = offsets[i], offsets[i] + sizes[i]
                b0, b1 = offsets[j], offsets[j] + sizes[j]
                assert a1 <= b0 or b1 <= a0, f"buffers {i} and {j} overlap in time and space"
    # lower bound: at every step, everything alive must fit
    steps = range(min(firsts, default=0), max(lasts, default=0) + 1)
    peak = max((sum(-(-sizes[i] // ALIGN) * ALIGN for i in range(n) if firsts[i] <= s <= lasts[i]) for s in steps),
               default=0)
    assert total >= peak
    return offsets, total


@pytest.mark.parametrize("seed", range(200))
def test_random_lifetimes(seed):
    rng = random.Random(seed)
    n = rng.randint(0, 40)
    steps = rng.randint(1, 30)
    firsts = [rng.randrange(steps) for _ in range(n)]
    lasts = [f + rng.randrange(steps - f) for f in firsts]
    sizes = [rng.choice([0, 1, 63, 64, 65, rng.randint(1, 5000)]) for _ in range(n)]
    _check(sizes, firsts, lasts)


def test_chain_reuses_memory():
    # a chain a->b->c->d: each buffer lives two steps; only two are ever alive at once
    sizes = [1000, 1000, 1000, 1000]
    firsts = [0, 1, 2, 3]
    lasts = [1, 2, 3, 4]
    _, total = _check(sizes, firsts, lasts)
    assert total == 2 * 1024


def test_disjoint_buffers_share_offset_zero():
    offsets, total = _check([100, 200], [0, 1], [0, 1])
    assert offsets == [0, 0] and total == 256


def test_best_fit_gap():
    # big(0..2) and small(0..2) placed; a medium buffer alive at step 1 only must not overlap either
    _check([4096, 128, 1024, 64], [0, 0, 1, 2], [2, 2, 1, 2])
