"""Load generators: wrk (preferred) or a Python fallback. Both keep connections alive, stop after
a fixed duration, and count every response outside 2xx as an error.

Connections are opened in staggered groups (by default 4 wrk processes of 4 connections, started
0.15 s apart). gunicorn's workers share one listening socket and a gthread worker accepts as
long as it is awake, so connections opened all at once tend to land on one worker and leave the
other idle: that measures half a server, at random. Opening them in batches lets a busy worker
lose the race for the next batch.
"""

from __future__ import annotations

import http.client
import json
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

WRK_SCRIPT = Path(__file__).with_name("wrk_report.lua")

Probe = Callable[[], list[int] | None]


@dataclass
class LoadConfig:
    duration: float = 10.0  # seconds measured per target, split over the rounds
    rounds: int = 5  # interleaved rounds over all targets
    warmup: float = 2.0  # seconds of discarded load before each target's first round
    connections: int = 16  # persistent connections kept open by the generator
    groups: int = 4  # connections are opened in this many batches (wrk processes)
    stagger: float = 0.15  # seconds between two batches
    threads: int = 1  # wrk threads per batch; the 2-core server needs the CPU more
    timeout: float = 5.0  # a request slower than this counts as an error
    generator: str = "auto"  # auto | wrk | python


@dataclass
class LoadResult:
    generator: str
    requests: int
    duration_s: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float
    errors: int  # non-2xx responses + socket errors + timeouts
    error_detail: dict[str, int]
    rounds: list[float] = field(default_factory=list)  # req/s of each round, when combined
    other_cpu: float | None = None  # share of the machine's CPU used by unrelated processes
    connections_per_worker: list[int] | None = None  # keep-alive connections each worker held
    attempts: int = 1  # runs made to get one where every server worker held a connection
    round_connections: list[list[int] | None] = field(default_factory=list)  # when combined

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def pick_generator(config: LoadConfig) -> str:
    if config.generator == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: `apt-get install -y wrk`, or --generator python")
    if config.generator in {"wrk", "python"}:
        return config.generator
    return "wrk" if shutil.which("wrk") else "python"


def _check_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host != "127.0.0.1":
        raise ValueError(f"benchmarks send traffic to 127.0.0.1 only, not {host!r}")


