"""Shared pieces of the benchmarks: fresh data directories, the simulated stream, child peak memory."""

import atexit
import contextlib
import http.client
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BIN = Path(sys.executable).parent
ORDEX = str(BIN / "ordex")


def machine() -> dict:
    with open("/proc/cpuinfo") as f:
        model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    with open("/proc/meminfo") as f:
        mem_kb = int(next(line.split()[1] for line in f if line.startswith("MemTotal")))
    return {"cpu": model, "cores": os.cpu_count(), "memory_gb": round(mem_kb / 1024 / 1024, 1),
            "python": platform.python_version()}


def free_port() -> int:
    """A loopback port nothing listens on now: two benchmarks running at once never share a server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process `pid` and of its descendants alive now (Linux /proc): a gunicorn
    master with its workers."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents, cpu = {}, {}
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended while we read
        parents[int(entry.parent.name)] = int(fields[1])
        cpu[int(entry.parent.name)] = (int(fields[11]) + int(fields[12])) / ticks
    tree, grown = {pid}, True
    while grown:
        children = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= children
        grown = bool(children)
    return sum(cpu.get(member, 0.0) for member in tree)


@dataclass(frozen=True)
class Served:
    port: int
    pid: int

    def cpu_seconds(self) -> float:
        """CPU the server (gunicorn's master and workers) has used so far."""
        return cpu_seconds(self.pid)


@contextlib.contextmanager
def served(env: dict, *options: str, start_seconds: float = 180):
    """`ordex serve` (no task worker) on a free loopback port against `env`'s database; yields it (`Served`)
    once it answers (a loaded machine takes a while to start gunicorn and Django), stops it after."""
    port = free_port()
    server = subprocess.Popen([ORDEX, "serve", "--port", str(port), "--no-worker", *options], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + start_seconds
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"ordex serve exited with {server.returncode} before answering")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/v1/openapi.json")
                conn.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("ordex serve did not answer") from None
                time.sleep(0.2)
        yield Served(port=port, pid=server.pid)
    finally:
        server.terminate()
        server.wait(60)


def stream(orders: int, seed: int = 1) -> Path:
    """The simulated stream for `orders` orders (generated once, kept in bench/out)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"stream-{orders}-{seed}.jsonl"
    labels = OUT / f"labels-{orders}-{seed}.jsonl"
    if not path.exists() or not labels.exists():
        with open(path, "wb") as out:
            subprocess.run([ORDEX, "simulate", "--orders", str(orders), "--seed", str(seed), "--labels", str(labels)],
                           stdout=out, check=True)
    return path


def temporary_dir(prefix: str) -> str:
    """A fresh temporary directory, removed when the benchmark process exits (a run leaves no data behind)."""
    path = tempfile.mkdtemp(prefix=prefix)
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def fresh_env(database_url: str | None = None, **extra) -> dict:
    env = dict(os.environ)
    env["ORDEX_DATA_DIR"] = temporary_dir("ordex-bench-")
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    env.update(extra)
    return env


def reset_postgres(database_url: str):
    """Drop and recreate the public schema so each run starts empty."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA public CASCADE")
        conn.execute("CREATE SCHEMA public")


def migrate(env: dict):
    subprocess.run([ORDEX, "migrate", "--quiet"], env=env, check=True)


def measured(cmd: list[str], env: dict | None = None) -> tuple[str, int]:
    """Run cmd; return (stdout, peak RSS of the child in MB) via GNU time."""
    result = subprocess.run(["/usr/bin/time", "-f", "MAXRSS_KB=%M", *cmd], env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"{cmd[0]} failed: {result.stderr[-2000:]}")
    rss = next(int(line.split("=")[1]) for line in result.stderr.splitlines() if line.startswith("MAXRSS_KB="))
    return result.stdout, rss // 1024


def median(values):
    return round(statistics.median(values), 3)


def last_json(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


def postgres_url() -> str | None:
    url = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if url and url.startswith("postgres"):
        try:
            import psycopg

            psycopg.connect(url, connect_timeout=2).close()
            return url
        except Exception:
            return None
    return None


def run_script(script: str, env: dict, *args: str) -> dict:
    """Run a bench script in a child process against `env`'s database; its last stdout line is its JSON."""
    out = subprocess.run([sys.executable, script, *args], env=env, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return last_json(out.stdout)


def on_each_database(script: str, *args: str) -> dict:
    """Run a bench script's child on a fresh SQLite instance and, when configured, on an emptied PostgreSQL
    database: {"sqlite": …, "postgresql": …}."""
    results = {"sqlite": run_script(script, fresh_env(None), *args)}
    url = postgres_url()
    if url:
        reset_postgres(url)
        results["postgresql"] = run_script(script, fresh_env(url), *args)
    return results


def setup_django(*, migrate_first: bool = True) -> None:
    """Inside a child: Django set up against the database its environment names (migrated)."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ordex.settings")
    import django

    django.setup()
    if migrate_first:
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
