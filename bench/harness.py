"""The benchmark environment: a throwaway data directory with the demo data, a real
`concord serve` on a free loopback port, API tokens and signed-in sessions on request.

Everything the harness starts it stops again (`BenchContext` is a context manager), and every
wait is bounded in time.
"""

from __future__ import annotations

import http.cookiejar
import os
import resource
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from .loadgen import LoadConfig, LoadResult, pick_generator, run_load

REPO_ROOT = Path(__file__).resolve().parent.parent
BARE_PATH = "/bench/bare"
MAX_ATTEMPTS = 3  # runs of one round until every server worker holds a connection


@dataclass
class ServerConfig:
    workers: int = 2
    threads: int = 4
    database_url: str | None = None  # None: SQLite in the throwaway directory
    settings: str = "bench.settings"


@dataclass
class Target:
    name: str
    path: str
    headers: dict[str, str]
    auth: str  # shown in the table: none, token, session


@dataclass
class Measurement:
    name: str
    path: str
    auth: str
    result: LoadResult


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _concord_command() -> list[str]:
    script = Path(sys.executable).with_name("concord")
    return [str(script)] if script.exists() else [sys.executable, "-m", "concord.cli"]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


@dataclass
class BenchContext:
    server: ServerConfig = field(default_factory=ServerConfig)
    load: LoadConfig = field(default_factory=LoadConfig)
    keep_dir: bool = False
    verbose: bool = True

    def __post_init__(self) -> None:
        self.password = secrets.token_urlsafe(18)
        self.var_dir: Path | None = None
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._tokens: dict[str, str] = {}
        self._sessions: dict[str, str] = {}
        self.generator = pick_generator(self.load)
        self.load_before = self.load_after = (0.0, 0.0, 0.0)

    # --- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> BenchContext:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def say(self, text: str) -> None:
        if self.verbose:
            print(f"[bench] {text}", flush=True)

    def env(self) -> dict[str, str]:
        assert self.var_dir is not None
        env = dict(os.environ)
        env["DJANGO_SETTINGS_MODULE"] = self.server.settings
        env["CONCORD_VAR_DIR"] = str(self.var_dir)
        env["PYTHONPATH"] = os.pathsep.join(
            [str(REPO_ROOT), *filter(None, [env.get("PYTHONPATH")])]
        )
        env.pop("DATABASE_URL", None)  # never the developer's database
        if self.server.database_url:
            env["DATABASE_URL"] = self.server.database_url
        return env

    def concord(self, *args: str, timeout: float = 300) -> str:
        """Run a `concord` management command with the bench settings; return its stdout."""
        done = subprocess.run(
            [*_concord_command(), *args],
            env=self.env(),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"concord {' '.join(args[:2])} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self) -> None:
        self.load_before = os.getloadavg()  # other work on the machine skews absolute numbers
        self.var_dir = Path(tempfile.mkdtemp(prefix="concord-bench-"))
        self.say(f"data dir {self.var_dir}; loading the demo data")
        self.concord("demo", "--no-serve", "--password", self.password)
        self.port = _free_port()
        self._log = (self.var_dir / "server.log").open("wb")
        command = [
            *_concord_command(),
            "serve",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.server.workers),
            "--threads",
            str(self.server.threads),
            # No task worker: it would compete for the CPU, and act on the benchmarks' data.
            "--no-tasks",
        ]
        self.say(
            f"starting: concord serve --bind 127.0.0.1:{self.port} "
            f"--workers {self.server.workers} --threads {self.server.threads} --no-tasks"
        )
        self._process = subprocess.Popen(
            command,
            env=self.env(),
            cwd=REPO_ROOT,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._wait_ready(timeout=60)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"the server exited early:\n{self.server_log()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url(BARE_PATH), timeout=2) as response:
                    if response.status == 200:
                        return
            except (OSError, urllib.error.URLError):
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        self.load_after = os.getloadavg()
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            self.say("stopping the server")
            try:
                os.killpg(process.pid, signal.SIGTERM)  # our own session: gunicorn and workers
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None
        if self.var_dir is not None and not self.keep_dir:
            shutil.rmtree(self.var_dir, ignore_errors=True)
            self.var_dir = None
        elif self.var_dir is not None:
            self.say(f"kept {self.var_dir}")

    def server_log(self) -> str:
        if self.var_dir is None or not (self.var_dir / "server.log").exists():
            return ""
        return (self.var_dir / "server.log").read_text(errors="replace")

    # --- credentials ---------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def token(self, username: str) -> str:
        """A new API token for a demo user (cached for the run)."""
        if username not in self._tokens:
            out = self.concord("token", "create", username, "--label", "bench")
            self._tokens[username] = out.strip().splitlines()[-1].strip()
        return self._tokens[username]

    def session_cookie(self, username: str) -> str:
        """Sign in through the real login form (CSRF included); return `sessionid=…`."""
        if username in self._sessions:
            return self._sessions[username]
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), _NoRedirect())
        login = self.url("/account/login/")
        with opener.open(login, timeout=10) as response:
            response.read()
        csrf = next((c.value for c in jar if c.name == "csrftoken"), "")
        body = urllib.parse.urlencode(
            {"username": username, "password": self.password, "csrfmiddlewaretoken": csrf}
        ).encode()
        request = urllib.request.Request(
            login, data=body, headers={"Referer": login, "X-CSRFToken": csrf}
        )
        try:
            with opener.open(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as error:  # the 302 after a successful sign-in
            status = error.code
        session = next((c.value for c in jar if c.name == "sessionid"), None)
        if status != 302 or session is None:
            raise RuntimeError(f"could not sign in as {username!r} (HTTP {status})")
        self._sessions[username] = f"sessionid={session}"
        return self._sessions[username]

    # --- measuring -----------------------------------------------------------------------------

    def probe(self, path: str, headers: dict[str, str]) -> tuple[int, bytes]:
        """One request without following redirects: (status, body)."""
        opener = urllib.request.build_opener(_NoRedirect())
        request = urllib.request.Request(self.url(path), headers=headers)
        try:
            with opener.open(request, timeout=10) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def connections_per_worker(self) -> list[int] | None:
        """Established connections to the server port held by each gunicorn worker, largest
        first (Linux /proc; None elsewhere)."""
        if self._process is None:
            return None
        master = self._process.pid
        port = f":{self.port:04X}"
        try:
            inodes = set()
            for table in ("/proc/net/tcp", "/proc/net/tcp6"):
                if not os.path.exists(table):
                    continue
                with open(table) as rows:
                    for row in rows.readlines()[1:]:
                        cols = row.split()
                        if cols[1].endswith(port) and cols[3] == "01":  # 01: ESTABLISHED
                            inodes.add(f"socket:[{cols[9]}]")
            counts = []
            for pid in _group_pids(master):
                if pid == master:
                    continue
                held = 0
                for fd in os.listdir(f"/proc/{pid}/fd"):
                    try:
                        held += os.readlink(f"/proc/{pid}/fd/{fd}") in inodes
                    except OSError:
                        continue
                counts.append(held)
        except (OSError, ValueError, IndexError):
            return None
        return sorted(counts, reverse=True)

    def _measure_round(self, target: Target, seconds: float) -> LoadResult:
        """One round of one target. gunicorn's workers share one listening socket, so keep-alive
        connections land on the workers at random (the generator opens them in staggered
        batches to spread them): a round in which a worker held no connection measured half a
        server, and is run again (at most MAX_ATTEMPTS times; the last attempt is kept)."""
        url = self.url(target.path)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            meter = CpuMeter(self._process.pid if self._process else None)
            result = run_load(
                url, target.headers, self.load, seconds=seconds, during=self.connections_per_worker
            )
            result.other_cpu = meter.other_share()
            result.attempts = attempt
            split = result.connections_per_worker
            if not split or min(split) > 0 or self.load.connections < len(split):
                break
        return result

    def measure_all(self, targets: list[Target]) -> list[Measurement]:
        """Warm every target up, then measure them in interleaved rounds (A B C, A B C, …) so a
        change in the machine's background load hits every target alike; each target gets
        `duration` seconds in all. Requests/s is total requests over total time; the latency
        percentiles are the median of the rounds'; ratios (see report) pair up the rounds."""
        rounds = max(1, self.load.rounds)
        per_round = self.load.duration / rounds
        for target in targets:
            status, _ = self.probe(target.path, target.headers)
            if status != 200:
                self.say(f"warning: {target.name} answers HTTP {status} (counted as errors)")
            if self.load.warmup > 0:
                run_load(self.url(target.path), target.headers, self.load, seconds=self.load.warmup)
        runs: dict[str, list[LoadResult]] = {target.name: [] for target in targets}
        for number in range(rounds):
            for target in targets:
                result = self._measure_round(target, per_round)
                runs[target.name].append(result)
                other = "" if result.other_cpu is None else f"  other CPU {result.other_cpu:4.0%}"
                split = result.connections_per_worker
                conns = "" if split is None else "  conns " + "/".join(map(str, split))
                retried = f" (attempt {result.attempts})" if result.attempts > 1 else ""
                self.say(
                    f"round {number + 1}/{rounds} {target.name:<14} {result.rps:9.1f} req/s  "
                    f"p95 {result.p95_ms:7.2f} ms  errors {result.errors}{other}{conns}{retried}"
                )
        return [
            Measurement(target.name, target.path, target.auth, combine(runs[target.name]))
            for target in targets
        ]


class CpuMeter:
    """How much of the machine's CPU went to processes other than the server and the load
    generator while a measurement ran (Linux /proc; None elsewhere). Other work on the machine
    (a test suite, a build) skews absolute numbers, and less so the same-round ratios."""

    def __init__(self, server_pgid: int | None) -> None:
        self.server_pgid = server_pgid
        self.start = self._sample()

    def _sample(self) -> tuple[float, float, float, float] | None:
        try:
            with open("/proc/stat") as stat:
                fields = [int(x) for x in stat.readline().split()[1:]]
            busy = sum(fields) - fields[3] - fields[4]  # all but idle and iowait
            server = 0
            for pid in _group_pids(self.server_pgid) if self.server_pgid is not None else []:
                try:
                    with open(f"/proc/{pid}/stat") as stat:
                        text = stat.read()
                except OSError:
                    continue
                rest = text[text.rfind(")") + 2 :].split()
                server += int(rest[11]) + int(rest[12])
            ours = resource.getrusage(resource.RUSAGE_SELF)
            children = resource.getrusage(resource.RUSAGE_CHILDREN)  # wrk, once waited for
            tick = os.sysconf("SC_CLK_TCK")
            ours_ticks = (
                ours.ru_utime + ours.ru_stime + children.ru_utime + children.ru_stime
            ) * tick
            return busy, server, ours_ticks, time.monotonic()
        except (OSError, ValueError, IndexError):
            return None

    def other_share(self) -> float | None:
        end = self._sample()
        if self.start is None or end is None:
            return None
        busy, server, ours, wall = (b - a for a, b in zip(self.start, end, strict=True))
        capacity = wall * os.sysconf("SC_CLK_TCK") * (os.cpu_count() or 1)
        return max(0.0, busy - server - ours) / capacity if capacity else None


def _group_pids(pgid: int) -> list[int]:
    """Processes of one process group (the server's: gunicorn's master and its workers)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                text = stat.read()
        except OSError:
            continue
        if int(text[text.rfind(")") + 2 :].split()[2]) == pgid:
            pids.append(int(entry))
    return pids


def combine(results: list[LoadResult]) -> LoadResult:
    if len(results) == 1:
        return results[0]
    requests = sum(r.requests for r in results)
    duration = sum(r.duration_s for r in results)
    detail: dict[str, int] = {}
    for r in results:
        for key, value in r.error_detail.items():
            detail[key] = value if key == "last_bad_status" else detail.get(key, 0) + value
    return LoadResult(
        generator=results[0].generator,
        requests=requests,
        duration_s=round(duration, 3),
        rps=requests / duration if duration else 0.0,
        p50_ms=statistics.median(r.p50_ms for r in results),
        p95_ms=statistics.median(r.p95_ms for r in results),
        p99_ms=statistics.median(r.p99_ms for r in results),
        mean_ms=sum(r.mean_ms * r.requests for r in results) / requests if requests else 0.0,
        max_ms=max(r.max_ms for r in results),
        errors=sum(r.errors for r in results),
        error_detail=detail,
        rounds=[r.rps for r in results],
        connections_per_worker=results[-1].connections_per_worker,
        round_connections=[r.connections_per_worker for r in results],
        attempts=sum(r.attempts for r in results),
        other_cpu=(
            statistics.mean(shares)
            if (shares := [r.other_cpu for r in results if r.other_cpu is not None])
            else None
        ),
    )


def latency_result(latencies: list[float], generator: str = "in-process") -> LoadResult:
    """A benchmark row from per-item latencies (seconds) on one core: items/s and percentiles."""
    ordered = sorted(latencies)
    total = sum(ordered) or 1e-9

    def pct(p: float) -> float:
        return 1000 * ordered[min(len(ordered) - 1, int(p * len(ordered)))]

    return LoadResult(
        generator=generator,
        requests=len(ordered),
        duration_s=total,
        rps=len(ordered) / total,
        p50_ms=pct(0.50),
        p95_ms=pct(0.95),
        p99_ms=pct(0.99),
        mean_ms=1000 * statistics.fmean(ordered),
        max_ms=1000 * ordered[-1],
        errors=0,
        error_detail={},
    )


def rate_result(
    items: int, seconds: float, generator: str = "in-process", rounds: list[float] | None = None
) -> LoadResult:
    """A benchmark row for a throughput-only measurement (no per-item latency)."""
    return LoadResult(
        generator=generator,
        requests=items,
        duration_s=seconds,
        rps=items / max(seconds, 1e-9),
        p50_ms=0.0,
        p95_ms=0.0,
        p99_ms=0.0,
        mean_ms=1000 * seconds / max(items, 1),
        max_ms=0.0,
        errors=0,
        error_detail={},
        rounds=rounds or [],
    )


def setup_child_django(var_dir: Path) -> None:
    """In a benchmark's child process: Django on the bench settings, its data under `var_dir`,
    the database migrated."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ["CONCORD_VAR_DIR"] = str(var_dir)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.DEBUG = False
    call_command("migrate", verbosity=0)


def child_env(ctx: BenchContext | None, *, fresh_sqlite: bool = False) -> dict[str, str]:
    """The environment of a benchmark's child process: the run's, with the repository on the
    path; `fresh_sqlite` drops DATABASE_URL so the child makes its own SQLite database."""
    env = ctx.env() if ctx is not None else dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    if fresh_sqlite:
        env.pop("DATABASE_URL", None)
    return env


def run_child(env: dict[str, str], module: str, *args: object) -> dict[str, Any]:
    """Run `python -m MODULE --child ARGS…` (a benchmark measuring in a process and database of
    its own) and return the JSON object it prints last; its stderr tail when it fails."""
    done = subprocess.run(
        [sys.executable, "-m", module, "--child", *map(str, args)],
        env=env,
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=4 * 3600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{module} child failed:\n{done.stderr[-4000:]}")
    import json

    found = json.loads(done.stdout.strip().splitlines()[-1])
    if not isinstance(found, dict):
        raise TypeError(f"{module} child printed no JSON object")
    return found
