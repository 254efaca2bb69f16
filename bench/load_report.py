"""The load run's table: locust's per-route figures beside /healthz on the same service."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from bench.load import LoadResult

SHOWN = 5  # failures, exceptions and log lines printed per kind


def percentile(row: dict[str, str], column: str) -> float | None:
    value = row.get(column, "N/A")
    return None if value in ("N/A", "") else float(value)


def ratio(value: float | None, reference: float | None) -> str:
    if value is None or not reference:
        return "-"
    return f"{value / reference:.1f}"


def routes_table(result: LoadResult) -> Table:
    routes, total = result.rows[:-1], result.rows[-1]
    healthz = {row["Name"].split()[0]: row for row in routes if row["Name"].endswith("/healthz")}
    table = Table(title=f"Load: {result.seconds} s, per route (locust's CSV stats)")
    table.add_column("route")
    for column in ("requests", "errors", "p50 ms", "p95 ms", "p99 ms", "p50 x", "p95 x"):
        table.add_column(column, justify="right")
    for row in sorted(routes, key=lambda r: r["Name"]):
        probe = healthz.get(row["Name"].split()[0], {})
        p50, p95, p99 = (percentile(row, c) for c in ("50%", "95%", "99%"))
        table.add_row(
            row["Name"],
            row["Request Count"],
            row["Failure Count"],
            *(f"{p:.0f}" if p is not None else "-" for p in (p50, p95, p99)),
            ratio(p50, percentile(probe, "50%")),
            ratio(p95, percentile(probe, "95%")),
        )
    table.add_row(
        "all routes",
        total["Request Count"],
        total["Failure Count"],
        *(total[c] for c in ("50%", "95%", "99%")),
        "",
        "",
        style="bold",
    )
    return table


def report_load(console: Console, result: LoadResult) -> None:
    console.print(routes_table(result))
    console.print(
        "p50 x, p95 x: the route's percentile over /healthz's on the same service in the same "
        "run (the event loop's queue and the HTTP stack, no work)."
    )
    for note in result.notes:
        console.print(f"note: {note}")
    for failure in result.failures[:SHOWN]:
        console.print(
            f"failed {failure['Occurrences']}x: {failure['Method']} {failure['Name']}: "
            f"{failure['Error']}"
        )
    for exception in result.exceptions[:SHOWN]:
        console.print(f"locustfile raised {exception['Count']}x: {exception['Message']}")
    for log, lines in result.log_errors.items():
        console.print(f"{log}: {len(lines)} error lines, the first: {lines[0][:300]}")
    if result.log_warnings:
        counts = ", ".join(f"{event} {n}" for event, n in result.log_warnings.most_common())
        console.print(f"warnings in the servers' logs: {counts}")
    queues = "; ".join(
        f"{service} {c.get('done', 0)} done, {c.get('pending', 0)} pending "
        f"({c.get('due', 0)} due), {c.get('dead', 0)} dead"
        for service, c in result.jobs.items()
    )
    console.print(f"jobs after the run: {queues}")
    sources = ", ".join(f"{n} by {s}" for s, n in sorted(result.halo_sources.items()))
    console.print(f"Halo incidents classified: {sources or 'none'}")
    console.print(f"PostgreSQL connections open at once, at most: {result.connections}")
    if result.cpu:
        console.print(
            "cores busy: " + ", ".join(f"{name} {busy:.2f}" for name, busy in result.cpu.items())
        )
    verdict = "met" if result.passed else "MISSED"
    console.print(
        f"errors: {result.request_errors} requests, {result.server_errors} in the servers "
        f"(dead jobs, error log lines); 0 and 0 is the pass criterion: {verdict}"
    )
