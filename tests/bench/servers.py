"""Start the line (or the bare endpoint) under gunicorn behind nginx on loopback, and watch its processes."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
VENV_BIN = PROJECT / ".venv" / "bin"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (gunicorn's workers), read from /proc."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: the fields start after the last ")".
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def status_kb(pid: int, name: str) -> int:
    """A memory line of /proc/PID/status (VmRSS, VmHWM = the peak RSS), in kB; 0 if gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(name + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid: int) -> int:
    """Proportional set size: RSS with pages shared between workers divided among them."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime + stime


def machine_cpu_seconds() -> float:
    """CPU time every core of the machine has spent busy so far (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def postgres_cpu(database: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving `database` (from their process titles)."""
    found = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            title = Path(entry.path, "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if title.startswith("postgres: ") and f" {database} " in title:
            found[int(entry.name)] = cpu_seconds(int(entry.name))
    return found


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass(frozen=True)
class Usage:
    """Cores' worth of CPU each party used over a window (1.0 = one core busy all the time)."""

    seconds: float
    server: float  # the gunicorn workers
    front: float  # nginx before them (0 without it)
    database: float  # the PostgreSQL backends serving the benchmark's database (SQLite: in the workers)
    client: float  # this load generator
    machine: float  # everything on the machine
    others: float  # what is left: other programs running meanwhile (a disturbed measurement)


@dataclass(frozen=True)
class Meter:
    """Cumulative CPU seconds at one moment, to subtract from a later reading."""

    at: float
    server: float
    front: float
    database: dict[int, float]
    client: float
    machine: float

    def until(self, later: Meter) -> Usage:
        seconds = max(later.at - self.at, 1e-9)
        server = later.server - self.server
        front = later.front - self.front
        database = sum(cpu - self.database.get(pid, 0.0) for pid, cpu in later.database.items())
        client = later.client - self.client
        machine = later.machine - self.machine
        others = max(0.0, machine - server - front - database - client)
        return Usage(
            seconds,
            server / seconds,
            front / seconds,
            database / seconds,
            client / seconds,
            machine / seconds,
            others / seconds,
        )


@dataclass
class WorkerWatch:
    """What the sampler saw of each worker: peak RSS (sampled, and the kernel's VmHWM), peak PSS."""

    peak_rss_kb: dict[int, int] = field(default_factory=dict)
    peak_hwm_kb: dict[int, int] = field(default_factory=dict)
    peak_pss_kb: dict[int, int] = field(default_factory=dict)


NGINX_CONF = """\
# nginx before gunicorn, as the README serves the line in production.
worker_processes 1;
daemon off;
{user}pid {out}/nginx-{name}.pid;
error_log {out}/nginx-{name}.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {out}/nginx-{name}-body;
    proxy_temp_path {out}/nginx-{name}-proxy;
    fastcgi_temp_path {out}/nginx-{name}-fastcgi;
    uwsgi_temp_path {out}/nginx-{name}-uwsgi;
    scgi_temp_path {out}/nginx-{name}-scgi;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        location / {{
            proxy_pass http://127.0.0.1:{upstream};
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }}
    }}
}}
"""


def end(process: subprocess.Popen[bytes] | None, gracefully: signal.Signals, seconds: float) -> None:
    """Ask a server to stop, and kill it if it has not within `seconds`."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(gracefully)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


def nginx_binary() -> str:
    """nginx, installed from Debian's packages if missing (as root; otherwise say how)."""
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found:
        return found
    if os.geteuid() != 0:
        raise RuntimeError(
            "the benchmark serves through nginx as production does: install it "
            "(sudo apt-get install nginx-light), or run with BENCH_FRONT=none to measure gunicorn alone"
        )
    print("Installing nginx from Debian's packages...", flush=True)
    environment = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=environment)  # noqa: S607
    subprocess.run(["apt-get", "install", "-y", "-qq", "nginx-light"], check=True, env=environment)  # noqa: S607
    return shutil.which("nginx") or "/usr/sbin/nginx"


class Nginx:
    """The reverse proxy before one gunicorn, on its own port.

    It reads each request whole before handing it to a worker and takes the answer at once, so a
    sync worker never waits on the caller's side of the network: since gunicorn 23 a worker lingers
    after each answer until the client has closed its end (RFC 9112 9.6), and served directly the
    workers spent half their time so (tests/bench/README.md).
    """

    def __init__(self, name: str, upstream: int, log_dir: Path) -> None:
        self.name = name
        self.upstream = upstream
        self.port = free_port()
        self.out = log_dir
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 20.0) -> None:
        config = self.out / f"nginx-{self.name}.conf"
        user = "user root;\n" if os.geteuid() == 0 else ""
        config.write_text(
            NGINX_CONF.format(user=user, out=self.out, name=self.name, port=self.port, upstream=self.upstream)
        )
        with (self.out / f"nginx-{self.name}.log").open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - nginx with our own configuration
                [nginx_binary(), "-c", str(config), "-p", str(self.out), "-e", str(log.name)],
                stdout=log,
                stderr=log,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"nginx for {self.name} exited: see {self.out}/nginx-{self.name}.log")
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.1)
        raise RuntimeError(f"nginx for {self.name} did not listen on {self.port} within {timeout:.0f} s")

    def cpu_seconds(self) -> float:
        if self.process is None:
            return 0.0
        return sum(cpu_seconds(pid) for pid in [self.process.pid, *children_of(self.process.pid)])

    def stop(self) -> None:
        end(self.process, signal.SIGQUIT, 15)  # nginx's graceful stop
        self.process = None


