"""Each service's Alembic folder, by the name tests give `database_url` ("resq")."""

from pathlib import Path

from safewatch.atlas.app import MIGRATIONS as ATLAS
from safewatch.halo.app import MIGRATIONS as HALO
from safewatch.resq.app import MIGRATIONS as RESQ

MIGRATIONS: dict[str, Path] = {"resq": RESQ, "atlas": ATLAS, "halo": HALO}
