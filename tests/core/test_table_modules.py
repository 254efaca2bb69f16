"""Every service's migration env sees all its tables: a table outside the table modules'
naming convention would be invisible to `alembic revision --autogenerate`, which would then
write a migration dropping it."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import pytest
from sqlalchemy import MetaData

from safewatch.core.db.migrations import table_modules

SERVICES = ("resq", "atlas", "halo")


def _metadata(service: str) -> MetaData:
    base = importlib.import_module(f"safewatch.{service}.models").Base
    assert isinstance(base.metadata, MetaData)
    return base.metadata


def _tables_env_py_sees(service: str) -> list[str]:
    # A fresh interpreter: here the test run has long imported every module already.
    script = (
        "import importlib, json, sys\n"
        "from safewatch.core.db.migrations import import_models\n"
        "import_models(f'safewatch.{sys.argv[1]}')\n"
        "base = importlib.import_module(f'safewatch.{sys.argv[1]}.models').Base\n"
        "print(json.dumps(sorted(base.metadata.tables)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, service], capture_output=True, text=True, check=True
    )
    return list(json.loads(done.stdout))


@pytest.mark.parametrize("service", SERVICES)
def test_the_migration_env_sees_every_table_of_the_service(service: str) -> None:
    package = importlib.import_module(f"safewatch.{service}")
    for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        importlib.import_module(module.name)
    assert _tables_env_py_sees(service) == sorted(_metadata(service).tables)


def test_table_modules_follow_the_convention() -> None:
    assert "safewatch.atlas.patterns.models" in table_modules("safewatch.atlas")
    assert "safewatch.atlas.media.models" in table_modules("safewatch.atlas")
    assert "safewatch.resq.models.campus" in table_modules("safewatch.resq")
