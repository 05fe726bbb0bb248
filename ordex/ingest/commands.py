"""`ordex import FILE`: the inbound contract from a JSON Lines file (plain, .gz, or - for stdin).

Reads and applies a chunk at a time (constant memory whatever the file size); each chunk commits on its
own, so an import killed halfway and run again ends in the same state as one clean run.
"""

import argparse
import gzip
import io
import sys
import time
from contextlib import ExitStack
from datetime import UTC, datetime

import orjson

from ordex.core.errors import CommandError

CHUNK_LINES = 5000
SHOWN_REJECTIONS = 5  # reasons printed on stderr; `--rejects FILE` keeps every one
EXIT_ALL_REJECTED = 3


def configure(parser):
    parser.add_argument("file", help="JSON Lines file, .gz, or - for standard input")
    parser.add_argument("--json", action="store_true", help="print the summary as one JSON object (last line)")
    parser.add_argument("--rejects", metavar="FILE", help="write each rejected line with its reason (JSON Lines)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--history", action="store_true",
                        help="a history import: the periodic rules follow the events' clock (a pass every "
                             "--scan-every minutes of the stream's time); cases of conditions over before the "
                             "end are recorded closed as historical, those still true open live")
    parser.add_argument("--scan-every", type=_minutes, default=15, metavar="MINUTES",
                        help="with --history: replay the periodic rules every N minutes of the stream (1-1440, "
                             "default 15)")


def _minutes(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 1440:
        raise argparse.ArgumentTypeError("expected whole minutes between 1 and 1440")
    return value


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

    from ordex.core.commands import require_migrated
    from ordex.core.gc_tuning import tune_for_throughput
    from ordex.orders.hooks import bulk_import_scopes

    from .history import history_feed, occurred_at
    from .pipeline import ingest_events

    require_migrated()
    tune_for_throughput()
    shown = []  # the first rejections: (line, field, reason)

    totals = {"applied": 0, "duplicate": 0, "rejected": 0}
    rejects = open(args.rejects, "w", encoding="utf-8") if args.rejects else None  # noqa: SIM115
    started = time.perf_counter()
    progress = tqdm(unit=" events", disable=args.no_progress or None, file=sys.stderr, mininterval=0.5,
                    smoothing=0.1)
    stream = _open(args.file)

    feed = None

    def flush(batch):
        valid = [(text, event) for _, text, event in batch if event is not None]
        results = iter(ingest_events([event for _, event in valid], source="file", texts=[text for text, _ in valid],
                                     history=feed is not None))
        applied = []
        for line_no, text, event in batch:
            if event is None:
                totals["rejected"] += 1
                _reject(rejects, line_no, text, "line is not valid JSON", "", shown)
                continue
            result = next(results)
            totals[result.status] += 1
            if result.status == "rejected":
                _reject(rejects, line_no, text, result.error, result.field, shown)
            elif feed is not None and result.status == "applied":
                applied.append(occurred_at(event))
        if feed is not None:
            feed.saw(moment for moment in applied if moment is not None)
        progress.update(len(batch))
        progress.set_postfix(totals, refresh=False)

    history = None
    try:
        with ExitStack() as scopes:  # e.g. detection's: exception types read once per file
            if args.history:
                key = f"file:{args.file}:{datetime.now(UTC).isoformat(timespec='seconds')}"
                feed = scopes.enter_context(history_feed(key, source="file", scan_minutes=args.scan_every))
            for scope in bulk_import_scopes:
                scopes.enter_context(scope())
            _read_all(stream, flush, feed)
            if feed is not None:
                history = feed.finish()
    finally:
        progress.close()
        stream.close()
        if rejects:
            rejects.close()
    seconds = round(time.perf_counter() - started, 3)
    summary = {**totals, "seconds": seconds}
    if history is not None:
        summary["history"] = {key: history[key] for key in ("historical_cases", "live_cases", "withdrawn")
                              if key in history}
    if args.json:
        print(orjson.dumps(summary).decode())
    else:
        count = sum(totals.values())
        rate = count / seconds if seconds else 0
        print(f"{count} events in {seconds:.1f} s ({rate:,.0f}/s): {totals['applied']} applied, "
              f"{totals['duplicate']} duplicate, {totals['rejected']} rejected")
        if "history" in summary:
            print(f"history: {summary['history'].get('historical_cases', 0)} historical cases (closed), "
                  f"{summary['history'].get('live_cases', 0)} live cases opened")
    if shown:
        _print_rejections(shown, totals["rejected"], args.rejects)
    if totals["rejected"] and not totals["applied"] and not totals["duplicate"]:
        return EXIT_ALL_REJECTED
    return 0


def _print_rejections(shown, rejected: int, rejects_path: str | None) -> None:
    for line_no, field, error in shown:
        print(f"line {line_no}: rejected{f' at {field}' if field else ''}: {error}", file=sys.stderr)
    if rejected > len(shown):
        print(f"... and {rejected - len(shown)} more", file=sys.stderr)
    if rejects_path:
        print(f"every rejected line with its reason: {rejects_path}", file=sys.stderr)
    else:
        print("run again with --rejects FILE to write every rejected line with its reason "
              "(lines already applied are reported duplicate)", file=sys.stderr)


def _read_all(stream, flush, feed=None):
    """Flush every CHUNK_LINES lines; in a history import (`feed`) also before the first event that arrives
    after a scan moment of the stream, which is then replayed (a live system's pass at that moment has seen
    exactly the events that arrived before it)."""
    from .history import occurred_at

    batch, clock = [], None  # clock: the newest occurred_at read so far
    for line_no, text in enumerate(stream, start=1):
        text = text.strip()
        if not text:
            continue
        try:
            event = orjson.loads(text)
        except orjson.JSONDecodeError:
            event = None
        moment = occurred_at(event) if feed is not None else None
        if moment is not None and (clock is None or moment > clock):
            clock = moment
            if feed.due(clock):
                if batch:
                    flush(batch)
                    batch = []
                feed.scan_to(clock)
        batch.append((line_no, text, event))
        if len(batch) >= CHUNK_LINES:
            flush(batch)
            batch = []
    if batch:
        flush(batch)


def _reject(rejects, line_no, text, error, field, shown):
    if len(shown) < SHOWN_REJECTIONS:
        shown.append((line_no, field, error))
    if rejects is not None:
        rejects.write(orjson.dumps({"line": line_no, "error": error, "field": field, "event": text}).decode() + "\n")


COMMANDS = {"import": ("import events from a JSON Lines file (.gz or - for stdin)", configure, run)}
