"""ResQ's tables. Import from here; each module holds one part of the domain."""

from safewatch.resq.models.base import Base, jobs, login_attempts
from safewatch.resq.models.campus import Beacon, BeaconLink
from safewatch.resq.models.incidents import (
    AIEvent,
    Conversation,
    GuardAlert,
    GuardAssignment,
    Incident,
    IncidentEvent,
    IncidentReporter,
    IncidentSignal,
    Message,
)
from safewatch.resq.models.notify import Notification, NotificationAttempt
from safewatch.resq.models.people import Guard, PushToken, User

__all__ = [
    "AIEvent",
    "Base",
    "Beacon",
    "BeaconLink",
    "Conversation",
    "Guard",
    "GuardAlert",
    "GuardAssignment",
    "Incident",
    "IncidentEvent",
    "IncidentReporter",
    "IncidentSignal",
    "Message",
    "Notification",
    "NotificationAttempt",
    "PushToken",
    "User",
    "jobs",
    "login_attempts",
]
