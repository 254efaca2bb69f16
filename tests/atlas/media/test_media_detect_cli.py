"""`safewatch detect` against a real Atlas and a real ResQ, each in its own process."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import skimage.data
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from tests.atlas.conftest import KEYS
from tests.atlas.media.media_samples import constant_detector, jpeg, scene, wav
from typer.testing import CliRunner

from safewatch.cli import app
from safewatch.core.testing.servers import free_port, serve_process
from safewatch.detector.bridge import Bridge, Config
from safewatch.detector.cli import watch
from safewatch.detector.ledger import Ledger
from safewatch.resq.models.incidents import AIEvent

pytestmark = pytest.mark.server
BEACON = "safe:uuid:403:403"
TOKEN = "resq-ai-token-for-tests"


@pytest.fixture
def services(database_url: Callable[[str], str], tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """(Atlas URL, ResQ URL, ResQ database URL); Atlas sees a knife in every photo.

    Atlas trains its text model on a small sample at start: media analysis does not use it.
    """
    (tmp_path / "labels.txt").write_text("person\nknife\n")
    knife = np.zeros((6, 1), np.float32)
    knife[:4, 0] = (300, 320, 80, 60)
    knife[5, 0] = 0.88
    atlas_env = {
        "ATLAS_DATABASE_URL": database_url("atlas"),
        "ATLAS_MODEL_DIR": str(tmp_path / "models"),
        "ATLAS_TRAINING_SAMPLE": "2000",
        "API_KEY_RESQ": KEYS["resq"],
        "ATLAS_MEDIA_PHOTO_MODEL": str(constant_detector(tmp_path / "knife.onnx", knife, 640)),
        "ATLAS_MEDIA_PHOTO_LABELS": str(tmp_path / "labels.txt"),
    }
    resq_db = database_url("resq")
    resq_env = {"RESQ_DATABASE_URL": resq_db, "RESQ_AI_TOKEN": TOKEN}
    (tmp_path / "atlas").mkdir()
    (tmp_path / "resq").mkdir()
    with (
        serve_process("atlas", data_dir=tmp_path / "atlas", env=atlas_env) as atlas,
        serve_process(
            "resq", data_dir=tmp_path / "resq", env=resq_env, extra_args=("--demo",)
        ) as resq,
    ):
        yield atlas, resq, resq_db


async def ai_events(database: str) -> list[tuple[str, float, str]]:
    engine = create_async_engine(database)
    try:
        async with engine.connect() as connection:
            query = select(AIEvent.event_type, AIEvent.confidence_score, AIEvent.description)
            return [tuple(row) for row in await connection.execute(query.order_by(AIEvent.id))]  # type: ignore[misc]
    finally:
        await engine.dispose()


async def run(*args: str) -> tuple[int, str]:
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args))
    return result.exit_code, result.output


async def test_detections_reach_resq_once_with_their_evidence(
    services: tuple[str, str, str], tmp_path: Path
) -> None:
    atlas, resq, resq_db = services
    clips = tmp_path / "camera"
    clips.mkdir()
    (clips / "entrance.jpg").write_bytes(jpeg(skimage.data.coffee()))
    (clips / "scream.wav").write_bytes(wav(scene(31, 5.0, [("scream", 1.5)], snr_db=20)))
    (clips / "quiet.wav").write_bytes(wav(scene(32, 4.0, [])))
    ledger = tmp_path / "ledger.db"
    common = ["--beacon", BEACON, "--atlas", atlas, "--atlas-key", KEYS["resq"]]
    common += ["--resq-token", TOKEN, "--ledger", str(ledger)]

    code, output = await run("detect", str(clips), "--resq", resq, *common)
    assert code == 0, output
    assert "violence 0.88 posted: incident_created" in output
    assert "scream" in output and "signal_added_to_existing" in output, "same beacon, same incident"
    events = await ai_events(resq_db)
    assert [(kind, score) for kind, score, _ in events] == [
        ("violence", 0.88),
        ("scream", pytest.approx(events[1][1])),
    ]
    assert events[0][2].startswith("Fight or weapon detected in entrance.jpg: knife 0.88")
    assert "scream" in events[1][2] and " s " in events[1][2], "the event's time is in the text"

    code, output = await run("detect", str(clips), "--resq", resq, *common)
    assert code == 0 and output.count("already posted") == 2, output
    assert len(await ai_events(resq_db)) == 2, "a rerun never posts the same clip again"

    # ResQ unreachable: the post fails after its retries, and the next run delivers it.
    (clips / "later.png").write_bytes(jpeg(skimage.data.rocket()))
    closed = f"http://127.0.0.1:{free_port()}"
    code, output = await run(
        "detect", str(clips / "later.png"), "--resq", closed, "--retries", "1", *common
    )
    assert code == 1 and "NOT posted: ConnectError" in output, output
    code, output = await run("detect", str(clips / "later.png"), "--resq", resq, *common)
    assert code == 0 and "posted: signal_added_to_existing" in output, output
    assert len(await ai_events(resq_db)) == 3

    # A wrong token is a final answer, not something to retry.
    (clips / "other.jpg").write_bytes(jpeg(skimage.data.astronaut()))
    wrong = [*common[:-4], "--resq-token", "nope", "--ledger", str(ledger)]
    code, output = await run("detect", str(clips / "other.jpg"), "--resq", resq, *wrong)
    assert code == 1 and "HTTP 401" in output


async def test_watch_takes_new_files_once_they_are_complete(
    services: tuple[str, str, str], tmp_path: Path
) -> None:
    atlas, resq, resq_db = services
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "cam1.jpg").write_bytes(jpeg(skimage.data.coffee()))
    config = Config(
        beacon=BEACON, atlas_url=atlas, atlas_key=KEYS["resq"], resq_url=resq, resq_token=TOKEN
    )
    ledger = Ledger(tmp_path / "watch.db")
    try:
        with httpx.Client() as http:
            bridge = Bridge(config, ledger, http)
            await asyncio.to_thread(watch, bridge, folder, 0.1, 1)
            assert await ai_events(resq_db) == [], "a file is taken once its size is seen twice"
            await asyncio.to_thread(watch, bridge, folder, 0.1, 3)
    finally:
        ledger.close()
    assert [kind for kind, _, _ in await ai_events(resq_db)] == ["violence"]
