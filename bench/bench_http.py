"""HTTP ingest: `ordex serve` on loopback, several client threads posting batches of 100 events, then
single-event requests; events/s and request latency p50/p95."""

import http.client
import json
import statistics
import subprocess
import threading
import time

from common import ORDEX, fresh_env, migrate, postgres_url, reset_postgres, served, stream


def _percentile(values, q):
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))] * 1000, 1)


def _post_all(port, bodies, token, latencies, lock):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for body in bodies:
        started = time.perf_counter()
        conn.request("POST", "/api/v1/events", body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}")
        with lock:
            latencies.append(time.perf_counter() - started)


def _load(path, limit):
    events = []
    with open(path, "rb") as f:
        for line in f:
            events.append(json.loads(line))
            if len(events) >= limit:
                break
    return events


def run_once(events, clients, batch, database_url=None) -> dict:
    if database_url:
        reset_postgres(database_url)
    env = fresh_env(database_url)
    migrate(env)
    token = subprocess.run([ORDEX, "token", "create", "--name", "bench", "--role", "integration"], env=env,
                           capture_output=True, text=True, check=True).stdout.strip()
    # The server's own defaults (workers x threads): what a merchant running `ordex serve` gets.
    with served(env) as server:
        bodies = [json.dumps({"events": events[i:i + batch]}) for i in range(0, len(events), batch)]
        shares = [bodies[i::clients] for i in range(clients)]
        latencies, lock = [], threading.Lock()
        started = time.perf_counter()
        threads = [threading.Thread(target=_post_all, args=(server.port, share, token, latencies, lock))
                   for share in shares]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        batched = {"events_per_s": round(len(events) / elapsed), "p50_ms": _percentile(latencies, 0.5),
                   "p95_ms": _percentile(latencies, 0.95)}
        # Single-event requests, one client: the latency an integration pushing live sees.
        singles = [json.dumps({"events": [dict(e, id=e["id"] + "-single")]}) for e in events[:300]]
        single_latencies = []
        _post_all(server.port, singles, token, single_latencies, lock)
        return {"batched": batched, "single": {"p50_ms": _percentile(single_latencies, 0.5),
                                              "p95_ms": _percentile(single_latencies, 0.95)}}


def run(orders: int, runs: int, clients: int = 4, batch: int = 100, events_limit: int = 30000) -> dict:
    events = _load(stream(orders), events_limit)
    result = {"events": len(events), "clients": clients, "batch": batch}
    sqlite_runs = [run_once(events, clients, batch) for _ in range(runs)]
    result["sqlite"] = _summarise(sqlite_runs)
    url = postgres_url()
    if url:
        result["postgresql"] = _summarise([run_once(events, clients, batch, url) for _ in range(runs)])
    return result


def _summarise(runs):
    return {
        "batched_events_per_s": statistics.median(r["batched"]["events_per_s"] for r in runs),
        "batched_p50_ms": statistics.median(r["batched"]["p50_ms"] for r in runs),
        "batched_p95_ms": statistics.median(r["batched"]["p95_ms"] for r in runs),
        "single_p50_ms": statistics.median(r["single"]["p50_ms"] for r in runs),
        "single_p95_ms": statistics.median(r["single"]["p95_ms"] for r in runs),
        "runs": runs,
    }
