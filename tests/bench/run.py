"""`make bench`: the whole line under load beside the bare minimum, on SQLite and PostgreSQL.

For each database and each size of call history (empty, then seeded up to 1,000,000 calls) it starts
the line under gunicorn as in production, once with the line open and once closed, and measures:
- saturation: requests per second with callers walking journeys back to back, beside the bare
  endpoint (a fixed <Gather>, no database, no signature check) under the same gunicorn settings;
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
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from cryptography.fernet import Fernet

from tests.bench import seed
from tests.bench.journeys import CLOSED_SCRIPTS, OPEN_SCRIPTS, Journey, QueueSeats, pick
from tests.bench.load import Client, Results, paced, percentile, saturate
from tests.bench.profile import profile_during
from tests.bench.servers import PROJECT, VENV_BIN, Gunicorn, free_port

OPEN_TIME = "2026-11-30T10:00:00-05:00"  # a Monday morning: the line is open
CLOSED_TIME = "2026-11-28T10:00:00-05:00"  # the Saturday after Thanksgiving: closed, voicemail

TARGET_RATIO = 0.5
TARGET_P99_MS = 50.0
TARGET_WORKER_MB = 150.0


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


@dataclass(frozen=True)
class Plan:
    """How long and how hard each phase runs; BENCH_QUICK=1 makes a few-minute smoke run."""

    quick: bool
    backends: list[str]
    sizes: list[int]
    workers: int
    rate: float
    calls: int
    callers: int
    saturation: tuple[float, float]  # warm-up, measured seconds
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
            workers=int(os.environ.get("BENCH_WORKERS", "4")),
            rate=float(os.environ.get("BENCH_RATE", "200")),
            calls=int(os.environ.get("BENCH_CALLS", "1500")),
            callers=int(os.environ.get("BENCH_CALLERS", "16")),
            saturation=(2.0, 6.0) if quick else (3.0, 12.0),
            open_paced=(8.0, 15.0) if quick else (20.0, 40.0),
            closed_paced=(6.0, 10.0) if quick else (15.0, 25.0),
            bare_paced=(3.0, 10.0) if quick else (5.0, 20.0),
            profile=os.environ.get("BENCH_PROFILE", "") not in ("", "0"),
            out=Path(os.environ.get("BENCH_DIR", "/tmp/dril-ivr-bench")),
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

    def line_env(self, database_url: str, port: int, fixed_time: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("IVR_", "TWILIO_"))}
        env.pop("DATABASE_URL", None)
        return env | {
            "IVR_ENV": "testing",
            "SECRET_KEY": self.secret_key,
            "TWILIO_AUTH_TOKEN": self.auth_token,
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "IVR_DATA_KEY": self.data_key,
            "IVR_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "DATABASE_URL": database_url,
            "IVR_FIXED_TIME": fixed_time,
        }

    def line(self, name: str, database_url: str, fixed_time: str) -> Gunicorn:
        port = free_port()
        env = self.line_env(database_url, port, fixed_time)
        return Gunicorn(name, "app:app", env, port, self.plan.workers, self.plan.out)

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
            found = subprocess.run(  # noqa: S603 - the project's own script
                ["bash", str(PROJECT / ".ci" / "postgres")],  # noqa: S607
                check=True,
                capture_output=True,
                text=True,
                timeout=600,
            ).stdout.strip().splitlines()[-1]
            server = found.rsplit("/", 1)[0]
            admin = server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute("DROP DATABASE IF EXISTS ivr_bench WITH (FORCE)")
                connection.execute("CREATE DATABASE ivr_bench")
            url = server + "/ivr_bench"
        env = self.line_env(url, 5000, OPEN_TIME)
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

    def journeys(self, server: Gunicorn, scripts: tuple, follow: bool = True, line_open: bool = True) -> Callable[[], Journey]:
        seats = QueueSeats()
        rng = self.rng

        def make() -> Journey:
            return Journey(pick(scripts, rng), server.url, seats, rng, follow=follow, line_open=line_open)

        make.seats = seats  # type: ignore[attr-defined]
        return make

    async def _saturate(self, name: str, server: Gunicorn, make: Callable[[], Journey], follow: bool) -> Results:
        warmup, seconds = self.plan.saturation
        async with Client(self.auth_token) as client:
            result = await saturate(
                name, client, make, self.plan.callers, warmup, seconds, server.sample, server.cpu_seconds, follow
            )
        result.queue_full = make.seats.full_results  # type: ignore[attr-defined]
        return result

    async def _paced(
        self, name: str, server: Gunicorn, make: Callable[[], Journey], timing: tuple[float, float], follow: bool
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
                server.cpu_seconds,
                follow,
            )
        result.queue_full = make.seats.full_results  # type: ignore[attr-defined]
        return result

    def run_phase(self, point: Point | None, key: str, coroutine: object) -> Results:
        result: Results = asyncio.run(coroutine)  # type: ignore[arg-type]
        if point is not None:
            point.phases[key] = result
        say(f"{self.elapsed()}   {describe(key, result)}")
        return result

    def measure_bare(self, bare: Gunicorn) -> None:
        make = self.journeys(bare, OPEN_SCRIPTS, follow=False)
        self.bare_paced = self.run_phase(None, "bare paced", self._paced("bare paced", bare, make, self.plan.bare_paced, False))

    def measure_point(self, backend: str, size: int, url: str, bare: Gunicorn) -> Point:
        point = Point(backend, size, rows=seed.counts(url))
        say(f"{self.elapsed()} {backend}, {size:,} calls in the history ({point.rows})")
        line_open = self.line(f"{backend}-{size}-open", url, OPEN_TIME)
        line_open.start()
        try:
            bare.reset_watch()
            make_bare = self.journeys(bare, OPEN_SCRIPTS, follow=False)
            self.run_phase(point, "bare saturation", self._saturate("bare saturation", bare, make_bare, False))
            make_open = self.journeys(line_open, OPEN_SCRIPTS)
            self.run_phase(point, "open saturation", self._saturate("open saturation", line_open, make_open, True))
            make_open = self.journeys(line_open, OPEN_SCRIPTS)
            self.run_phase(
                point, "open paced", self._paced("open paced", line_open, make_open, self.plan.open_paced, True)
            )
            if self.plan.profile:
                make_open = self.journeys(line_open, OPEN_SCRIPTS)
                with profile_during(line_open, self.plan.out / f"profile-{backend}-{size}") as report:
                    asyncio.run(self._saturate("profiled", line_open, make_open, True))
                point.profile = report.summary
                say(point.profile)
        finally:
            point.memory["open"] = memory_of(line_open)
            point.errors_logged["open"] = line_open.error_lines()
            line_open.stop()
        point.memory["bare"] = memory_of(bare)
        line_closed = self.line(f"{backend}-{size}-closed", url, CLOSED_TIME)
        line_closed.start()
        try:
            make_closed = self.journeys(line_closed, CLOSED_SCRIPTS, line_open=False)
            self.run_phase(
                point, "closed saturation", self._saturate("closed saturation", line_closed, make_closed, True)
            )
            make_closed = self.journeys(line_closed, CLOSED_SCRIPTS, line_open=False)
            self.run_phase(
                point,
                "closed paced",
                self._paced("closed paced", line_closed, make_closed, self.plan.closed_paced, True),
            )
        finally:
            point.memory["closed"] = memory_of(line_closed)
            point.errors_logged["closed"] = line_closed.error_lines()
            line_closed.stop()
        self.points.append(point)
        return point

    def run(self) -> int:
        plan = self.plan
        say(
            f"dril-ivr benchmark: {', '.join(plan.backends)}; history sizes {', '.join(f'{s:,}' for s in plan.sizes)}; "
            f"gunicorn -w {plan.workers}; {plan.rate:.0f} req/s paced over ~{plan.calls:,} calls; "
            f"{plan.callers} callers at saturation{' (quick)' if plan.quick else ''}"
        )
        for log in plan.out.glob("gunicorn-*.log"):
            log.unlink()
        bare = Gunicorn("bare", "tests.bench.bare:app", dict(os.environ), free_port(), plan.workers, plan.out)
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
        (plan.out / f"report-{stamp}.txt").write_text(report)
        (plan.out / f"results-{stamp}.json").write_text(json.dumps(as_json(self), indent=1))
        say(f"Report and raw figures in {plan.out}/ (report-{stamp}.txt, results-{stamp}.json)")
        return 0


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
    lat = result.latencies
    errors = f", {result.error_count()} errors {result.errors}" if result.errors else ""
    apologies = f", {result.apologies} apologies" if result.apologies else ""
    full = f", {result.queue_full} queue-full" if result.queue_full else ""
    cpu_ms = result.server_cpu_seconds / result.completed * 1000 if result.completed else 0.0
    lag = f", client lag p99 {ms(percentile(result.client_lag, 0.99))} ms" if result.client_lag else ""
    calls = (
        f", {sum(result.calls_in_progress) // len(result.calls_in_progress):,} calls in progress"
        if result.calls_in_progress
        else ""
    )
    return (
        f"{key:<18} {result.rps:7.1f} req/s  p50 {ms(percentile(lat, 0.5))} p95 {ms(percentile(lat, 0.95))} "
        f"p99 {ms(percentile(lat, 0.99))} ms; server CPU {cpu_ms:.2f} ms/req; client CPU {result.client_cpu:.0%}"
        f"{calls}{lag}{full}{errors}{apologies}"
    )


def verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def table(bench: Bench) -> str:
    lines = ["", "=" * 118, "dril-ivr under load (gunicorn -w %d, 127.0.0.1, %d cores)" % (bench.plan.workers, os.cpu_count() or 0)]
    lines.append("=" * 118)
    header = (
        f"{'database':<9}{'calls':>10} | {'bare r/s':>8} {'line r/s':>8} {'ratio':>6} {'closed r/s':>10} | "
        f"{'p50':>6} {'p95':>6} {'p99':>6} {'closed p99':>10} | {'peak RSS MB':>11} {'PSS':>5} | {'errors':>6}"
    )
    lines += [header, "-" * len(header)]
    worst_ratio, worst_p99, worst_mem = 1e9, 0.0, 0.0
    for point in bench.points:
        p = point.phases
        bare, full, closed = p["bare saturation"], p["open saturation"], p["closed saturation"]
        paced_open, paced_closed = p["open paced"], p["closed paced"]
        ratio = full.rps / bare.rps if bare.rps else 0.0
        lat = paced_open.latencies
        p99 = max(percentile(lat, 0.99), percentile(paced_closed.latencies, 0.99))
        memory = max(point.memory["open"]["peak_rss_mb"], point.memory["closed"]["peak_rss_mb"])
        pss = max(point.memory["open"]["pss_mb"], point.memory["closed"]["pss_mb"])
        errors = sum(r.error_count() + r.apologies for k, r in p.items() if k != "bare saturation")
        errors += sum(point.errors_logged.values())
        worst_ratio, worst_p99, worst_mem = min(worst_ratio, ratio), max(worst_p99, p99), max(worst_mem, memory)
        lines.append(
            f"{point.backend:<9}{point.size:>10,} | {bare.rps:8.0f} {full.rps:8.0f} {ratio:6.2f} {closed.rps:10.0f} | "
            f"{ms(percentile(lat, 0.5)):>6} {ms(percentile(lat, 0.95)):>6} {ms(percentile(lat, 0.99)):>6} "
            f"{ms(percentile(paced_closed.latencies, 0.99)):>10} | {memory:11.0f} {pss:5.0f} | {errors:6d}"
        )
    lines.append("-" * len(header))
    if bench.bare_paced is not None:
        lat = bench.bare_paced.latencies
        lines.append(
            f"bare endpoint at {bench.plan.rate:.0f} req/s: p50 {ms(percentile(lat, 0.5))} p95 {ms(percentile(lat, 0.95))} "
            f"p99 {ms(percentile(lat, 0.99))} ms; bare worker peak RSS {bench.bare_memory.get('peak_rss_mb', 0):.0f} MB"
        )
    lines.append(
        "line r/s: full journeys with the line open (signed, database, TwiML); ratio = line / bare at saturation."
    )
    lines.append(
        f"p50/p95/p99: ms from when each request was due, open loop at {bench.plan.rate:.0f} req/s over "
        f"~{bench.plan.calls:,} calls in progress (line open); closed p99: the same with the line closed."
    )
    lines.append("peak RSS: the largest worker's VmHWM (kernel's peak RSS); PSS shares pages among workers.")
    if bench.points:
        lines.append("")
        lines.append(
            f"targets: throughput >= {TARGET_RATIO:.0%} of bare: {verdict(worst_ratio >= TARGET_RATIO)} "
            f"(worst {worst_ratio:.2f}); p99 < {TARGET_P99_MS:.0f} ms: {verdict(worst_p99 * 1000 < TARGET_P99_MS)} "
            f"(worst {ms(worst_p99)} ms); worker < {TARGET_WORKER_MB:.0f} MB: "
            f"{verdict(worst_mem < TARGET_WORKER_MB)} (worst {worst_mem:.0f} MB)"
        )
    lines.append("")
    lines.append("Latency by request kind, line open, paced (p50 / p99 ms):")
    for point in bench.points:
        by_kind = point.phases["open paced"].by_kind
        cells = [f"{kind} {ms(percentile(v, 0.5))}/{ms(percentile(v, 0.99))}" for kind, v in sorted(by_kind.items())]
        lines.append(f"  {point.backend:<9}{point.size:>10,}: " + "; ".join(cells))
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
            "server_cpu_ms_per_request": r.server_cpu_seconds / r.completed * 1000 if r.completed else None,
            "client_cpu": r.client_cpu,
            "by_kind_p99_ms": {k: percentile(v, 0.99) * 1000 for k, v in r.by_kind.items()},
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
            }
            for p in bench.points
        ],
    }


def main() -> int:
    if shutil.which("gunicorn", path=str(VENV_BIN)) is None:
        say("gunicorn is missing from .venv: run `make install` first")
        return 2
    return Bench(Plan.from_environment()).run()


if __name__ == "__main__":
    sys.exit(main())
