"""Personal data older than the retention period is deleted, here and (recordings) at Twilio; the
anonymous numbers stay; newer data is untouched; every purge is in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask
from sqlalchemy import select

from ivr.jobs import retention
from ivr.models import AuditEntry, Call, Disposition, RunResult, Voicemail
from tests.jobs.conftest import add_call, context
from tests.jobs.twilio_stand_in import TwilioForJobs
from tests.signing_in import add_person

NOW = "2026-11-30T10:00:00-05:00"
OLD = datetime.fromisoformat("2025-11-29T09:00:00-05:00")  # 366 days before
KEPT = datetime.fromisoformat("2025-12-01T09:00:00-05:00")  # 364 days before


def test_retention_deletes_exactly_what_is_older_than_the_period_and_keeps_the_numbers(
    jobs_app: Callable[..., Flask], twilio_api: TwilioForJobs
) -> None:
    app = jobs_app(NOW, IVR_RETENTION_DAYS="365")
    old_call, old_voicemail = add_call(app, OLD, "CA" + "1" * 32, voicemail=True, urgent=True)
    new_call, new_voicemail = add_call(app, KEPT, "CA" + "2" * 32, voicemail=True)
    twilio_api.recordings |= {"RE" + "1" * 32, "RE" + "2" * 32}
    operator = add_person(app, "ana.operator@example.gov")
    with app.extensions["ivr.db"]() as session:
        for call_id in (old_call, new_call):
            session.add(
                Disposition(
                    call_id=call_id,
                    operator_id=operator.id,
                    kind="report_taken",
                    notes="said his name",
                    updated_at=OLD,
                    final=True,
                )
            )
        session.commit()

    done = retention.run(context(app, twilio_api))

    assert done.result == RunResult.OK, done.summary
    assert twilio_api.deleted_recordings() == ["RE" + "1" * 32]
    with app.extensions["ivr.db"]() as session:
        old, new = session.get(Call, old_call), session.get(Call, new_call)
        assert old is not None and new is not None
        assert (old.caller_number, old.a_number, old.subject_transcript, old.caller_fingerprint) == (
            None,
        ) * 4
        assert (old.subject, old.priority, old.caller_type, old.language) == ("assault", 1, "detained", "es")
        assert (
            new.caller_number is not None and new.a_number is not None and new.subject_transcript is not None
        )
        voicemail = session.get(Voicemail, old_voicemail)
        kept = session.get(Voicemail, new_voicemail)
        assert voicemail is not None and voicemail.recording_url is None and voicemail.purged_at is not None
        assert voicemail.duration_seconds == 40 and voicemail.urgent
        assert kept is not None and kept.recording_url is not None and kept.purged_at is None
        notes = {
            call_id: text for call_id, text in session.execute(select(Disposition.call_id, Disposition.notes))
        }
        assert notes == {old_call: None, new_call: "said his name"}
        audit = session.execute(select(AuditEntry.action, AuditEntry.subject, AuditEntry.user_id)).all()
        assert sorted(audit) == [
            ("purge_call", f"call {old_call}", None),
            ("purge_recording", f"voicemail {old_voicemail}", None),
        ]

    again = retention.run(context(app, twilio_api))  # nothing is purged twice
    assert again.summary.startswith("0 call(s) and 0 recording(s) purged")
    assert len(twilio_api.deleted_recordings()) == 1


def test_a_recording_twilio_fails_to_delete_is_kept_and_tried_again(
    jobs_app: Callable[..., Flask], twilio_api: TwilioForJobs
) -> None:
    app = jobs_app(NOW)
    _, voicemail_id = add_call(app, OLD, voicemail=True)
    twilio_api.recordings.add("RE" + "7" * 32)
    twilio_api.fail_next(r"^Recordings/", 503)
    assert retention.run(context(app, twilio_api)).result == RunResult.WARNING
    with app.extensions["ivr.db"]() as session:
        found = session.get(Voicemail, voicemail_id)
        assert found is not None and found.recording_url is not None and found.purged_at is None
    assert retention.run(context(app, twilio_api)).result == RunResult.OK
    assert twilio_api.recordings == set()


def test_a_recording_twilio_no_longer_has_counts_as_deleted(
    jobs_app: Callable[..., Flask], twilio_api: TwilioForJobs
) -> None:
    app = jobs_app(NOW)
    _, voicemail_id = add_call(app, OLD - timedelta(days=30), voicemail=True)
    assert retention.run(context(app, twilio_api)).result == RunResult.OK  # Twilio answers 404
    with app.extensions["ivr.db"]() as session:
        found = session.get(Voicemail, voicemail_id)
        assert found is not None and found.purged_at is not None
