"""Users (students, guards, dispatchers), guards' duty state and their phones' push tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from safewatch.resq.models.base import Base


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))  # student | guard | dispatcher
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime]


class Guard(Base):
    __tablename__ = "guards"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    on_duty: Mapped[bool] = mapped_column(default=False, index=True)
    current_beacon_id: Mapped[str | None] = mapped_column(ForeignKey("beacons.beacon_id"))
    last_seen_at: Mapped[datetime | None]


class PushToken(Base):
    __tablename__ = "push_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    guard_id: Mapped[int] = mapped_column(ForeignKey("guards.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(512), unique=True)
    platform: Mapped[str] = mapped_column(String(16), default="android")
    created_at: Mapped[datetime]
