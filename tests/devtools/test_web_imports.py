"""A web worker never imports the developer tools, nor Alembic: they load only when a command runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from flask import Flask

from tests.conftest import PUBLIC_URL, settings_env, sign

PROJECT_ROOT = Path(__file__).resolve().parents[2]

# What gunicorn does with `app:app`, then one webhook; run in a fresh interpreter because this test
# process imported the developer tools long ago. It must not import tests.conftest (which imports
# ivr.devtools.twiml_rules), so the parent signs the request and passes it in.
WORKER = """
import json, sys
from app import app
request = json.loads(sys.argv[1])
response = app.test_client().post(
    request["path"], data=request["params"], headers={"X-Twilio-Signature": request["signature"]}
)
print(json.dumps({"status": response.status_code, "modules": sorted(sys.modules)}))
"""


def test_a_web_worker_answers_a_call_without_importing_developer_tools_or_alembic(
    app: Flask, database_dir: Path
) -> None:
    params = {
        "CallSid": "CA" + "7" * 32,
        "AccountSid": "AC" + "0" * 32,
        "From": "+15555550123",
        "To": "+18883514024",
        "CallStatus": "ringing",
        "Direction": "inbound",
        "ApiVersion": "2010-04-01",
    }
    request = {
        "path": "/voice/incoming",
        "params": params,
        "signature": sign(PUBLIC_URL + "/voice/incoming", params),
    }
    # The `app` fixture has migrated the database this worker uses, and empties it afterwards.
    environment = os.environ | settings_env(database_dir)
    finished = subprocess.run(  # noqa: S603 - this interpreter, with a fixed script
        [sys.executable, "-c", WORKER, json.dumps(request)],
        cwd=PROJECT_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    worker = json.loads(finished.stdout.splitlines()[-1])
    assert worker["status"] == 200
    modules = set(worker["modules"])
    # The worker did build the `flask ivr` group, developer tools' commands included ...
    assert "ivr.cli.devtools" in modules
    # ... and still imported neither the tools themselves nor Alembic.
    assert _within("ivr.devtools", modules) == []
    assert _within("alembic", modules) == []
    # The jobs run in their own process (`flask ivr scheduler`): a worker holds no scheduler.
    assert _within("apscheduler", modules) == [] and _within("ivr.jobs", modules) == []


def _within(package: str, modules: set[str]) -> list[str]:
    return sorted(name for name in modules if name == package or name.startswith(package + "."))