class Gunicorn:
    """One gunicorn master and its workers, serving `app_spec` on 127.0.0.1:port, behind nginx if `front`."""

    def __init__(
        self,
        name: str,
        app_spec: str,
        env: dict[str, str],
        port: int,
        workers: int,
        log_dir: Path,
        front: bool = True,
        project: Path = PROJECT,
    ) -> None:
        self.name = name
        self.project = project  # the checkout to serve: another one compares a change with this
        self.app_spec = app_spec
        self.env = env
        self.port = port
        self.workers = workers
        self.log_path = log_dir / f"gunicorn-{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.watch = WorkerWatch()
        self.seen_workers: set[int] = set()
        self.database: str | None = None  # a PostgreSQL database whose backends count as ours
        self.front = Nginx(name, port, log_dir) if front else None

    @property
    def url(self) -> str:
        """Where callers reach it: nginx's port, or gunicorn's own without a front."""
        return f"http://127.0.0.1:{self.front.port if self.front else self.port}"

    @property
    def direct_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        # As the README serves the line in production, behind nginx: gunicorn -w 2 -b 127.0.0.1:8000 app:app
        return [
            str(VENV_BIN / "gunicorn"),
            "-w",
            str(self.workers),
            "-b",
            f"127.0.0.1:{self.port}",
            # gunicorn 27 opens a control socket, by default one path for every instance: give each
            # of the benchmark's servers its own, so the bare endpoint and the line can run together.
            "--control-socket",
            str(self.log_path.with_suffix(".ctl")),
            self.app_spec,
        ]

    def start(self, timeout: float = 60.0) -> None:
        # gunicorn's log and the app's own (errors it recovered from) both go to stderr: keep them.
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own gunicorn, fixed arguments
                self.command(), cwd=self.project, env=self.env, stdout=log, stderr=log
            )
        if self.front is not None:
            try:
                self.front.start()
            except BaseException:
                self.stop()
                raise
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name}: gunicorn exited ({self.log_path}):\n{self.log_tail()}")
            if len(self.worker_pids()) >= self.workers and self._healthy():
                # Every worker imports the app on its own: wait until each has answered.
                self._warm()
                self.reset_watch()
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name}: no answer on {self.url} within {timeout:.0f} s")

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(self.url + "/health", timeout=2) as answer:  # noqa: S310 - loopback
                return bool(answer.status == 200)
        except OSError:
            return False

    def _warm(self) -> None:
        # Each worker must have imported the app before we measure: the arbiter forks them bare.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not self._healthy():
            time.sleep(0.1)
        for _ in range(self.workers * 8):
            self._healthy()

    def worker_pids(self) -> list[int]:
        return children_of(self.process.pid) if self.process else []

    def reset_watch(self) -> None:
        self.watch = WorkerWatch()

    def sample(self) -> None:
        """Record each worker's RSS now, its kernel peak (VmHWM) and its PSS."""
        for pid in self.worker_pids():
            self.seen_workers.add(pid)
            watch = self.watch
            watch.peak_rss_kb[pid] = max(watch.peak_rss_kb.get(pid, 0), status_kb(pid, "VmRSS"))
            watch.peak_hwm_kb[pid] = max(watch.peak_hwm_kb.get(pid, 0), status_kb(pid, "VmHWM"))
            watch.peak_pss_kb[pid] = max(watch.peak_pss_kb.get(pid, 0), pss_kb(pid))

    def cpu_seconds(self) -> float:
        """CPU time the workers have used so far (user + system)."""
        return sum(cpu_seconds(pid) for pid in self.worker_pids())

    def meter(self) -> Meter:
        return Meter(
            time.monotonic(),
            self.cpu_seconds(),
            self.front.cpu_seconds() if self.front else 0.0,
            postgres_cpu(self.database) if self.database else {},
            own_cpu_seconds(),
            machine_cpu_seconds(),
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def error_lines(self) -> int:
        """Lines in the server's log at ERROR or worse (the app logs every recovered failure so)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return 0
        return sum(1 for line in text.splitlines() if " ERROR " in line or "[CRITICAL]" in line)

    def stop(self) -> None:
        if self.front is not None:
            self.front.stop()
        end(self.process, signal.SIGTERM, 30)
        self.process = None
