"""What the detector has done, by clip content hash: nothing is posted to ResQ twice.

A plain SQLite file beside the detector (stdlib `sqlite3`): a clip's Atlas answer is kept once
it arrives, and each ResQ post is marked once ResQ accepted it. A rerun only does what is
missing: a clip whose post failed is posted again; a posted one never is.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from safewatch.contracts.atlas import AnalysisOut

SCHEMA = """
CREATE TABLE IF NOT EXISTS clips (
    sha256 TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    analysis TEXT NOT NULL,
    analysed_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS posts (
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    detail TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (sha256, kind)
);
"""


class Ledger:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        self._db.close()

    def analysis(self, sha256: str) -> AnalysisOut | None:
        with closing(
            self._db.execute("SELECT analysis FROM clips WHERE sha256 = ?", (sha256,))
        ) as c:
            row = c.fetchone()
        return AnalysisOut.model_validate_json(row[0]) if row else None

    def remember_analysis(self, sha256: str, path: Path, analysis: AnalysisOut) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO clips VALUES (?, ?, ?, ?)",
            (sha256, str(path), analysis.model_dump_json(), _now()),
        )

    def posted(self, sha256: str, kind: str) -> dict[str, Any] | None:
        query = "SELECT detail FROM posts WHERE sha256 = ? AND kind = ? AND status = 'posted'"
        with closing(self._db.execute(query, (sha256, kind))) as cursor:
            row = cursor.fetchone()
        return json.loads(row[0]) if row else None

    def record_post(self, sha256: str, kind: str, status: str, detail: dict[str, Any]) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO posts VALUES (?, ?, ?, ?, ?)",
            (sha256, kind, status, json.dumps(detail), _now()),
        )


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
