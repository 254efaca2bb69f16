"""How fast validated feedback teaches the text model a new domain, and what it costs elsewhere.

The UCPD rows (Chicago campus police, English) stand in for a new deployment's feedback: a
model is trained without any of them, then retrained with `fit_with_feedback` on N of them
(N = 500, 1000, 2000) for each feedback weight. Scored on UCPD rows never used as feedback
and on the validation split of the other sources (which must not lose more than 1 point).
Also times one-text predictions of the last model.

    python -m bench --only learning_curve
    python -m bench.learning_curve --weights 1,4 --sizes 500,2000
"""

from __future__ import annotations

import argparse
import hashlib
import math
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

from rich.console import Console
from rich.table import Table

from safewatch.atlas.ml.dataset import Example, is_validation, load_bundled, normalise
from safewatch.atlas.ml.model import TextModel
from safewatch.atlas.ml.train import DEFAULT, fit, fit_with_feedback, macro_f1

NEW_SOURCE = "ucpd"
POOL_PERCENT = 60  # of the UCPD texts: the feedback pool; the rest is held out
SIZES = (500, 1000, 2000)
MAX_REGRESSION = 0.01
LATENCY_SAMPLES = 1000


@dataclass(frozen=True)
class Split:
    base: list[Example]  # other sources' training rows
    others_held_out: list[Example]  # other sources' validation rows
    pool: list[Example]  # UCPD rows that may be fed back, in a fixed random order
    new_held_out: list[Example]  # UCPD rows never fed back


@dataclass(frozen=True)
class Point:
    size: int
    weight: float
    new_f1: float
    others_f1: float
    fit_seconds: float


def in_pool(text: str) -> bool:
    """By normalised text, so a repeated UCPD sentence is either feedback or held out."""
    digest = hashlib.sha1(f"learning-curve\x1f{normalise(text)}".encode()).hexdigest()
    return int(digest[:8], 16) % 100 < POOL_PERCENT


def split(examples: Sequence[Example]) -> Split:
    new = [e for e in examples if e.source == NEW_SOURCE]
    others = [e for e in examples if e.source != NEW_SOURCE]
    pool = [Example(e.text, e.label) for e in new if in_pool(e.text)]  # as feedback arrives
    random.Random(0).shuffle(pool)
    return Split(
        base=[e for e in others if not is_validation(e.text)],
        others_held_out=[e for e in others if is_validation(e.text)],
        pool=pool,
        new_held_out=[e for e in new if not in_pool(e.text)],
    )


def measure(model: TextModel, data: Split, size: int, weight: float, seconds: float) -> Point:
    return Point(
        size,
        weight,
        macro_f1(model, data.new_held_out),
        macro_f1(model, data.others_held_out),
        seconds,
    )


def curve(
    data: Split, sizes: Sequence[int], weights: Sequence[float], console: Console
) -> tuple[list[Point], TextModel]:
    started = time.perf_counter()
    model = fit(data.base)
    points = [measure(model, data, 0, 0.0, time.perf_counter() - started)]
    console.print(f"  N=0: fitted in {points[0].fit_seconds:.1f} s")
    for weight in weights:
        recipe = replace(DEFAULT, feedback_weight=weight)
        for size in sizes:
            started = time.perf_counter()
            model = fit_with_feedback(data.base, data.pool[:size], recipe=recipe)
            points.append(measure(model, data, size, weight, time.perf_counter() - started))
            console.print(
                f"  N={size}, weight {weight:g}: fitted in {points[-1].fit_seconds:.1f} s"
            )
    return points, model


def latency_ms(model: TextModel, texts: Sequence[str]) -> tuple[float, float]:
    for text in texts[:50]:  # warm-up
        model.predict([text])
    samples = []
    for text in texts:
        started = time.perf_counter()
        model.predict([text])
        samples.append(time.perf_counter() - started)
    samples.sort()

    def at(fraction: float) -> float:
        return samples[max(1, math.ceil(fraction * len(samples))) - 1] * 1000

    return at(0.5), at(0.99)


def report(console: Console, points: Sequence[Point], data: Split) -> None:
    zero = points[0]
    table = Table(
        title=f"Feedback learning curve: {NEW_SOURCE} as the new domain "
        f"(held out: {len(data.new_held_out)} {NEW_SOURCE}, {len(data.others_held_out)} others)"
    )
    for column in ("N feedback", "weight", f"{NEW_SOURCE} macro-F1", "others macro-F1"):
        table.add_column(column, justify="right")
    table.add_column("others vs N=0", justify="right")
    table.add_column("fit", justify="right")
    for p in points:
        delta = p.others_f1 - zero.others_f1
        style = "red" if delta < -MAX_REGRESSION else ""
        table.add_row(
            str(p.size),
            "-" if p.size == 0 else f"{p.weight:g}",
            f"{p.new_f1:.4f}",
            f"{p.others_f1:.4f}",
            f"[{style}]{delta:+.4f}[/]" if style else f"{delta:+.4f}",
            f"{p.fit_seconds:.1f} s",
        )
    console.print(table)


def run(
    console: Console,
    sizes: Sequence[int] = SIZES,
    weights: Sequence[float] = (DEFAULT.feedback_weight,),
) -> list[Point]:
    console.print(
        f"[bold]learning curve[/]: feedback weights {', '.join(f'{w:g}' for w in weights)}; "
        f"{1 + len(sizes) * len(weights)} fits of ~60k rows"
    )
    data = split(load_bundled())
    points, model = curve(data, sizes, weights, console)
    report(console, points, data)
    texts = [e.text for e in data.new_held_out + data.others_held_out]
    p50, p99 = latency_ms(model, random.Random(1).sample(texts, LATENCY_SAMPLES))
    console.print(
        f"one-text predict over {LATENCY_SAMPLES} texts: p50 {p50:.2f} ms, p99 {p99:.2f} ms"
    )
    return points


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench.learning_curve", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--weights", default=f"{DEFAULT.feedback_weight:g}")
    args = parser.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 150)
    run(
        console,
        [int(s) for s in args.sizes.split(",")],
        [float(w) for w in args.weights.split(",")],
    )


if __name__ == "__main__":
    main()
