from safewatch.core.db.migrations import run_env
from safewatch.halo.models import Base

run_env(Base.metadata, "safewatch.halo")
