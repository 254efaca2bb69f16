from safewatch.atlas.models import Base
from safewatch.core.db.migrations import run_env

run_env(Base.metadata, "safewatch.atlas")
