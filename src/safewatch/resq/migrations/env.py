from safewatch.core.db.migrations import run_env
from safewatch.resq.models import Base

run_env(Base.metadata, "safewatch.resq")
