"""The line's records as SQLAlchemy models: the one source of the schema (Alembic migrates to it).

Every model is imported here, so that `Base.metadata` knows every table wherever it is read.
"""

from ivr.models.base import Base
from ivr.models.calls import Call, CallEvent, FollowUp, QueueEntry, Voicemail, VoicemailStatus
from ivr.models.jobs import Alert, AlertChannel, AlertKind, JobLease, JobRun, RunResult
from ivr.models.people import (
    AuditAction,
    AuditEntry,
    Connection,
    Disposition,
    DispositionKind,
    Operator,
    OperatorState,
    Reach,
    Role,
    User,
)

__all__ = [
    "Alert",
    "AlertChannel",
    "AlertKind",
    "JobLease",
    "JobRun",
    "RunResult",
    "AuditAction",
    "AuditEntry",
    "Base",
    "Call",
    "CallEvent",
    "Connection",
    "Disposition",
    "DispositionKind",
    "FollowUp",
    "Operator",
    "OperatorState",
    "QueueEntry",
    "Reach",
    "Role",
    "User",
    "Voicemail",
    "VoicemailStatus",
]
