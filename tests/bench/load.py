"""The load generator: many simulated calls at once over loopback, signed as Twilio signs them.

Two ways to load a server:
- `saturate`: a fixed number of callers walk journeys back to back with no pause (closed loop); the
  completed requests per second is the most the server gives.
- `paced`: requests leave at a fixed rate whatever the server does (open loop), spread over a fixed
  number of calls in progress, each waiting its turn like a caller listening to a prompt; latency is
  measured from when each request was due, so a slow server cannot hide its queueing.
Every loop here is bounded in time, and in count by the rate or the number of callers.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp
from twilio.request_validator import RequestValidator

from tests.bench.journeys import APOLOGY, Answer, Journey, Request, UnexpectedAnswer
from tests.bench.servers import Meter, Usage

TWILIO_TIMEOUT = 15.0  # Twilio waits this long for an answer, then gives up on the webhook
SAMPLE_EVERY = 0.5  # seconds between looks at the workers' memory


@dataclass
class Results:
    """What one phase measured."""

    name: str
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds, requests due inside the window
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    completed: int = 0  # requests answered inside the window
    journeys: int = 0  # calls walked to their end inside the window
    errors: dict[str, int] = field(default_factory=dict)
    apologies: int = 0  # answers in which the line said it had an error and took the safest step
    client_lag: list[float] = field(default_factory=list)  # how late the generator sent (paced)
    usage: Usage | None = None  # CPU of the server, database, generator and others in the window
    calls_in_progress: list[int] = field(default_factory=list)
    queue_full: int = 0

    @property
    def rps(self) -> float:
        return self.completed / self.seconds if self.seconds else 0.0

    def cpu_ms_per_request(self, part: str) -> float:
        """CPU milliseconds per answered request spent by `server` or `database`."""
        if not self.usage or not self.completed:
            return 0.0
        cores: float = getattr(self.usage, part)
        return cores * self.usage.seconds / self.completed * 1000

    def error_count(self) -> int:
        return sum(self.errors.values())

    def add_error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))
    return ordered[index]


class Client:
    """Posts signed webhooks over loopback, one new connection per request as Twilio makes them."""

    def __init__(self, auth_token: str) -> None:
        self.validator = RequestValidator(auth_token)
        self.session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Client:
        connector = aiohttp.TCPConnector(limit=0, force_close=True)
        timeout = aiohttp.ClientTimeout(total=TWILIO_TIMEOUT)
        self.session = aiohttp.ClientSession(connector=connector, timeout=timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.session is not None:
            await self.session.close()

    async def post(self, request: Request) -> Answer:
        assert self.session is not None
        signature = self.validator.compute_signature(request.url, request.form)
        async with self.session.post(
            request.url, data=request.form, headers={"X-Twilio-Signature": signature}
        ) as response:
            return Answer(response.status, await response.text())


Make = Callable[[], Journey]


class Phase:
    """Shared bookkeeping of a phase: the measuring window, results, and the server sampler."""

    def __init__(self, name: str, client: Client, sample: Callable[[], None], window: tuple[float, float]):
        self.client = client
        self.sample = sample
        self.results = Results(name)
        self.window_start, self.window_end = window  # loop-clock times

    def in_window(self, moment: float) -> bool:
        return self.window_start <= moment < self.window_end

    async def exchange(self, journey: Journey, request: Request, due: float) -> Request | None:
        """Send one request due at `due`; record it; return the journey's next request, if any."""
        loop = asyncio.get_running_loop()
        measured = self.in_window(due)
        try:
            answer = await self.client.post(request)
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            if measured:
                self.results.add_error(type(error).__name__)
            journey.steps.close()
            return None
        done = loop.time()
        if measured:
            latency = done - due
            self.results.latencies.append(latency)
            self.results.by_kind.setdefault(request.kind, []).append(latency)
            if done < self.window_end:
                self.results.completed += 1
            if APOLOGY in answer.body:
                self.results.apologies += 1
        try:
            following = journey.answer(answer)
        except UnexpectedAnswer as error:
            if measured:
                self.results.add_error(f"unexpected answer ({str(error)[:60]})")
            return journey.hang_up() if answer.status == 200 else None
        if following is None and measured:
            self.results.journeys += 1
        return following

    async def sampler(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.sample()
            try:
                await asyncio.wait_for(stop.wait(), SAMPLE_EVERY)
            except TimeoutError:
                pass


async def hang_up_all(client: Client, journeys: list[Journey], concurrency: int = 32) -> None:
    """End the calls still in progress (their callers hang up), so no queue entry is left waiting."""
    gate = asyncio.Semaphore(concurrency)

    async def one(journey: Journey) -> None:
        async with gate:
            try:
                await client.post(journey.hang_up())
            except (TimeoutError, aiohttp.ClientError, OSError):
                pass

    await asyncio.wait_for(asyncio.gather(*(one(j) for j in journeys)), timeout=120)


async def saturate(
    name: str,
    client: Client,
    make: Make,
    callers: int,
    warmup: float,
    seconds: float,
    sample: Callable[[], None],
    meter: Callable[[], Meter],
    follow: bool = True,
) -> Results:
    """`callers` callers walk journeys back to back; requests per second completed in the window."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    phase = Phase(name, client, sample, (start + warmup, start + warmup + seconds))
    end = phase.window_end
    open_calls: set[Journey] = set()

    async def caller() -> None:
        while loop.time() < end:
            journey = make()
            open_calls.add(journey)
            request: Request | None = journey.first()
            while request is not None and loop.time() < end:
                request = await phase.exchange(journey, request, loop.time())
            if request is None:
                open_calls.discard(journey)

    stop = asyncio.Event()
    sampler = asyncio.create_task(phase.sampler(stop))
    readings: list[Meter] = []

    async def mark() -> None:
        await asyncio.sleep(warmup)
        readings.append(meter())
        await asyncio.sleep(seconds)
        readings.append(meter())

    marker = asyncio.create_task(mark())
    await asyncio.gather(*(caller() for _ in range(callers)))
    await marker
    results = phase.results
    results.seconds = seconds
    results.usage = readings[0].until(readings[1])
    stop.set()
    await sampler
    if follow and open_calls:
        await hang_up_all(client, list(open_calls))
    return results


async def paced(
    name: str,
    client: Client,
    make: Make,
    rate: float,
    calls: int,
    ramp: float,
    seconds: float,
    sample: Callable[[], None],
    meter: Callable[[], Meter],
    follow: bool = True,
    seed: int = 4024,
) -> Results:
    """`rate` requests per second, open loop, over about `calls` calls in progress.

    During the ramp new calls come in until `calls` are in progress; after it, each tick either
    advances a call that is waiting to send its next request (picked at random, so callers spread
    out) or, when a call has ended, starts a new one. If every call is waiting on the server, a new
    call comes in regardless: callers keep dialling whatever the line's state.
    """
    loop = asyncio.get_running_loop()
    rng = random.Random(seed)
    start = loop.time() + 0.05
    phase = Phase(name, client, sample, (start + ramp, start + ramp + seconds))
    results = phase.results
    ready: list[tuple[Journey, Request]] = []
    in_progress = 0
    tasks: set[asyncio.Task[None]] = set()

    async def send(journey: Journey, request: Request, due: float) -> None:
        nonlocal in_progress
        following = await phase.exchange(journey, request, due)
        if following is None:
            in_progress -= 1
        else:
            ready.append((journey, following))

    stop = asyncio.Event()
    sampler = asyncio.create_task(phase.sampler(stop))
    total = int((ramp + seconds) * rate)
    start_reading: Meter | None = None
    for tick in range(total):
        due = start + tick / rate
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if start_reading is None and due >= phase.window_start:
            start_reading = meter()
        wanted = calls * min(1.0, (due - start) / ramp) if ramp else calls
        if in_progress < wanted or not ready:
            journey = make()
            in_progress += 1
            request = journey.first()
        else:
            index = rng.randrange(len(ready))
            ready[index], ready[-1] = ready[-1], ready[index]
            journey, request = ready.pop()
        if phase.in_window(due):
            results.client_lag.append(max(0.0, loop.time() - due))
            if tick % int(rate) == 0:
                results.calls_in_progress.append(in_progress)
        task = asyncio.create_task(send(journey, request, due))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    results.seconds = seconds
    if start_reading is not None:
        results.usage = start_reading.until(meter())
    # Let the last requests finish (each is bounded by Twilio's 15 s), then end the calls.
    if tasks:
        await asyncio.wait(set(tasks), timeout=TWILIO_TIMEOUT + 5)
    stop.set()
    await sampler
    if follow and ready:
        await hang_up_all(client, [journey for journey, _ in ready])
    return results
