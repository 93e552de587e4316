"""The deployment files docs/deploy.md shows: each exists, and each is checked by the tool that reads it."""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = PROJECT_ROOT / "deploy"
GUIDE = PROJECT_ROOT / "docs" / "deploy.md"
# Each file under deploy/ and the test below that checks it.
CHECKED = {
    "nginx/dril-ivr.conf": "test_the_nginx_configuration_passes_nginx_t",
    "systemd/dril-ivr-web.service": "test_the_systemd_units_pass_systemd_analyze_verify",
    "systemd/dril-ivr-scheduler.service": "test_the_systemd_units_pass_systemd_analyze_verify",
    "systemd/dril-ivr-backup.service": "test_the_systemd_units_pass_systemd_analyze_verify",
    "systemd/dril-ivr-backup.timer": "test_the_systemd_units_pass_systemd_analyze_verify",
    "compose.yaml": "test_the_compose_file_runs_the_web_process_and_the_scheduler_as_systemd_does",
    "Dockerfile": "test_the_dockerfile_copies_what_exists_and_serves_as_systemd_does",
    "backup.sh": "test_a_backup_restores_into_a_new_database (tests/live/test_backup_restore.py)",
}


def test_every_deployment_file_is_in_the_guide_and_checked() -> None:
    present = {str(path.relative_to(DEPLOY)) for path in DEPLOY.rglob("*") if path.is_file()}
    assert present == set(CHECKED)
    guide = GUIDE.read_text()
    shown = set(re.findall(r"deploy/([\w./-]+\w)", guide))
    assert sorted(path for path in shown if not (DEPLOY / path).exists()) == []
    assert sorted(present - shown) == [], "docs/deploy.md leaves these out"


def test_the_guide_names_every_setting() -> None:
    source = (PROJECT_ROOT / "ivr" / "config.py").read_text()
    settings = set(re.findall(r"\"((?:IVR|TWILIO|FLASK)_[A-Z_]+|SECRET_KEY|DATABASE_URL)\"", source))
    assert len(settings) > 20
    guide = GUIDE.read_text()
    assert sorted(name for name in settings if f"`{name}`" not in guide) == []


def test_the_readme_links_the_guide() -> None:
    assert "(docs/deploy.md)" in (PROJECT_ROOT / "README.md").read_text()


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "line.example.org")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "fullchain.pem", folder / "privkey.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def test_the_nginx_configuration_passes_nginx_t(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if nginx is None:
        pytest.skip("nginx is not installed (make system-packages installs it)")
    site = (DEPLOY / "nginx" / "dril-ivr.conf").read_text()
    # The guide's certificate paths are Let's Encrypt's on the real host: a throwaway pair here.
    cert, key = self_signed(tmp_path)
    site = site.replace("/etc/letsencrypt/live/line.example.org/fullchain.pem", str(cert))
    site = site.replace("/etc/letsencrypt/live/line.example.org/privkey.pem", str(key))
    (tmp_path / "dril-ivr.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; client_body_temp_path {tmp_path}/body;\n"
        f"include {tmp_path}/dril-ivr.conf; }}\n"
    )
    checked = subprocess.run(  # noqa: S603 - nginx's own test of a configuration
        [
            nginx,
            "-t",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-e",
            str(tmp_path / "error.log"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr
    assert "[warn]" not in checked.stderr.replace('the "listen ... http2" directive is deprecated', "")
    # Twilio's webhooks get the small limit; the signature check's field limit is named beside it.
    voice = site[site.index("location /voice/") :]
    assert "client_max_body_size 64k;" in voice.split("}")[0]


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed on this machine")
    venv_bin = Path(sys.executable).parent
    units = []
    for unit in sorted((DEPLOY / "systemd").iterdir()):
        # The units name the line's installed place; here, this checkout and its venv.
        text = unit.read_text().replace("/opt/dril-ivr/.venv/bin/", f"{venv_bin}/")
        (tmp_path / unit.name).write_text(text.replace("/opt/dril-ivr", str(PROJECT_ROOT)))
        units.append(str(tmp_path / unit.name))
    checked = subprocess.run(  # noqa: S603 - systemd's own check of unit files
        [analyze, "verify", "--man=no", *units], capture_output=True, text=True, check=False
    )
    # systemd only warns of an unknown key or a bad value, and still exits 0: any word fails.
    assert (checked.returncode, checked.stderr, checked.stdout) == (0, "", "")


def systemd_command(unit: str) -> list[str]:
    text = (DEPLOY / "systemd" / unit).read_text()
    (command,) = re.findall(r"^ExecStart=(.*)$", text, re.MULTILINE)
    words = command.split()
    return [Path(words[0]).name, *words[1:]]


def listening_anywhere(command: list[str]) -> list[str]:
    """The command as a container runs it: the same, but listening on every address (it is alone there)."""
    return [word.replace("127.0.0.1:8000", "0.0.0.0:8000") for word in command]  # noqa: S104


def test_the_compose_file_runs_the_web_process_and_the_scheduler_as_systemd_does() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"db", "migrate", "web", "scheduler"}
    assert services["web"]["command"] == listening_anywhere(systemd_command("dril-ivr-web.service"))
    assert services["scheduler"]["command"] == systemd_command("dril-ivr-scheduler.service")
    assert services["migrate"]["command"] == ["flask", "--app", "app", "ivr", "db", "upgrade"]
    for name in ("web", "scheduler"):
        assert services[name]["depends_on"] == {"migrate": {"condition": "service_completed_successfully"}}
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]  # nginx on the host stands before it


def test_the_dockerfile_copies_what_exists_and_serves_as_systemd_does() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for copied in re.findall(r"^COPY (.+) \S+$", dockerfile, re.MULTILINE):
        for source in copied.split():
            assert (PROJECT_ROOT / source).exists(), source
    (command,) = re.findall(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert yaml.safe_load(command) == listening_anywhere(systemd_command("dril-ivr-web.service"))
