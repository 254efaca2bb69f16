"""POST /api/auth/token/: username and password in, a bearer access token out."""

from __future__ import annotations

from safewatch.core.auth.sign_in import sign_in_router
from safewatch.halo.deps import get_context
from safewatch.halo.models import User, login_attempts

router = sign_in_router(User, login_attempts, get_context)
