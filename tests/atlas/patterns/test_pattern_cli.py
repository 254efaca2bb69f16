"""`safewatch atlas import` and `safewatch atlas forecast` as an operator runs them."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from safewatch.cli import app as cli

runner = CliRunner()
HEADER = "id,occurred_at,lat,lon,category,severity,source_label\n"
GOOD = [
    "a1,2025-05-01T10:00:00-05:00,29.42,-98.49,theft,2,Theft",
    "a2,2025-05-02T11:00:00-05:00,29.43,-98.48,burglary,3,Burglary Of Residence",
    "a3,2025-05-03T12:00:00,29.44,-98.47,violence,3,Assault",
]
BAD = [
    "b1,yesterday,29.42,-98.49,theft,2,Theft",  # line 5
    "b2,2025-05-01T10:00:00-05:00,123,-98.49,theft,2,Theft",  # line 6
    "b3,2025-05-01T10:00:00-05:00,29.42,-98.49,spaceship,2,Theft",  # line 7
    "b4,2025-05-01T10:00:00-05:00,29.42",  # line 8
]


def threats(data: Path) -> list[tuple[str, str, str]]:
    engine = create_engine(f"sqlite:///{data / 'atlas.db'}")
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT reference, category, product FROM threats ORDER BY reference")
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_import_loads_good_rows_reports_bad_lines_and_skips_repeats(tmp_path: Path) -> None:
    source = tmp_path / "points.csv.gz"
    with gzip.open(source, "wt") as handle:
        handle.write(HEADER + "\n".join(GOOD + BAD) + "\n")
    data = ("--data-dir", str(tmp_path))
    first = runner.invoke(cli, ["atlas", "import", str(source), "--product", "sait", *data])
    assert first.exit_code == 0, first.output
    assert "3 rows imported for sait" in first.output and "4 bad rows skipped" in first.output
    assert "line 5: occurred_at 'yesterday' is not an ISO 8601 time" in first.output
    assert "line 6: lat 123.0 is outside -90..90" in first.output
    assert "line 7: category 'spaceship' is not in the taxonomy" in first.output
    assert "line 8: 3 columns where the header has 7" in first.output
    assert threats(tmp_path) == [
        ("a1", "theft", "sait"),
        ("a2", "burglary", "sait"),
        ("a3", "violence", "sait"),
    ]
    again = runner.invoke(cli, ["atlas", "import", str(source), "--product", "sait", *data])
    assert again.exit_code == 0 and len(threats(tmp_path)) == 3  # same ids: nothing doubled


def test_import_reads_a_plain_csv_too(tmp_path: Path) -> None:
    source = tmp_path / "points.csv"
    source.write_text(HEADER + "\n".join(GOOD) + "\n")
    data = ("--data-dir", str(tmp_path))
    result = runner.invoke(cli, ["atlas", "import", str(source), "--product", "sait", *data])
    assert result.exit_code == 0, result.output
    assert "3 rows imported for sait" in result.output
    assert len(threats(tmp_path)) == 3


def test_import_refuses_a_file_without_the_columns(tmp_path: Path) -> None:
    source = tmp_path / "points.csv"
    source.write_text("when,where\n2025-01-01,here\n")
    result = runner.invoke(
        cli, ["atlas", "import", str(source), "--product", "halo", "--data-dir", str(tmp_path)]
    )
    said = " ".join(result.output.split())  # rich wraps long lines
    assert result.exit_code == 1
    assert "lacks occurred_at, lat, lon, category" in said and "nothing was imported" in said


def write_points(path: Path, rows: list[tuple[str, float, float, str]]) -> None:
    path.write_text(
        "occurred_at,lat,lon,category\n" + "".join(f"{t},{a},{b},{c}\n" for t, a, b, c in rows)
    )


def read_scores(path: Path) -> dict[str, float]:
    with path.open() as handle:
        return {row["id"]: float(row["score"]) for row in csv.DictReader(handle)}


def test_forecast_ranks_given_cells_using_only_rows_before_the_date(tmp_path: Path) -> None:
    busy, quiet, other = (29.4200, -98.4900), (29.4300, -98.4700), (29.4400, -98.4500)
    past = [(f"2025-04-{d:02d}T12:00:00Z", *busy, "theft") for d in range(1, 11)]
    past += [("2025-04-05T12:00:00Z", *quiet, "theft")]
    future = [(f"2025-06-{d:02d}T12:00:00Z", *other, "theft") for d in range(1, 20)]
    (cells := tmp_path / "cells.csv").write_text(
        "id,lat,lon\nbusy,{},{}\nquiet,{},{}\nother,{},{}\n".format(*busy, *quiet, *other)
    )
    answers = []
    for name, rows in (("all", past + future), ("past", past)):
        write_points(points := tmp_path / f"{name}.csv", rows)
        out = tmp_path / f"{name}-scores.csv"
        args = ["atlas", "forecast", str(points), "--at", "2025-05-01", "--horizon", "7d"]
        result = runner.invoke(cli, [*args, "--cells", str(cells), "--out", str(out)])
        assert result.exit_code == 0, result.output
        answers.append(read_scores(out))
    assert answers[0] == answers[1], "rows after --at change nothing"
    assert answers[0]["busy"] > answers[0]["quiet"] > answers[0]["other"]


def test_forecast_default_grid_and_bad_horizon(tmp_path: Path) -> None:
    write_points(
        points := tmp_path / "points.csv", [("2025-04-01T00:00:00Z", 29.42, -98.49, "theft")]
    )
    out = tmp_path / "scores.csv"
    args = ["atlas", "forecast", str(points), "--at", "2025-05-01", "--out", str(out)]
    assert runner.invoke(cli, args).exit_code == 0
    scores = read_scores(out)
    assert len(scores) > 40 and max(scores.values()) > 0  # 150 m cells within 500 m of the event
    banana = runner.invoke(cli, [*args, "--horizon", "banana"])
    assert banana.exit_code == 2 and "7d or 30d" in banana.output
