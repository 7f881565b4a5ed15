"""khabar command line: extract (offline, no broker), worker (Faust), produce (JSONL -> topic)."""
from __future__ import annotations

import argparse
import os
import sys
from typing import BinaryIO, Iterator

import orjson

from streams.config import ARTICLES, DEADLETTER, ENRICHED, Settings, SettingsError, describe


class InputError(Exception):
    """The input file cannot be read at all (exit 2, as opposed to 1: some lines were dead-lettered)."""


def _open(path: str) -> BinaryIO:
    if path == "-":
        return sys.stdin.buffer
    try:
        return open(path, "rb")
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a JSONL file") from None
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read: {e.strerror or e}") from None


def _lines(path: str) -> Iterator[tuple[int, bytes]]:
    if path == "-" and sys.stdin.isatty():  # otherwise it looks like a hang
        print("khabar: reading article JSONL from stdin (one article per line; Ctrl-D ends)", file=sys.stderr)
    stream = _open(path)  # opened before the first line is asked for: errors surface before any output
    return _read_lines(stream)


def _read_lines(stream: BinaryIO) -> Iterator[tuple[int, bytes]]:
    try:
        for number, line in enumerate(stream, 1):
            line = line.rstrip(b"\r\n")
            if line.strip():
                yield number, line
    except OSError as e:  # e.g. EISDIR or EIO at read time
        raise InputError(f"{getattr(stream, 'name', '-')}: cannot read: {e.strerror or e}") from None
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def cmd_extract(args) -> int:
    from streams.processing import Counts

    counts = Counts()
    try:
        _extract(_lines(args.file), args, counts)
    except InputError as e:
        print(f"khabar extract: {e}", file=sys.stderr)
        return 2
    summary = counts.as_dict()
    print(f"khabar extract: {summary['in']} in, {summary['enriched']} enriched, "
          f"{summary['deadlettered']} dead-lettered, events {summary['events']}", file=sys.stderr)
    return 1 if counts.deadlettered else 0


def _extract(lines: Iterator[tuple[int, bytes]], args, counts) -> None:
    from streams.processing import process

    out, err = sys.stdout.buffer, sys.stderr.buffer
    cooccurrence = fusion = None
    if args.cooccurrence or args.fuse:  # fusion reads the co-occurrence dedup decision
        from streams.cooccurrence import OfflineCooccurrence
        cooccurrence = OfflineCooccurrence(Settings())
    if args.fuse:
        from streams.fusion import OfflineFusion
        fusion = OfflineFusion(Settings())
    seen: set[str] = set()
    for number, line in lines:
        for output in process(line, topic=args.file, offset=number, counts=counts,
                              max_body_chars=Settings().max_body_chars):
            if output.topic == ENRICHED:
                if output.value["id"] in seen:  # the same id again: marked as in the worker
                    output.value["duplicate_of"] = output.value["id"]
                seen.add(output.value["id"])
                if cooccurrence is not None:
                    decision = cooccurrence.add(output.value)  # first: it records duplicate_of on the article
                    if fusion is not None:
                        fusion.add(output.value, decision)
                out.write(output.value_bytes() + b"\n")
            elif output.topic == DEADLETTER:
                err.write(output.value_bytes() + b"\n")
    out.flush()
    if args.cooccurrence:
        cooccurrence.write(args.cooccurrence)
    if fusion is not None:
        fusion.write(args.fuse)


def _drop_faust_env() -> list[str]:
    """Remove Faust's own FAUST_*/F_* variables before Faust is imported (it reads them at import, and
    its command line takes --debug/--workdir defaults from them)."""
    names = [n for n in os.environ if n.startswith(("FAUST_", "F_"))]
    for name in names:
        del os.environ[name]
    return names


def cmd_worker(args) -> int:
    dropped = _drop_faust_env()
    from streams.stream.admin import WORKER_TOPICS, check_broker, ensure_topics_sync
    from streams.stream.security import client_security
    from streams.stream.app import build, faust_env_names

    ignored = sorted(set(dropped) | set(faust_env_names()))
    if ignored:
        print(f"khabar worker: ignoring Faust's own environment variables {', '.join(ignored)} "
              f"(only KHABAR_* settings configure khabar)", file=sys.stderr)
    settings = Settings()
    client_security(settings)  # unreadable CA, certificate or secret files are reported before any connection
    check_broker(settings.broker)
    khabar = build(settings)
    public = {settings.topic(n) for n in WORKER_TOPICS}  # actors.cooccurrence is a table's changelog too
    changelogs = [name for name in (t.changelog_topic.get_topic_name() for t in khabar.app.tables.values())
                  if name not in public]
    cluster: dict = {}
    created = ensure_topics_sync(settings, changelogs, cluster)
    if created:
        print(f"created topics: {', '.join(created)}", file=sys.stderr)
    from streams.stream.store import reset_stale

    for reason in reset_stale(khabar.app, set(created), cluster.get("cluster_id")):
        print(f"khabar worker: {reason}", file=sys.stderr)
    sys.argv = ["khabar", "worker", "--loglevel", settings.log_level.replace("warning", "warn"),
                "--web-host", settings.web_host, "--web-port", str(settings.web_port)]
    khabar.app.main()
    return 0


