"""The printed report: one table per database and a verdict on each target, never rounded up."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bench.cpu import cores
from bench.detections import CONCURRENCY, Result, outcome_summary

TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
COLUMNS = (
    "scenario",
    "requests",
    "errors",
    "req/s",
    "p50 ms",
    "p99 ms",
    "ratio",
    "server CPU",
    "client CPU",
    "db CPU",
    "other CPU",
    "outcomes",
)


def ratio(result: Result, reference: Result) -> float:
    return result.per_second / reference.per_second if reference.per_second else 0.0


def report(console: Console, backend: str, results: list[Result], *, seconds: float) -> None:
    """`results[0]` is the baseline; the others are ResQ scenarios."""
    reference, *resq = results
    console.print(table(backend, results, seconds))
    for result in results:
        for status, sample in result.error_samples.items():
            what = "connection error" if status == 0 else f"HTTP {status}"
            console.print(
                f"  [red]{result.scenario}: {result.statuses[status]:,} x {what}[/]: {sample}"
            )
    busy = [r.scenario for r in results if r.cpu and r.cpu.other > 0.1 * cores()]
    if busy:
        console.print(
            "  [yellow]Other processes used over 10% of the machine during: "
            f"{'; '.join(busy)}. Those figures understate what the code can do.[/]"
        )
    verdicts(console, backend, reference, resq)


def table(backend: str, results: list[Result], seconds: float) -> Table:
    reference = results[0]
    rendered = Table(
        title=f"{backend}: {CONCURRENCY} concurrent clients, {seconds:g} s per scenario",
        title_justify="left",
        caption=f"req/s counts 2xx only; ratio = req/s / baseline req/s. CPU = cores busy over "
        f"the window (1.00 = one of {cores()}): the server, the load generator, PostgreSQL "
        "(PostgreSQL runs only) and everything else.",
        caption_justify="left",
    )
    for column in COLUMNS:
        rendered.add_column(
            column, justify="left" if column in ("scenario", "outcomes") else "right"
        )
    for result in results:
        labels = [(201, "inserted")] if result is reference else [(201, "created"), (200, "joined")]
        rendered.add_row(
            result.scenario,
            f"{result.requests:,}",
            f"{result.errors:,}",
            f"{result.per_second:,.0f}",
            f"{result.percentile_ms(0.50):.1f}",
            f"{result.percentile_ms(0.99):.1f}",
            f"{ratio(result, reference):.2f}",
            *cpu_cells(result),
            outcome_summary(result, labels),
        )
    return rendered


def cpu_cells(result: Result) -> tuple[str, ...]:
    cpu = result.cpu
    if cpu is None:
        return ("n/a",) * 4
    return tuple(f"{share:.2f}" for share in (cpu.server, cpu.client, cpu.database, cpu.other))


def verdicts(console: Console, backend: str, reference: Result, resq: list[Result]) -> None:
    note = "" if backend == "sqlite" else " (the issue sets them for SQLite; shown for reference)"
    console.print(f"Targets: ratio >= {TARGET_RATIO}, p99 <= {TARGET_P99_MS:g} ms{note}")
    for result in resq:
        p99 = result.percentile_ms(0.99)
        checks = [
            (f"ratio {ratio(result, reference):.2f}", ratio(result, reference) >= TARGET_RATIO),
            (f"p99 {p99:.1f} ms", p99 <= TARGET_P99_MS),
            (f"{result.errors:,} errors", result.errors == 0),
        ]
        marks = ", ".join(
            f"{text} [{'green' if ok else 'red'}]{'met' if ok else 'MISSED'}[/]"
            for text, ok in checks
        )
        console.print(f"  {result.scenario}: {marks}")
