"""The line's records as SQLAlchemy models: the one source of the schema (Alembic migrates to it).

Every model is imported here, so that `Base.metadata` knows every table wherever it is read.
"""

from ivr.models.base import Base
from ivr.models.calls import Call, CallEvent, QueueEntry, Voicemail

__all__ = ["Base", "Call", "CallEvent", "QueueEntry", "Voicemail"]