async def _produce(path: str, settings: Settings, progress: bool) -> tuple[int, int]:
    import asyncio

    from aiokafka import AIOKafkaProducer
    from tqdm import tqdm

    from aiokafka.errors import KafkaConnectionError

    from streams.stream.admin import bootstrap_failed, bootstrap_servers, ensure_topics, quiet_bootstrap
    from streams.stream.security import client_security

    await ensure_topics(settings, names=(ARTICLES,))
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap_servers(settings.broker), acks="all",
                                max_request_size=settings.max_message_bytes, linger_ms=5,
                                **client_security(settings))
    try:
        with quiet_bootstrap() as reasons:
            await producer.start()
    except KafkaConnectionError as e:
        await producer.stop()
        raise bootstrap_failed(settings, reasons) from e
    sent = unkeyed = 0
    try:
        lines = list(_lines(path))
        futures = []
        for _, line in tqdm(lines, desc="produce", unit="article", disable=not progress, file=sys.stderr):
            key = None
            try:
                value = orjson.loads(line)
                if isinstance(value, dict) and value.get("id") not in (None, ""):
                    key = str(value["id"]).encode("utf-8")
            except orjson.JSONDecodeError:
                pass
            unkeyed += key is None
            # the line goes out as written: bad input is the worker's to dead-letter, not ours to fix
            futures.append(await producer.send(settings.topic(ARTICLES), value=line, key=key))
            sent += 1
        await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return sent, unkeyed


def cmd_produce(args) -> int:
    import asyncio

    from streams.stream.admin import check_broker
    from streams.stream.security import client_security

    settings = Settings()
    client_security(settings)  # unreadable CA, certificate or secret files are reported before any connection
    check_broker(settings.broker)
    sent, unkeyed = asyncio.run(_produce(args.file, settings, progress=not args.quiet))
    print(f"khabar produce: sent {sent} messages to {settings.topic(ARTICLES)} ({unkeyed} without an id key)",
          file=sys.stderr)
    return 0


def cmd_schemas_register(args) -> int:
    from pathlib import Path

    from streams.registry import RegistryError, RegistryUnavailable, register

    try:
        registered = register(args.url, Settings(), Path(args.schemas) if args.schemas else None)
    except RegistryUnavailable as e:
        print(f"khabar schemas: {e}", file=sys.stderr)
        return 2
    except RegistryError as e:
        print(f"khabar schemas: {e}", file=sys.stderr)
        return 1
    for r in registered:
        print(f"{r.subject}: id {r.id}, version {r.version} ({r.file})")
    return 0


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    from streams.version import PIPELINE_VERSION
    try:
        package = version("khabar")
    except PackageNotFoundError:  # run from a source tree that was never installed
        package = "(not installed)"
    return f"khabar {package} (pipeline {PIPELINE_VERSION})"


def _settings_help() -> str:
    rows = describe()
    width = max(len(env) for env, _, _ in rows)
    lines = [f"  {env:<{width}}  {meaning} (default: {default or '(empty)'})" for env, default, meaning in rows]
    return "settings (environment variables):\n" + "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="khabar", description=__doc__)
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("extract", help="enrich article JSONL offline (no broker); enriched JSONL on stdout, "
                                       "dead letters on stderr; exit 1 if any input failed, "
                                       "2 if the file cannot be read")
    p.add_argument("file", nargs="?", default="-", help="article JSONL file, or - for stdin (default)")
    p.add_argument("--cooccurrence", metavar="OUT.jsonl", help="also write actor co-occurrence tables")
    p.add_argument("--fuse", metavar="OUT.jsonl", help="also write the fused events (one record per event "
                                                       "however many articles report it)")
    p.set_defaults(func=cmd_extract)
    p = sub.add_parser("worker", help="run the Faust worker (settings from KHABAR_* environment variables)",
                       description="Run the Faust worker: enrich the input topic, publish enriched records, "
                                   "events, co-occurrence tables and dead letters; web views and /metrics on "
                                   "KHABAR_WEB_HOST:KHABAR_WEB_PORT. Exit code 2 when no broker is reachable.",
                       epilog=_settings_help(), formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(func=cmd_worker)
    p = sub.add_parser("produce", help="send article JSONL to the input topic",
                       epilog="Uses KHABAR_BROKER, KHABAR_TOPIC_PREFIX, KHABAR_PARTITIONS, KHABAR_REPLICAS, "
                              "KHABAR_MAX_MESSAGE_BYTES and the KHABAR_SECURITY_PROTOCOL/SASL_*/SSL_* settings (see "
                              "`khabar worker --help`). Exit code 2 when no broker is reachable or it refuses the "
                              "connection.")
    p.add_argument("file", help="article JSONL file, or - for stdin")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_produce)
    p = sub.add_parser("schemas", help="topic schemas in a Schema Registry")
    schemas = p.add_subparsers(dest="schemas_command", required=True)
    p = schemas.add_parser("register", help="register every schemas/*.json as <topic>-value (JSON Schema) in a "
                                            "Confluent-API registry; idempotent",
                           epilog="Topic names take KHABAR_TOPIC_PREFIX. Exit code 2 when no registry answers, "
                                  "1 when it refuses a schema.")
    p.add_argument("url", help="registry base URL, e.g. http://localhost:18081 (Redpanda) or "
                               "http://host:8080/apis/ccompat/v7 (Apicurio)")
    p.add_argument("--schemas", metavar="DIR", help="schema directory (default: ./schemas, else the source tree's)")
    p.set_defaults(func=cmd_schemas_register)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except SettingsError as e:  # expected: one line, no traceback
        print(f"khabar {args.command}: {e}", file=sys.stderr)
        return 2
    except RuntimeError as e:
        # imported only here: `khabar extract` starts without the Kafka client libraries
        from streams.stream.admin import BrokerUnavailable

        if not isinstance(e, BrokerUnavailable):
            raise
        print(f"khabar {args.command}: {e}", file=sys.stderr)  # expected: one line, no traceback
        return 2


if __name__ == "__main__":
    sys.exit(main())
