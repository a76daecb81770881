"""`orderhub`: the ops person's window into OrderHub through Kafka.

Exit codes: 0 ok, 2 usage error (argparse, unknown topic), 1 anything else (one line, no traceback).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
from collections.abc import Sequence

from aiokafka.errors import KafkaError
from orderhub_contracts.topics import SERVICES

from orderhub_ops import dlq_cmd, lag_cmd, redrive_cmd, tail_cmd, topics_cmd
from orderhub_ops.kafka_io import (
    BOOTSTRAP_ENV,
    DEFAULT_BOOTSTRAP,
    PREFIX_ENV,
    OpsConfig,
    OpsError,
    UsageError,
    connection_error,
    quiet_kafka_logging,
)

PROG = "orderhub"


def _non_negative(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {raw!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {value}")
    return value


def _dlq_offset(raw: str) -> tuple[int | None, int]:
    try:
        return redrive_cmd.parse_offset(raw)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not N or PARTITION:N: {raw!r}") from None


def build_parser() -> argparse.ArgumentParser:
    # Global options are accepted before or after the subcommand. SUPPRESS keeps a subcommand's
    # unset copy from overwriting a value given before it.
    common = argparse.ArgumentParser(add_help=False, argument_default=argparse.SUPPRESS)
    common.add_argument(
        "--bootstrap",
        metavar="HOST:PORT",
        help=f"Kafka bootstrap servers (env {BOOTSTRAP_ENV}, default {DEFAULT_BOOTSTRAP})",
    )
    common.add_argument("--topic-prefix", metavar="PREFIX", help=f'topic name prefix (env {PREFIX_ENV}, default "")')
    common.add_argument("-v", "--verbose", action="store_true", help="show the Kafka client's own logs")

    parser = argparse.ArgumentParser(
        prog=PROG, parents=[common], description="Inspect OrderHub through Kafka: topics, lag, events, dead letters."
    )
    groups = parser.add_subparsers(dest="area", required=True, metavar="{topics,dlq}")

    topics = groups.add_parser("topics", help="topics, consumer lag, tailing events")
    tcmd = topics.add_subparsers(dest="command", required=True, metavar="{list,lag,tail}")
    p = tcmd.add_parser("list", parents=[common], help="every topic with partition and message counts")
    p.add_argument("--internal", action="store_true", help="include internal topics (__consumer_offsets, ...)")
    p.add_argument("--json", action="store_true", help="one JSON object per topic")

    p = tcmd.add_parser("lag", parents=[common], help="committed offsets and lag of the OrderHub consumer groups")
    p.add_argument("--group", metavar="G", help="one group: a service name, orderhub-<service>, or any group id")
    p.add_argument("--json", action="store_true", help="one JSON object per group")

    p = tcmd.add_parser("tail", parents=[common], help="the last records of a topic, or follow new ones")
    p.add_argument(
        "topic", metavar="TOPIC", help="an OrderHub topic (orders.v1, dlq.rules.v1, ...) or an existing topic"
    )
    p.add_argument("-n", dest="count", type=_non_negative, default=10, metavar="N", help="how many (default 10)")
    p.add_argument("-f", "--follow", action="store_true", help="keep printing new records until Ctrl-C")
    p.add_argument("--key", metavar="ORDER_ID", help="only records with this key")
    p.add_argument("--type", dest="ce_type", metavar="CE_TYPE", help="only records with this ce_type")
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="one JSON object per record")
    out.add_argument("--compact", action="store_true", help="JSON values on one line")

    dlq = groups.add_parser("dlq", help="dead-lettered messages")
    dcmd = dlq.add_subparsers(dest="command", required=True, metavar="{list,redrive}")
    p = dcmd.add_parser("list", parents=[common], help="the dead-lettered messages of a service")
    p.add_argument("service", choices=SERVICES, metavar="SERVICE", help=f"one of: {', '.join(SERVICES)}")
    p.add_argument("--json", action="store_true", help="one JSON object per message")

    p = dcmd.add_parser("redrive", parents=[common], help="republish dead-lettered messages to their original topic")
    p.add_argument("service", choices=SERVICES, metavar="SERVICE", help=f"one of: {', '.join(SERVICES)}")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every message in the dead-letter topic")
    which.add_argument(
        "--offset",
        action="append",
        type=_dlq_offset,
        metavar="[P:]N",
        help="a dead-letter offset (repeatable); P:N names the partition",
    )
    which.add_argument("--event-id", action="append", metavar="ID", help="a ce_id (repeatable)")
    p.add_argument("--dry-run", action="store_true", help="show what would be redriven, publish nothing")
    return parser


async def dispatch(args: argparse.Namespace, cfg: OpsConfig) -> int:
    match (args.area, args.command):
        case ("topics", "list"):
            return await topics_cmd.run_list(cfg, as_json=args.json, include_internal=args.internal)
        case ("topics", "lag"):
            return await lag_cmd.run_lag(cfg, group=args.group, json_out=args.json)
        case ("topics", "tail"):
            opts = tail_cmd.TailOptions(
                topic=args.topic,
                count=args.count,
                follow=args.follow,
                key=args.key,
                ce_type=args.ce_type,
                json_out=args.json,
                compact=args.compact,
            )
            return await tail_cmd.run_tail(cfg, opts)
        case ("dlq", "list"):
            return await dlq_cmd.run_list(cfg, service=args.service, json_out=args.json)
        case ("dlq", "redrive"):
            selection = redrive_cmd.Selection(
                all=args.all, offsets=tuple(args.offset or ()), event_ids=tuple(args.event_id or ())
            )
            return await redrive_cmd.run_redrive(cfg, service=args.service, selection=selection, dry_run=args.dry_run)
    raise AssertionError(f"unhandled command {args.area} {args.command}")


async def run(argv: Sequence[str] | None = None) -> int:
    """Parse and run one command; returns the exit code. argparse usage errors raise SystemExit(2)."""
    return await run_args(build_parser().parse_args(argv))


async def run_args(args: argparse.Namespace) -> int:
    quiet_kafka_logging(getattr(args, "verbose", False))
    cfg = OpsConfig.from_env(getattr(args, "bootstrap", None), getattr(args, "topic_prefix", None))
    try:
        return await dispatch(args, cfg)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except OpsError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `orderhub topics tail ... | head`: the reader has gone, stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (KafkaError, OSError, TimeoutError) as exc:
        print(f"{PROG}: {connection_error(cfg, exc)}", file=sys.stderr)
        return 1
    except Exception as exc:  # still one line, no traceback (unless --verbose)
        if getattr(args, "verbose", False):
            traceback.print_exc()
        print(f"{PROG}: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return asyncio.run(run_args(args))
    except KeyboardInterrupt:
        # Ctrl-C is how `tail --follow` is meant to end; anywhere else it is an interruption.
        return 0 if getattr(args, "follow", False) else 130


if __name__ == "__main__":
    sys.exit(main())
