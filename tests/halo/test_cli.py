"""`safewatch halo users add|list`, and signing in with the user it made."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from safewatch.cli import app


def test_add_and_list_users(tmp_path: Path) -> None:
    runner = CliRunner()
    args = ["halo", "users", "add", "vera", "--full-name", "Vera Validator", "--role", "validator"]
    added = runner.invoke(
        app, [*args, "--data-dir", str(tmp_path)], env={"HALO_USER_PASSWORD": "long enough pw"}
    )
    assert added.exit_code == 0, added.output
    assert "validator vera added" in added.output
    again = runner.invoke(
        app, [*args, "--data-dir", str(tmp_path)], env={"HALO_USER_PASSWORD": "long enough pw"}
    )
    assert again.exit_code == 1 and "taken" in again.output
    short = runner.invoke(
        app,
        ["halo", "users", "add", "bo", "--full-name", "Bo Ek", "--data-dir", str(tmp_path)],
        env={"HALO_USER_PASSWORD": "short"},
    )
    assert short.exit_code == 1 and "at least 10" in short.output
    listed = runner.invoke(app, ["halo", "users", "list", "--data-dir", str(tmp_path)])
    assert listed.exit_code == 0
    assert "Vera Validator" in listed.output and "bo" not in listed.output.split()
