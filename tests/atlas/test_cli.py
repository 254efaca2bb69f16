"""`safewatch atlas ...` as an operator uses it: keys, training and the model registry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from safewatch.atlas.ml.model import TextModel
from safewatch.atlas.training import shipped
from safewatch.cli import app as cli

runner = CliRunner()


def run(*args: str) -> str:
    result = runner.invoke(cli, ["atlas", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_keys_are_shown_once_listed_by_prefix_and_revoked(tmp_path: Path) -> None:
    data = ("--data-dir", str(tmp_path))
    created = run("keys", "create", "--product", "halo", "--label", "mobile app", *data)
    secret = created.strip().splitlines()[-1]
    assert secret.startswith("atlas_halo_") and len(secret) > 40
    listing = run("keys", "list", *data)
    assert "mobile app" in listing and secret not in listing
    assert secret[:17] in listing, "the prefix tells keys apart"
    wrong = runner.invoke(cli, ["atlas", "keys", "revoke", "1", "--product", "sait", *data])
    assert wrong.exit_code == 1 and "no live key 1" in wrong.output
    assert "revoked" in run("keys", "revoke", "1", "--product", "halo", *data)
    unknown = runner.invoke(cli, ["atlas", "keys", "create", "--product", "police", *data])
    assert unknown.exit_code == 1 and "halo, frontline, sait, resq" in unknown.output


def test_train_promote_and_rollback(tmp_path: Path) -> None:
    data = ("--data-dir", str(tmp_path))
    first = run("train", "--sample", "3000", *data)
    assert "promoted (first model)" in first
    second = run("train", "--sample", "3000", *data)
    assert "not promoted (no recent feedback" in second
    versions = re.findall(r"v\d{8}-\d{6}-cli[0-9a-f]{4}", run("models", "list", *data))
    assert len(set(versions)) == 2
    champion, rejected = sorted(set(versions))
    listing = run("models", "list", *data)
    assert re.search(rf"{champion}\s+│\s+champion", listing)
    assert re.search(rf"{rejected}\s+│\s+rejected", listing)
    run("models", "promote", rejected, *data)
    run("models", "rollback", champion, *data)
    assert re.search(rf"{champion}\s+│\s+champion", run("models", "list", *data))
    not_served = runner.invoke(cli, ["atlas", "models", "rollback", champion, *data])
    assert not_served.exit_code == 1 and "champion" in not_served.output
    assert (tmp_path / "models" / f"{champion}.npz").is_file()


def test_train_base_writes_an_artifact_outside_the_registry(tmp_path: Path) -> None:
    out = tmp_path / "base.npz"
    data = ("--data-dir", str(tmp_path))
    built = " ".join(run("train", "--base", "--sample", "400", "--out", str(out), *data).split())
    assert "base.npz: base model," in built and "validation macro-F1 0." in built
    base = TextModel.load(out).meta["base"]
    assert base["sample"] == 400 and base["trained_on"]["data_fingerprint"]
    assert not (tmp_path / "models").exists(), "the registry and model dir are left alone"
    with pytest.raises(shipped.ShippedModelUnusable, match="sample of 400 rows"):
        shipped.install(tmp_path / "models", out)
    stray = runner.invoke(cli, ["atlas", "train", "--out", str(out), *data])
    assert stray.exit_code == 2 and "--out is for --base only" in stray.output