def _batches(config: LoadConfig) -> list[int]:
    groups = max(1, min(config.groups, config.connections))
    sizes = [config.connections // groups] * groups
    for i in range(config.connections % groups):
        sizes[i] += 1
    return sizes


def run_load(
    url: str,
    headers: dict[str, str],
    config: LoadConfig,
    *,
    seconds: float,
    during: Probe | None = None,
) -> LoadResult:
    """Load `url` for `seconds` (after the connections' ramp-up) with the configured generator.
    `during`, if given, is called once while every connection is open; its answer is kept as
    `connections_per_worker`."""
    _check_loopback(url)
    if pick_generator(config) == "wrk":
        return _run_wrk(url, headers, config, seconds, during)
    return _run_python(url, headers, config, seconds, during)


def _probe(seconds: float, during: Probe | None) -> list[int] | None:
    if during is None:
        return None
    time.sleep(min(0.5, seconds / 3))
    return during()


# --- wrk ---------------------------------------------------------------------------------------


def _wrk_command(
    url: str, headers: dict[str, str], config: LoadConfig, connections: int, seconds: float
) -> list[str]:
    command = [
        "wrk",
        f"-t{max(1, min(config.threads, connections))}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={max(1, round(config.timeout))}s",
        "-s",
        str(WRK_SCRIPT),
    ]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    return [*command, url]


def _run_wrk(
    url: str, headers: dict[str, str], config: LoadConfig, seconds: float, during: Probe | None
) -> LoadResult:
    """One wrk process per batch, started `stagger` seconds apart, each running `seconds`.
    Requests/s is all requests over the span from the first start to the last end; the latency
    percentiles are the batches' percentiles weighted by their request counts."""
    processes: list[subprocess.Popen[str]] = []
    started = time.monotonic()
    try:
        for i, size in enumerate(_batches(config)):
            if i:
                time.sleep(config.stagger)
            processes.append(
                subprocess.Popen(
                    _wrk_command(url, headers, config, size, seconds),
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        split = _probe(seconds, during)
        outputs = []
        deadline = started + seconds + config.stagger * len(processes) + config.timeout + 30
        for process in processes:
            stdout, stderr = process.communicate(timeout=max(1.0, deadline - time.monotonic()))
            outputs.append((process.returncode, stdout, stderr))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)
    span = time.monotonic() - started
    parts = []
    for returncode, stdout, stderr in outputs:
        line = next((x for x in stdout.splitlines() if x.startswith("BENCH_JSON ")), None)
        if returncode != 0 or line is None:
            raise RuntimeError(f"wrk failed ({returncode}): {stderr or stdout}")
        parts.append(json.loads(line.removeprefix("BENCH_JSON ")))
    # wrk's own clock for the measured span: the last batch's duration plus the ramp before it.
    duration = min(
        span, max(p["duration_us"] for p in parts) / 1e6 + config.stagger * (len(parts) - 1)
    )
    requests = sum(p["requests"] for p in parts)

    def weighted(key: str) -> float:
        return sum(p[key] * p["requests"] for p in parts) / requests / 1000 if requests else 0.0

    detail: dict[str, int] = {}
    for key in ("non2xx", "connect_errors", "read_errors", "write_errors", "timeouts"):
        if total := sum(p[key] for p in parts):
            detail[key] = total
    if bad := next((p["last_bad_status"] for p in parts if p["last_bad_status"]), 0):
        detail["last_bad_status"] = bad
    return LoadResult(
        generator="wrk",
        requests=requests,
        duration_s=round(duration, 3),
        rps=requests / duration if duration else 0.0,
        p50_ms=weighted("p50_us"),
        p95_ms=weighted("p95_us"),
        p99_ms=weighted("p99_us"),
        mean_ms=weighted("mean_us"),
        max_ms=max(p["max_us"] for p in parts) / 1000,
        errors=sum(v for k, v in detail.items() if k != "last_bad_status"),
        error_detail=detail,
        connections_per_worker=split,
    )


# --- Python fallback ---------------------------------------------------------------------------


def _run_python(
    url: str, headers: dict[str, str], config: LoadConfig, seconds: float, during: Probe | None
) -> LoadResult:
    """One thread per keep-alive connection, opened batch by batch like wrk's. Slower than wrk
    (the GIL, and the CPU it takes from the server), so absolute numbers are lower; the ratios
    still compare like with like."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    batches = _batches(config)
    ramp = config.stagger * (len(batches) - 1)
    started = time.monotonic()
    deadline = started + ramp + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"non2xx": 0, "socket_errors": 0, "last_bad_status": 0}

    def connect() -> http.client.HTTPConnection:
        return http.client.HTTPConnection(parts.hostname, parts.port, timeout=config.timeout)

    def loop(delay: float) -> None:
        time.sleep(delay)
        mine: list[float] = []
        conn = connect()
        while time.monotonic() < deadline:
            begun = time.perf_counter()
            try:
                conn.request("GET", target, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                with lock:
                    counts["socket_errors"] += 1
                conn.close()
                conn = connect()
                continue
            mine.append(time.perf_counter() - begun)
            if not 200 <= response.status <= 299:
                with lock:
                    counts["non2xx"] += 1
                    counts["last_bad_status"] = response.status
        conn.close()
        with lock:
            latencies.extend(mine)

    workers = [
        threading.Thread(target=loop, args=(config.stagger * i,), daemon=True)
        for i, size in enumerate(batches)
        for _ in range(size)
    ]
    for worker in workers:
        worker.start()
    time.sleep(ramp)
    split = _probe(seconds, during)
    for worker in workers:
        worker.join(timeout=max(0.1, deadline - time.monotonic()) + config.timeout + 5)
    duration = time.monotonic() - started
    with lock:
        values = sorted(latencies)
        detail = {k: v for k, v in counts.items() if v}
    errors = counts["non2xx"] + counts["socket_errors"]

    def percentile(q: float) -> float:
        if not values:
            return 0.0
        return values[min(len(values) - 1, max(0, round(q / 100 * len(values)) - 1))] * 1000

    return LoadResult(
        generator="python",
        requests=len(values),
        duration_s=round(duration, 3),
        rps=len(values) / duration if duration else 0.0,
        p50_ms=percentile(50),
        p95_ms=percentile(95),
        p99_ms=percentile(99),
        mean_ms=(sum(values) / len(values) * 1000) if values else 0.0,
        max_ms=(values[-1] * 1000) if values else 0.0,
        errors=errors,
        error_detail=detail,
        connections_per_worker=split,
    )
