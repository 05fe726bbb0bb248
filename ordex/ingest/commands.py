"""`ordex import FILE`: the inbound contract from a JSON Lines file (plain, .gz, or - for stdin).

Reads and applies a chunk at a time (constant memory whatever the file size); each chunk commits on its
own, so an import killed halfway and run again ends in the same state as one clean run.
"""

import gzip
import io
import sys
import time
from contextlib import ExitStack

import orjson

from ordex.core.errors import CommandError

CHUNK_LINES = 5000


def configure(parser):
    parser.add_argument("file", help="JSON Lines file, .gz, or - for standard input")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object (last line)")
    parser.add_argument("--rejects", metavar="FILE", help="write each rejected line with its reason (JSON Lines)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _open(path: str):
    if path == "-":
        return io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace")
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise CommandError(f"cannot read {path}: {exc.strerror}")
    if path.endswith(".gz"):
        return io.TextIOWrapper(gzip.GzipFile(fileobj=raw), encoding="utf-8", errors="replace")
    return io.TextIOWrapper(raw, encoding="utf-8", errors="replace")


def run(args) -> int:
    from tqdm import tqdm

    from ordex.core.gc_tuning import tune_for_throughput
    from ordex.orders.hooks import bulk_import_scopes

    from .pipeline import ingest_events

    tune_for_throughput()

    totals = {"applied": 0, "duplicate": 0, "rejected": 0}
    rejects = open(args.rejects, "w", encoding="utf-8") if args.rejects else None  # noqa: SIM115
    started = time.perf_counter()
    progress = tqdm(unit=" events", disable=args.no_progress or None, file=sys.stderr, mininterval=0.5,
                    smoothing=0.1)
    stream = _open(args.file)

    def flush(batch):
        valid = [(text, event) for _, text, event in batch if event is not None]
        results = iter(ingest_events([event for _, event in valid], source="file", texts=[text for text, _ in valid]))
        for line_no, text, event in batch:
            if event is None:
                totals["rejected"] += 1
                _reject(rejects, line_no, text, "line is not valid JSON", "")
                continue
            result = next(results)
            totals[result.status] += 1
            if result.status == "rejected":
                _reject(rejects, line_no, text, result.error, result.field)
        progress.update(len(batch))
        progress.set_postfix(totals, refresh=False)

    try:
        with ExitStack() as scopes:  # e.g. detection's: exception types read once per file
            for scope in bulk_import_scopes:
                scopes.enter_context(scope())
            _read_all(stream, flush)
    finally:
        progress.close()
        stream.close()
        if rejects:
            rejects.close()
    seconds = round(time.perf_counter() - started, 3)
    summary = {**totals, "seconds": seconds}
    if args.json:
        print(orjson.dumps(summary).decode())
    else:
        count = sum(totals.values())
        rate = count / seconds if seconds else 0
        print(f"{count} events in {seconds:.1f} s ({rate:,.0f}/s): {totals['applied']} applied, "
              f"{totals['duplicate']} duplicate, {totals['rejected']} rejected")
    return 0


def _read_all(stream, flush):
    batch = []
    for line_no, text in enumerate(stream, start=1):
        text = text.strip()
        if not text:
            continue
        try:
            event = orjson.loads(text)
        except orjson.JSONDecodeError:
            event = None
        batch.append((line_no, text, event))
        if len(batch) >= CHUNK_LINES:
            flush(batch)
            batch = []
    if batch:
        flush(batch)


def _reject(rejects, line_no, text, error, field):
    if rejects is not None:
        rejects.write(orjson.dumps({"line": line_no, "error": error, "field": field, "event": text}).decode() + "\n")


COMMANDS = {"import": ("import events from a JSON Lines file (.gz or - for stdin)", configure, run)}
