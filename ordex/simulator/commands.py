"""`ordex simulate`: write a labelled, deterministic event stream (JSON Lines) to stdout."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime

from .config import DEFAULT_RATES
from .engine import DEFAULT_START, Simulator


def _rate(text: str) -> tuple[str, float]:
    code, sep, value = text.partition("=")
    if not sep or code not in DEFAULT_RATES:
        raise argparse.ArgumentTypeError(f"expected TYPE=FLOAT with TYPE one of: {', '.join(DEFAULT_RATES)}")
    try:
        rate = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"rate for {code} is not a number: {value!r}") from None
    if not 0 <= rate <= 0.2:
        raise argparse.ArgumentTypeError(f"rate for {code} must be between 0 and 0.2")
    return code, rate


def _start(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO-8601 time: {text!r}") from None
    if value.tzinfo is None:
        raise argparse.ArgumentTypeError("start needs a UTC offset, e.g. 2026-11-01T08:00:00+08:00")
    return value


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=_positive, required=True, help="number of orders to generate")
    parser.add_argument(
        "--seed", type=int, default=1, help="random seed (same seed and arguments: same bytes)"
    )
    parser.add_argument(
        "--start",
        type=_start,
        default=DEFAULT_START,
        help="time of the first event, ISO-8601 with offset (default 2026-11-01T08:00:00+08:00)",
    )
    parser.add_argument("--labels", metavar="FILE", help="write the injected exceptions here (JSON Lines)")
    parser.add_argument(
        "--rate",
        type=_rate,
        action="append",
        default=[],
        metavar="TYPE=FLOAT",
        help="override an injection rate (order types: share of orders; incident types: "
        "incidents per order); repeatable; 0 disables",
    )
    parser.add_argument("--shops", type=_positive, default=6, help="number of shops (platforms cycle)")


def run(args) -> int:
    simulator = Simulator(
        args.orders, seed=args.seed, start=args.start, rates=dict(args.rate), shops=args.shops
    )
    # the engine already writes in blocks of lines; wrapping stdout's buffer would close it when collected
    target = sys.stdout.buffer if hasattr(sys.stdout, "buffer") else _TextSink(sys.stdout)
    labels = simulator.run(target)
    target.flush()
    if args.labels:
        with open(args.labels, "w", encoding="utf-8") as fh:
            for entry in labels:
                fh.write(json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n")
    return 0


class _TextSink:
    """Lets ``run`` write to a text-only stdout (e.g. a captured one in tests)."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, data: bytes) -> None:
        self.stream.write(data.decode("utf-8"))

    def flush(self) -> None:
        self.stream.flush()


# verb -> (help, configure(parser), run(args) -> exit code); `ordex.cli` registers it.
COMMANDS = {"simulate": ("write a simulated event stream (JSON Lines) to stdout", configure, run)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="ordex simulate", description=__doc__)
    configure(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
