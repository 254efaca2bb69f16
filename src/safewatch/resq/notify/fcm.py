"""Firebase Cloud Messaging HTTP v1, with service-account OAuth from google-auth.

Retries belong to the job queue, not to this class: one call is one HTTP request, and the
result says whether to retry (429/5xx, honouring Retry-After), drop the token (UNREGISTERED)
or give up on this device (invalid request).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from google.auth.transport.requests import Request as GoogleRequest
from google.oauth2 import service_account

from safewatch.resq.notify.base import PushMessage, PushResult

FCM_SCOPE = "https://www.googleapis.com/auth/firebase.messaging"
_RETRYABLE_CODES = {"QUOTA_EXCEEDED", "UNAVAILABLE", "INTERNAL"}
_RETRYABLE_STATUS = {429, 500, 502, 503, 504}


def parse_retry_after(value: str | None) -> float | None:
    """Retry-After as seconds or as an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def fcm_error_code(payload: Any) -> str | None:
    """The FcmError errorCode (e.g. UNREGISTERED) from an FCM v1 error body, else its status."""
    error = payload.get("error") if isinstance(payload, dict) else None
    if not isinstance(error, dict):
        return None
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return str(detail["errorCode"])
    return error.get("status")


class FcmNotifier:
    channel = "fcm"
    needs_device = True

    def __init__(
        self,
        *,
        project_id: str,
        credentials: service_account.Credentials,
        endpoint: str = "https://fcm.googleapis.com",
        timeout: float = 10.0,
    ) -> None:
        self._url = f"{endpoint.rstrip('/')}/v1/projects/{project_id}/messages:send"
        self._credentials = credentials
        self._client = httpx.AsyncClient(timeout=timeout)
        self._refresh_lock = asyncio.Lock()

    @classmethod
    def from_file(cls, path: str, **kwargs: Any) -> FcmNotifier:
        credentials = service_account.Credentials.from_service_account_file(
            path, scopes=[FCM_SCOPE]
        )
        return cls(credentials=credentials, **kwargs)

    async def _access_token(self, force: bool = False) -> str:
        async with self._refresh_lock:
            if force or not self._credentials.valid:
                # google-auth is synchronous; keep its token exchange off the event loop.
                await asyncio.to_thread(self._credentials.refresh, GoogleRequest())
            return str(self._credentials.token)

    async def send(self, token: str | None, message: PushMessage) -> PushResult:
        if not token:
            return PushResult("failed", detail="no device token")
        try:
            response = await self._post(token, message, force_refresh=False)
            if response.status_code == 401:
                response = await self._post(token, message, force_refresh=True)
        except httpx.TransportError as exc:
            return PushResult("retry", detail=f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # token exchange failed (google-auth raises its own types)
            return PushResult("retry", detail=f"auth: {type(exc).__name__}: {exc}")
        return self._interpret(response)

    async def _post(
        self, token: str, message: PushMessage, *, force_refresh: bool
    ) -> httpx.Response:
        access_token = await self._access_token(force=force_refresh)
        return await self._client.post(
            self._url,
            json=self._body(token, message),
            headers={"Authorization": f"Bearer {access_token}"},
        )

    @staticmethod
    def _body(token: str, message: PushMessage) -> dict[str, Any]:
        collapse = message.collapse_key or "safewatch"
        return {
            "message": {
                "token": token,
                "notification": {"title": message.title, "body": message.body},
                "data": message.data,
                "android": {"priority": "high", "collapse_key": collapse},
                "apns": {"headers": {"apns-priority": "10", "apns-collapse-id": collapse[:64]}},
            }
        }

    @staticmethod
    def _interpret(response: httpx.Response) -> PushResult:
        status = response.status_code
        if status == 200:
            return PushResult("delivered", status)
        try:
            code = fcm_error_code(response.json())
        except ValueError:
            code = None
        detail = f"HTTP {status} {code or ''}".strip()
        # Only FCM's UNREGISTERED means the device is gone. A bare 404 (a wrong endpoint or
        # project, a proxy) must not delete every guard's push token.
        if code == "UNREGISTERED":
            return PushResult("unregistered", status, detail)
        if code in _RETRYABLE_CODES or status in _RETRYABLE_STATUS:
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            return PushResult("retry", status, detail, retry_after)
        return PushResult("failed", status, detail)

    async def close(self) -> None:
        await self._client.aclose()
