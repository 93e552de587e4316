"""The `flask ivr` group: one module per command group beside it, assembled here for the app.

Every app builds this group, web workers included, so no command module imports ivr.devtools
before its command runs (ivr/cli/devtools.py).
"""

from __future__ import annotations

from flask import Flask
from flask.cli import AppGroup

from ivr.cli.db import db_group
from ivr.cli.devtools import call_command, classifier_command
from ivr.cli.flow import flow_command
from ivr.cli.hours import hours_check_command, hours_command
from ivr.cli.jobs import jobs_group, scheduler_command
from ivr.cli.journal import journal_group
from ivr.cli.keys import keys_group
from ivr.cli.learn import learn_command
from ivr.cli.prompts import prompts_group
from ivr.cli.translate import translate_group
from ivr.cli.twilio import twilio_group
from ivr.cli.users import users_group
from ivr.cli.zip_table import zip_table_command

ivr_group = AppGroup("ivr", help="Run and look after the Detention Reporting and Information Line.")
for command in (
    db_group,
    flow_command,
    translate_group,
    prompts_group,
    hours_command,
    call_command,
    classifier_command,
    learn_command,
    hours_check_command,
    users_group,
    zip_table_command,
    scheduler_command,
    jobs_group,
    keys_group,
    journal_group,
    twilio_group,
):
    ivr_group.add_command(command)


def init_app(app: Flask) -> None:
    app.cli.add_command(ivr_group)
