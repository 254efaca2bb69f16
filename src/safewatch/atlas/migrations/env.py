import safewatch.atlas.media.models  # noqa: F401  (media tables join Atlas's metadata)
from safewatch.atlas.models import Base
from safewatch.core.db.migrations import run_env

run_env(Base.metadata)
