"""`make bench`: every benchmark, figures printed as JSON and written to bench/out/results.json.

Options: --orders N (default 100000), --runs R (default 3), --only NAME[,NAME] (import, floor, http, cases,
detection, pages). PostgreSQL figures are added when BENCH_DATABASE_URL (or DATABASE_URL) points at a server.
"""

import argparse
import importlib
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import OUT, machine  # noqa: E402

BENCHES = {"import": "bench_import", "floor": "bench_floor", "http": "bench_http", "cases": "bench_cases",
           "detection": "bench_detection", "pages": "bench_pages"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", default=",".join(BENCHES))
    args = parser.parse_args()
    results = {"machine": machine(), "command": " ".join(sys.argv), "started": time.strftime("%Y-%m-%d %H:%M")}
    for name in args.only.split(","):
        module_name = BENCHES[name]
        if not (Path(__file__).parent / f"{module_name}.py").exists():
            continue
        module = importlib.import_module(module_name)
        print(f"== {name}", file=sys.stderr, flush=True)
        results[name] = module.run(orders=args.orders, runs=args.runs)
        print(json.dumps({name: results[name]}, ensure_ascii=False, indent=2), flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
