"""`make bench`: the whole line under load beside the bare minimum, on SQLite and PostgreSQL.

For each database and each size of call history (empty, then seeded up to 1,000,000 calls) it starts
the line as in production, nginx before gunicorn, once with the line open and once closed, and
measures:
- saturation: requests per second with callers walking journeys back to back, beside the bare
  endpoint (a fixed <Gather>, no database, no signature check) served the same way;
- latency at a fixed, paced rate (200 webhook requests per second, about 1,500 calls in progress);
- each worker's peak memory (VmHWM and sampled RSS from /proc) and the workers' CPU per request.
Everything is on 127.0.0.1. See tests/bench/README.md for what the numbers mean.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg
from cryptography.fernet import Fernet

from tests.bench import seed
from tests.bench.journeys import CLOSED_SCRIPTS, OPEN_SCRIPTS, Journey, QueueSeats, Script, pick
from tests.bench.load import Client, Results, paced, percentile, saturate
from tests.bench.profile import profile_during
from tests.bench.servers import PROJECT, VENV_BIN, Gunicorn, free_port

OPEN_TIME = "2026-11-30T10:00:00-05:00"  # a Monday morning: the line is open
CLOSED_TIME = "2026-11-28T10:00:00-05:00"  # the Saturday after Thanksgiving: closed, voicemail

TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
TARGET_WORKER_MB = 150.0
DISTURBED_CORES = 0.25  # other programs' CPU during a phase above which its figures are suspect


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


@dataclass(frozen=True)
class Plan:
    """How long and how hard each phase runs; BENCH_QUICK=1 makes a few-minute smoke run."""

    quick: bool
    backends: list[str]
    sizes: list[int]
    workers: int
    front: bool  # nginx before gunicorn, as in production (BENCH_FRONT=none: gunicorn alone)
    rate: float
    calls: int
    callers: int
    rounds: int  # saturation rounds, bare endpoint and line in turns
    saturation: tuple[float, float]  # warm-up, measured seconds of each saturation run
    open_paced: tuple[float, float]  # ramp, measured seconds
    closed_paced: tuple[float, float]
    bare_paced: tuple[float, float]
    profile: bool
    out: Path

    @classmethod
    def from_environment(cls) -> Plan:
        quick = os.environ.get("BENCH_QUICK", "") not in ("", "0")
        sizes = _env_list("BENCH_SIZES", "0,20000" if quick else "0,100000,1000000")
        return cls(
            quick=quick,
            backends=_env_list("BENCH_BACKENDS", "sqlite,postgres"),
            sizes=sorted(int(size.replace("_", "")) for size in sizes),
            workers=int(os.environ.get("BENCH_WORKERS", "2")),
            front=os.environ.get("BENCH_FRONT", "nginx") != "none",
            rate=float(os.environ.get("BENCH_RATE", "200")),
            calls=int(os.environ.get("BENCH_CALLS", "1500")),
            callers=int(os.environ.get("BENCH_CALLERS", "16")),
            rounds=2 if quick else 3,
            saturation=(1.5, 4.0) if quick else (2.0, 6.0),
            open_paced=(8.0, 15.0) if quick else (20.0, 30.0),
            closed_paced=(6.0, 10.0) if quick else (12.0, 20.0),
            bare_paced=(3.0, 10.0) if quick else (5.0, 15.0),
            profile=os.environ.get("BENCH_PROFILE", "") not in ("", "0"),
            out=Path(os.environ.get("BENCH_DIR") or Path(tempfile.gettempdir()) / "dril-ivr-bench"),
        )


@dataclass
class Point:
    """Everything measured for one database at one size of call history."""

    backend: str
    size: int
    rows: dict[str, int] = field(default_factory=dict)
    phases: dict[str, Results] = field(default_factory=dict)
    memory: dict[str, dict[str, float]] = field(default_factory=dict)  # server -> peak MB figures
    errors_logged: dict[str, int] = field(default_factory=dict)
    profile: str = ""


def say(message: str) -> None:
    print(message, flush=True)


class Bench:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.began = time.monotonic()
        self.auth_token = secrets.token_hex(16)
        self.data_key = Fernet.generate_key().decode()
        self.secret_key = secrets.token_hex(32)
        self.rng = random.Random(4024)
        self.points: list[Point] = []
        self.bare_paced: Results | None = None
        self.bare_memory: dict[str, float] = {}
        plan.out.mkdir(parents=True, exist_ok=True)

    # -- servers -------------------------------------------------------------------------------

    def line_env(self, database_url: str, public_url: str, fixed_time: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IVR_", "TWILIO_"))}
        env.pop("DATABASE_URL", None)
        return env | {
            "IVR_ENV": "testing",
            "SECRET_KEY": self.secret_key,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "IVR_DATA_KEY": self.data_key,
            "IVR_PUBLIC_URL": public_url,
            "DATABASE_URL": database_url,
            "IVR_FIXED_TIME": fixed_time,
        }

    def line(self, name: str, database_url: str, fixed_time: str) -> Gunicorn:
        server = Gunicorn(name, "app:app", {}, free_port(), self.plan.workers, self.plan.out, self.plan.front)
        # Twilio signs the URL it called: the front's, when there is one.
        server.env = self.line_env(database_url, server.url, fixed_time)
        return server

    def elapsed(self) -> str:
        seconds = int(time.monotonic() - self.began)
        return f"[{seconds // 60:02d}:{seconds % 60:02d}]"

    # -- databases -----------------------------------------------------------------------------

    def prepare_database(self, backend: str) -> str:
        """A fresh, migrated benchmark database; return its URL."""
        if backend == "sqlite":
            path = self.plan.out / "ivr_bench.sqlite3"
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            url = f"sqlite:///{path}"
        else:
            found = (
                subprocess.run(  # noqa: S603 - the project's own script
                    ["bash", str(PROJECT / ".ci" / "postgres")],  # noqa: S607
                    check=True,
                    capture_output=True,
                    text=True,
                    timeout=600,
                )
                .stdout.strip()
                .splitlines()[-1]
            )
            server = found.rsplit("/", 1)[0]
            admin = server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute("DROP DATABASE IF EXISTS ivr_bench WITH (FORCE)")
                connection.execute("CREATE DATABASE ivr_bench")
            url = server + "/ivr_bench"
        env = self.line_env(url, "http://127.0.0.1:5000", OPEN_TIME)
        subprocess.run(  # noqa: S603 - the project's own CLI
            [str(VENV_BIN / "flask"), "--app", "app", "ivr", "db", "upgrade"],
            cwd=PROJECT,
            env=env,
            check=True,
            capture_output=True,
            timeout=120,
        )
        return url

    def seed(self, url: str, count: int) -> float:
        vault = Fernet(self.data_key)
        texts = seed.ciphertexts(lambda value: vault.encrypt(value.encode()).decode())
        return seed.seed(url, count, texts, report=lambda line: None)

    # -- phases --------------------------------------------------------------------------------

    def journeys(
        self, server: Gunicorn, scripts: tuple[Script, ...], follow: bool = True, line_open: bool = True
    ) -> Callable[[], Journey]:
        seats = QueueSeats()
        rng = self.rng

        def make() -> Journey:
            return Journey(pick(scripts, rng), server.url, seats, rng, follow=follow, line_open=line_open)

        make.seats = seats  # type: ignore[attr-defined]
        return make

    async def _saturate(
        self, name: str, server: Gunicorn, make: Callable[[], Journey], follow: bool, seconds: float
    ) -> Results:
        warmup = self.plan.saturation[0]
        async with Client(self.auth_token) as client:
            result = await saturate(
                name, client, make, self.plan.callers, warmup, seconds, server.sample, server.meter, follow
            )
        result.queue_full = make.seats.full_results  # type: ignore[attr-defined]
        return result

    async def _paced(
        self,
        name: str,
        server: Gunicorn,
        make: Callable[[], Journey],
        timing: tuple[float, float],
        follow: bool,
    ) -> Results:
        ramp, seconds = timing
        async with Client(self.auth_token) as client:
            result = await paced(
                name,
                client,
                make,
                self.plan.rate,
                self.plan.calls,
                ramp,
                seconds,
                server.sample,
                server.meter,
                follow,
            )
        result.queue_full = make.seats.full_results  # type: ignore[attr-defined]
        return result

    def run_phase(self, point: Point | None, key: str, coroutine: Coroutine[Any, Any, Results]) -> Results:
        result = asyncio.run(coroutine)
        if point is not None:
            point.phases[key] = result
        say(f"{self.elapsed()}   {describe(key, result)}")
        return result

    def measure_bare(self, bare: Gunicorn) -> None:
        make = self.journeys(bare, OPEN_SCRIPTS, follow=False)
        timing = self.plan.bare_paced
        self.bare_paced = self.run_phase(
            None, "bare paced", self._paced("bare paced", bare, make, timing, False)
        )

    def compare_at_saturation(self, point: Point, bare: Gunicorn, line: Gunicorn) -> None:
        """Bare endpoint and line in turns, a few rounds: both see the machine in the same state."""
        seconds = self.plan.saturation[1]
        for round_ in range(1, self.plan.rounds + 1):
            make_bare = self.journeys(bare, OPEN_SCRIPTS, follow=False)
            name = f"bare saturation {round_}"
            self.run_phase(point, name, self._saturate(name, bare, make_bare, False, seconds))
            make_open = self.journeys(line, OPEN_SCRIPTS)
            name = f"open saturation {round_}"
            self.run_phase(point, name, self._saturate(name, line, make_open, True, seconds))

    def measure_point(self, backend: str, size: int, url: str, bare: Gunicorn) -> Point:
        point = Point(backend, size, rows=seed.counts(url))
        rows = ", ".join(f"{table} {count:,}" for table, count in point.rows.items())
        say(f"{self.elapsed()} {backend}, {size:,} seeded calls ({rows})")
        database = None if backend == "sqlite" else url.rsplit("/", 1)[1]
        line_open = self.line(f"{backend}-{size}-open", url, OPEN_TIME)
        line_open.database = database
        line_open.start()
        try:
            bare.reset_watch()
            self.compare_at_saturation(point, bare, line_open)
            make_open = self.journeys(line_open, OPEN_SCRIPTS)
            timing = self.plan.open_paced
            self.run_phase(point, "open paced", self._paced("open paced", line_open, make_open, timing, True))
            if self.plan.profile:
                make_open = self.journeys(line_open, OPEN_SCRIPTS)
                with profile_during(line_open, self.plan.out / f"profile-{backend}-{size}") as report:
                    seconds = self.plan.saturation[1] * 2
                    asyncio.run(self._saturate("profiled", line_open, make_open, True, seconds))
                point.profile = report.summary
                say(point.profile)
        finally:
            point.memory["open"] = memory_of(line_open)
            point.errors_logged["open"] = line_open.error_lines()
            line_open.stop()
        point.memory["bare"] = memory_of(bare)
        line_closed = self.line(f"{backend}-{size}-closed", url, CLOSED_TIME)
        line_closed.database = database
        line_closed.start()
        try:
            make_closed = self.journeys(line_closed, CLOSED_SCRIPTS, line_open=False)
            seconds = self.plan.saturation[1]
            self.run_phase(
                point,
                "closed saturation",
                self._saturate("closed saturation", line_closed, make_closed, True, seconds),
            )
            make_closed = self.journeys(line_closed, CLOSED_SCRIPTS, line_open=False)
            timing = self.plan.closed_paced
            self.run_phase(
                point, "closed paced", self._paced("closed paced", line_closed, make_closed, timing, True)
            )
        finally:
            point.memory["closed"] = memory_of(line_closed)
            point.errors_logged["closed"] = line_closed.error_lines()
            line_closed.stop()
        self.points.append(point)
        return point

    def run(self) -> int:
        plan = self.plan
        sizes = ", ".join(f"{s:,}" for s in plan.sizes)
        say(
            f"dril-ivr benchmark{' (quick)' if plan.quick else ''}: {', '.join(plan.backends)}; seeded calls "
            f"{sizes}; {serving(plan)}; saturation {plan.callers} callers, {plan.rounds} rounds; "
            f"paced {plan.rate:.0f} req/s over ~{plan.calls:,} calls in progress"
        )
        for log in plan.out.glob("gunicorn-*.log"):
            log.unlink()
        bare = Gunicorn(
            "bare", "tests.bench.bare:app", dict(os.environ), free_port(), plan.workers, plan.out, plan.front
        )
        bare.start()
        try:
            self.measure_bare(bare)
            for backend in plan.backends:
                url = self.prepare_database(backend)
                current = 0
                for size in plan.sizes:
                    if size > current:
                        took = self.seed(url, size - current)
                        say(f"{self.elapsed()} {backend}: seeded {size - current:,} calls in {took:.0f} s")
                        current = size
                    self.measure_point(backend, size, url, bare)
        finally:
            self.bare_memory = memory_of(bare)
            bare.stop()
        report = table(self)
        say(report)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        (plan.out / f"report-{stamp}.txt").write_text(report + "\n")
        (plan.out / f"results-{stamp}.json").write_text(json.dumps(as_json(self), indent=1))
        say(f"{self.elapsed()} done. Report and figures: {plan.out}/report-{stamp}.txt, results-{stamp}.json")
        return 0


def serving(plan: Plan) -> str:
    return f"{'nginx -> ' if plan.front else ''}gunicorn -w {plan.workers}"


def memory_of(server: Gunicorn) -> dict[str, float]:
    watch = server.watch
    return {
        "peak_rss_mb": max(watch.peak_hwm_kb.values(), default=0) / 1024,
        "sampled_rss_mb": max(watch.peak_rss_kb.values(), default=0) / 1024,
        "pss_mb": max(watch.peak_pss_kb.values(), default=0) / 1024,
        "workers_seen": float(len(server.seen_workers)),
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def describe(key: str, result: Results) -> str:
    """One line per phase, printed as it ends."""
    lat = result.latencies
    parts = [
        f"{key:<19} {result.rps:7.1f} req/s",
        f"p50 {ms(percentile(lat, 0.5))} p95 {ms(percentile(lat, 0.95))} p99 {ms(percentile(lat, 0.99))} ms",
    ]
    if result.usage:
        u = result.usage
        cpu = f"CPU/req server {result.cpu_ms_per_request('server'):.2f} ms"
        if u.database:
            cpu += f", db {result.cpu_ms_per_request('database'):.2f} ms"
        if u.front:
            cpu += f", proxy {result.cpu_ms_per_request('front'):.2f} ms"
        parts.append(cpu)
        parts.append(f"cores: generator {u.client:.2f}, others {u.others:.2f}")
    if result.calls_in_progress:
        parts.append(f"{sum(result.calls_in_progress) // len(result.calls_in_progress):,} calls in progress")
    if result.client_lag:
        parts.append(f"send lag p99 {ms(percentile(result.client_lag, 0.99))} ms")
    if result.queue_full:
        parts.append(f"{result.queue_full} queue-full")
    if result.errors:
        parts.append(f"{result.error_count()} errors {result.errors}")
    if result.apologies:
        parts.append(f"{result.apologies} apologies")
    return "; ".join(parts)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass(frozen=True)
class Summary:
    """The figures of one point that the table shows."""

    bare_rps: float
    open_rps: float
    ratio: float
    closed_rps: float
    server_ms: float
    proxy_ms: float
    db_ms: float
    bare_cpu_ms: float  # the bare endpoint's workers and nginx, per request
    line_cpu_ms: float  # the line's workers, nginx and PostgreSQL, per request
    open_paced: Results
    closed_paced: Results
    open_mb: float
    closed_mb: float
    pss_mb: float
    others: float
    errors: int

    @classmethod
    def of(cls, point: Point) -> Summary:
        phases = point.phases
        rounds = sorted(int(k.rsplit(" ", 1)[1]) for k in phases if k.startswith("open saturation"))
        bares = [phases[f"bare saturation {r}"] for r in rounds]
        bare = [result.rps for result in bares]
        line = [phases[f"open saturation {r}"] for r in rounds]
        ratios = [result.rps / b for result, b in zip(line, bare, strict=True) if b]
        measured = [r for k, r in phases.items() if not k.startswith("bare")]
        return cls(
            bare_rps=median(bare),
            open_rps=median([r.rps for r in line]),
            ratio=median(ratios),
            closed_rps=phases["closed saturation"].rps,
            server_ms=median([r.cpu_ms_per_request("server") for r in line]),
            proxy_ms=median([r.cpu_ms_per_request("front") for r in line]),
            db_ms=median([r.cpu_ms_per_request("database") for r in line]),
            bare_cpu_ms=median([servers_cpu_ms(r) for r in bares]),
            line_cpu_ms=median([servers_cpu_ms(r) for r in line]),
            open_paced=phases["open paced"],
            closed_paced=phases["closed paced"],
            open_mb=point.memory["open"]["peak_rss_mb"],
            closed_mb=point.memory["closed"]["peak_rss_mb"],
            pss_mb=max(point.memory["open"]["pss_mb"], point.memory["closed"]["pss_mb"]),
            others=max((r.usage.others for r in phases.values() if r.usage), default=0.0),
            errors=sum(r.error_count() + r.apologies for r in measured) + sum(point.errors_logged.values()),
        )


def servers_cpu_ms(result: Results) -> float:
    """CPU ms per answered request of everything serving it: workers, nginx and the database."""
    return sum(result.cpu_ms_per_request(part) for part in ("server", "front", "database"))


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def table(bench: Bench) -> str:
    plan = bench.plan
    rule = "-" * 121
    lines = [
        "",
        "=" * 121,
        f"dril-ivr under load: {serving(plan)} on 127.0.0.1, {os.cpu_count()} cores, "
        f"load generator on the same machine{' (BENCH_QUICK)' if plan.quick else ''}",
        "=" * 121,
        f"Saturation, requests/s (median of {plan.rounds} rounds, bare and line in turns; "
        f"{plan.callers} callers walking calls back to back)",
        f"{'database':<10}{'calls':>10} {'bare':>8} {'line':>8} {'ratio':>6} {'closed':>8}"
        f" {'server CPU/req':>15} {'proxy':>8} {'db CPU/req':>11} {'others':>7} {'errors':>7}",
        rule,
    ]
    summaries = [(point, Summary.of(point)) for point in bench.points]
    for point, s in summaries:
        db_ms = f"{s.db_ms:.2f} ms" if s.db_ms else "-"
        proxy_ms = f"{s.proxy_ms:.2f} ms" if s.proxy_ms else "-"
        lines.append(
            f"{point.backend:<10}{point.size:>10,} {s.bare_rps:8.0f} {s.open_rps:8.0f} {s.ratio:6.2f} "
            f"{s.closed_rps:8.0f} {s.server_ms:12.2f} ms {proxy_ms:>8} {db_ms:>11} {s.others:7.2f}"
            f" {s.errors:7d}"
        )
    lines += [
        "",
        "CPU per request on the servers' side (workers + nginx + database, medians of the same rounds):",
        "the load generator shares the two cores and bounds the bare endpoint, so with it on another",
        "machine the ratio would come near bare / line here.",
        f"{'database':<10}{'calls':>10} {'bare':>11} {'line':>11} {'bare / line':>12}",
        rule,
    ]
    for point, s in summaries:
        by_cpu = s.bare_cpu_ms / s.line_cpu_ms if s.line_cpu_ms else float("nan")
        cpu = f"{s.bare_cpu_ms:8.2f} ms {s.line_cpu_ms:8.2f} ms"
        lines.append(f"{point.backend:<10}{point.size:>10,} {cpu} {by_cpu:12.2f}")
    lines += [
        "",
        f"Latency at {plan.rate:.0f} requests/s, open loop, ~{plan.calls:,} calls in progress "
        "(ms from when each request was due)",
        f"{'database':<10}{'calls':>10} {'open p50':>9} {'p95':>7} {'p99':>7} {'closed p50':>11} {'p95':>7}"
        f" {'p99':>7} {'queue-full':>11} {'peak RSS/worker':>16} {'PSS':>5}",
        rule,
    ]
    for point, s in summaries:
        o, c = s.open_paced.latencies, s.closed_paced.latencies
        lines.append(
            f"{point.backend:<10}{point.size:>10,} {ms(percentile(o, 0.5)):>9} {ms(percentile(o, 0.95)):>7}"
            f" {ms(percentile(o, 0.99)):>7} {ms(percentile(c, 0.5)):>11} {ms(percentile(c, 0.95)):>7}"
            f" {ms(percentile(c, 0.99)):>7} {s.open_paced.queue_full:>11}"
            f" {max(s.open_mb, s.closed_mb):13.0f} MB {s.pss_mb:5.0f}"
        )
    if bench.bare_paced is not None:
        b = bench.bare_paced.latencies
        lines.append(
            f"{'bare':<10}{'-':>10} {ms(percentile(b, 0.5)):>9} {ms(percentile(b, 0.95)):>7}"
            f" {ms(percentile(b, 0.99)):>7} {'':>11} {'':>7} {'':>7} {'':>11}"
            f" {bench.bare_memory.get('peak_rss_mb', 0):13.0f} MB"
        )
    lines.append(rule)
    if summaries:
        worst_ratio = min(s.ratio for _, s in summaries)
        worst_p99 = max(
            max(percentile(s.open_paced.latencies, 0.99), percentile(s.closed_paced.latencies, 0.99))
            for _, s in summaries
        )
        worst_mb = max(max(s.open_mb, s.closed_mb) for _, s in summaries)
        lines.append(
            f"Targets: line >= {TARGET_RATIO:.0%} of bare: {verdict(worst_ratio >= TARGET_RATIO)} "
            f"(lowest {worst_ratio:.2f}); p99 < {TARGET_P99_MS:.0f} ms: "
            f"{verdict(worst_p99 * 1000 < TARGET_P99_MS)} (highest {ms(worst_p99)} ms); worker < "
            f"{TARGET_WORKER_MB:.0f} MB: {verdict(worst_mb < TARGET_WORKER_MB)} (largest {worst_mb:.0f} MB)"
        )
        disturbed = [f"{p.backend} {p.size:,}" for p, s in summaries if s.others > DISTURBED_CORES]
        if disturbed:
            lines.append(
                f"Disturbed: other programs used over {DISTURBED_CORES} cores during {', '.join(disturbed)}: "
                "run again on a quiet machine before trusting those rows."
            )
    lines += ["", f"By request kind, line open, {plan.rate:.0f} req/s (p50/p99 ms):"]
    for point, s in summaries:
        cells = [
            f"{kind} {ms(percentile(v, 0.5))}/{ms(percentile(v, 0.99))}"
            for kind, v in sorted(s.open_paced.by_kind.items())
        ]
        lines.append(f"  {point.backend} {point.size:,}: " + ", ".join(cells))
    return "\n".join(lines)


def as_json(bench: Bench) -> dict[str, object]:
    def result(r: Results) -> dict[str, object]:
        return {
            "rps": r.rps,
            "p50_ms": percentile(r.latencies, 0.5) * 1000,
            "p95_ms": percentile(r.latencies, 0.95) * 1000,
            "p99_ms": percentile(r.latencies, 0.99) * 1000,
            "requests": len(r.latencies),
            "journeys": r.journeys,
            "errors": r.errors,
            "apologies": r.apologies,
            "queue_full": r.queue_full,
            "server_cpu_ms_per_request": r.cpu_ms_per_request("server"),
            "proxy_cpu_ms_per_request": r.cpu_ms_per_request("front"),
            "db_cpu_ms_per_request": r.cpu_ms_per_request("database"),
            "cores": vars(r.usage) if r.usage else None,
            "by_kind_p50_p99_ms": {
                k: (percentile(v, 0.5) * 1000, percentile(v, 0.99) * 1000) for k, v in r.by_kind.items()
            },
        }

    return {
        "plan": {k: str(v) for k, v in vars(bench.plan).items()},
        "bare_paced": result(bench.bare_paced) if bench.bare_paced else None,
        "bare_memory": bench.bare_memory,
        "points": [
            {
                "backend": p.backend,
                "size": p.size,
                "rows": p.rows,
                "memory": p.memory,
                "errors_logged": p.errors_logged,
                "phases": {k: result(v) for k, v in p.phases.items()},
                "profile": p.profile,
            }
            for p in bench.points
        ],
    }


class OutOfTime(Exception):
    """The whole run took longer than BENCH_TIMEOUT: stop, ending the servers on the way out."""


def _out_of_time(_signal: int, _frame: object) -> None:
    raise OutOfTime(f"the benchmark ran past BENCH_TIMEOUT ({os.environ.get('BENCH_TIMEOUT', 2700)} s)")


def main() -> int:
    if shutil.which("gunicorn", path=str(VENV_BIN)) is None:
        say("gunicorn is missing from .venv: run `make install` first")
        return 2
    # Every phase is bounded; this bounds the whole, whatever happens (45 minutes by default).
    signal.signal(signal.SIGALRM, _out_of_time)
    signal.alarm(int(os.environ.get("BENCH_TIMEOUT", "2700")))
    try:
        return Bench(Plan.from_environment()).run()
    except OutOfTime as error:
        say(str(error))
        return 3
    finally:
        signal.alarm(0)


if __name__ == "__main__":
    sys.exit(main())
