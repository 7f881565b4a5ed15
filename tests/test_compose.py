"""Static checks of the container setup: docker-compose.yml, Dockerfile, .dockerignore and
the example articles that the compose `producer` sends.

No Docker engine is needed. The one-shot topic-creation script is extracted from the compose
file and run under /bin/sh against a stub `rpk`, so its idempotence is tested for real.
If a Compose client is installed (`docker compose` or `docker-compose`), the file is also
validated with `config -q`; otherwise that test is skipped.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest

yaml = pytest.importorskip("yaml", reason="PyYAML (dev dependency) is needed to read docker-compose.yml")

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
EXAMPLES = ROOT / "examples" / "articles.jsonl"
ARTICLE_SCHEMA = ROOT / "schemas" / "article.schema.json"

SERVICES = ("redpanda", "console", "topics", "schemas", "worker", "producer", "prometheus")
KHABAR_SERVICES = ("schemas", "worker", "producer")  # run the khabar image
TOPICS = (
    "articles",
    "articles.enriched",
    "events.sanctions",
    "events.visits",
    "articles.deadletter",
    "actors.cooccurrence",
    "events.fused",
)
# An exact release: 1.2.3 with an optional leading "v" and an optional suffix (-slim-bookworm).
EXACT_VERSION = re.compile(r"^v?\d+\.\d+\.\d+(?:[-._][0-9A-Za-z.-]+)?$")


# --------------------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def compose() -> dict:
    with COMPOSE_FILE.open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    assert isinstance(data, dict), "docker-compose.yml must be a mapping"
    return data


@pytest.fixture(scope="module")
def services(compose) -> dict:
    return compose["services"]


def _env(service: dict) -> dict[str, str]:
    """A service's environment as a dict, whether written as a mapping or as a list."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        out = {}
        for item in env:
            key, _, value = str(item).partition("=")
            out[key] = value
        return out
    return {str(k): ("" if v is None else str(v)) for k, v in env.items()}


def _text(value) -> str:
    """command/entrypoint/healthcheck.test as one string."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return str(value)


def _published(service: dict) -> dict[int, int]:
    """Host port -> container port for every published port of a service."""
    out: dict[int, int] = {}
    for entry in service.get("ports") or []:
        if isinstance(entry, dict):
            out[int(entry["published"])] = int(entry["target"])
            continue
        spec = str(entry).split("/")[0]
        parts = spec.split(":")
        if len(parts) == 1:
            out[int(parts[0])] = int(parts[0])
        else:  # "host:container" or "ip:host:container"
            out[int(parts[-2])] = int(parts[-1])
    return out


def _depends_on(service: dict) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):  # short syntax: no condition
        return {name: "service_started" for name in deps}
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


_INTERPOLATION = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?-)(?P<default>[^}]*))?\}")


def _interpolate(value: str, env: dict[str, str] | None = None) -> str:
    """Compose-style interpolation of ${VAR}, ${VAR:-default}, ${VAR-default} and $$."""
    env = env or {}

    def repl(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name, op, default = m.group("name"), m.group("op"), m.group("default") or ""
        if name in env and (env[name] != "" or op != ":-"):
            return env[name]
        return default if op else ""

    return _INTERPOLATION.sub(repl, value)


def _topics_script(services) -> str:
    """The topic-creation shell script, as the container's /bin/sh -c receives it."""
    svc = services["topics"]
    command = svc["command"]
    script = command[0] if isinstance(command, list) else command
    return _interpolate(script)


def _dockerfile_instructions() -> list[tuple[str, str]]:
    lines, buf = [], ""
    for raw in DOCKERFILE.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        keyword, _, rest = buf.partition(" ")
        lines.append((keyword.upper(), rest.strip()))
        buf = ""
    return lines


def _articles() -> list[dict]:
    rows = []
    for n, line in enumerate(EXAMPLES.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:  # pragma: no cover - message only
                pytest.fail(f"{EXAMPLES.name} line {n} is not JSON: {exc}")
    return rows


# --------------------------------------------------------------------------- compose: shape


def test_no_obsolete_version_key(compose):
    assert "version" not in compose


def test_all_services(services):
    for name in SERVICES:
        assert name in services, f"service {name!r} missing"


def test_images_pinned_to_exact_versions(services):
    for name, svc in services.items():
        image = svc.get("image")
        if image is None:
            assert "build" in svc, f"{name}: neither image nor build"
            continue
        assert "${" not in image and "$" not in image, f"{name}: image {image!r} is not a literal"
        if "@sha256:" in image:
            continue
        last = image.rsplit("/", 1)[-1]
        assert ":" in last, f"{name}: image {image!r} has no tag"
        tag = last.rsplit(":", 1)[1]
        assert tag != "latest", f"{name}: image {image!r} uses latest"
        assert re.search(r"\d", tag), f"{name}: tag {tag!r} has no version digits"
        assert EXACT_VERSION.match(tag), f"{name}: tag {tag!r} is not an exact x.y.z version"


def test_topics_uses_the_broker_image(services):
    assert services["topics"]["image"] == services["redpanda"]["image"]


def test_one_image_built_once(services):
    built = [name for name, svc in services.items() if "build" in svc]
    assert built == ["worker"], f"only the worker builds the image, not {built}"
    build = services["worker"]["build"]
    if isinstance(build, dict):
        assert build.get("context", ".") in (".", "./")
        assert build.get("dockerfile", "Dockerfile") == "Dockerfile"
    else:
        assert build in (".", "./")
    image = services["worker"]["image"]
    for name in KHABAR_SERVICES:
        assert services[name].get("image") == image, f"{name} must reuse the worker's image {image}"


def test_khabar_image_tag_is_the_package_version(services):
    version = re.search(r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)[1]
    assert services["worker"]["image"] == f"khabar:{version}"


def test_khabar_commands_parse_with_the_cli(services):
    cli = pytest.importorskip("streams.cli")
    for name in KHABAR_SERVICES:
        argv = services[name]["command"]
        assert isinstance(argv, list), name
        parser_ok = True
        try:
            cli.main([*argv[:-1], "--help"] if argv[0] != "worker" else ["worker", "--help"])
        except SystemExit as e:  # --help exits 0 when the words before it parse
            parser_ok = e.code == 0
        assert parser_ok, f"{name}: {argv} does not parse"


def _version(image: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.match(r"v?(\d+)\.(\d+)\.(\d+)", image.rsplit(":", 1)[1]).groups())


def test_redpanda_is_a_supported_release(services):
    # v24.x and v25.x reached end of life (v25.3 on 2026-11-19); v26.1 is supported to 2027-03-31, v26.2 to 2027-07-28
    assert _version(services["redpanda"]["image"]) >= (26, 1, 0)


def test_console_v3_configuration(services):
    console = services["console"]
    assert _version(console["image"])[0] == 3
    env = _env(console)
    # v3: schemaRegistry is a top-level block; the v2 kafka.schemaRegistry.* variables are ignored
    assert env.get("SCHEMAREGISTRY_ENABLED") == "true"
    assert env.get("SCHEMAREGISTRY_URLS") == "http://redpanda:8081"
    assert not [k for k in env if k.startswith("KAFKA_SCHEMAREGISTRY")]
    assert env.get("REDPANDA_ADMINAPI_URLS") == "http://redpanda:9644"


def test_redpanda_dev_container_mode_and_listeners(services):
    cmd = _text(services["redpanda"]["command"])
    assert re.search(r"--mode[= ]dev-container", cmd)
    assert "--overprovisioned" not in cmd  # implied by dev-container mode
    assert "internal://0.0.0.0:8081" in cmd  # the schema registry the schemas service talks to
    assert re.search(r"--smp[= ]1\b", cmd)
    assert "internal://redpanda:9092" in cmd, "internal listener must advertise redpanda:9092"
    assert "external://localhost:19092" in cmd, "external listener must advertise localhost:19092"
    assert "0.0.0.0:19092" in cmd


def test_redpanda_healthcheck(services):
    hc = services["redpanda"].get("healthcheck")
    assert hc, "redpanda needs a healthcheck (others wait for service_healthy)"
    test = _text(hc["test"])
    assert "rpk cluster health" in test
    assert "Healthy" in test and "true" in test


def test_published_ports(services):
    assert _published(services["redpanda"]).get(19092) == 19092
    assert _published(services["redpanda"]).get(18081) == 18081
    assert _published(services["console"]).get(8080) == 8080
    assert _published(services["worker"]).get(6066) == 6066
    assert _published(services["prometheus"]).get(9090) == 9090


def test_ports_are_bound_to_loopback(services):
    for name, svc in services.items():
        for entry in svc.get("ports") or []:
            if isinstance(entry, dict):
                assert entry.get("host_ip") == "127.0.0.1", (name, entry)
            else:
                assert str(entry).startswith("127.0.0.1:"), (name, entry)


def test_console_points_at_internal_listener(services):
    env = _env(services["console"])
    assert "redpanda:9092" in env.get("KAFKA_BROKERS", "")


def test_worker_environment(services):
    env = _env(services["worker"])
    assert re.match(r"^kafka://redpanda:9092\b", env.get("KHABAR_BROKER", ""))
    assert env.get("KHABAR_WEB_HOST") == "0.0.0.0"
    assert env.get("KHABAR_WEB_PORT", "6066") == "6066"
    assert env.get("KHABAR_DATA_DIR"), "worker data dir must be set (it is a named volume)"


def test_producer_environment_matches_worker(services):
    worker, producer = _env(services["worker"]), _env(services["producer"])
    for key in ("KHABAR_BROKER", "KHABAR_TOPIC_PREFIX", "KHABAR_APP_ID"):
        assert producer.get(key) == worker.get(key), key


def test_partitions_agree_between_topics_and_worker(services):
    # Faust checks the partition count of the topics it consumes: the worker must be told
    # the same number the topics service creates them with.
    assert _env(services["worker"])["KHABAR_PARTITIONS"] == _env(services["topics"])["KHABAR_PARTITIONS"]
    assert _interpolate(_env(services["topics"])["KHABAR_PARTITIONS"]) == "3"  # default 3
    assert _interpolate(_env(services["topics"])["KHABAR_REPLICAS"]) == "1"


def test_worker_data_is_a_named_volume(compose, services):
    named = set((compose.get("volumes") or {}).keys())
    data_dir = _env(services["worker"])["KHABAR_DATA_DIR"]
    mounts = [str(v) if not isinstance(v, dict) else f"{v['source']}:{v['target']}"
              for v in services["worker"].get("volumes") or []]
    assert any(m.split(":")[0] in named and m.split(":")[1] == data_dir for m in mounts), mounts


def test_worker_healthcheck_uses_stdlib_http(services):
    worker = services["worker"]
    test = _text(worker["healthcheck"]["test"])
    assert "urllib" in test and "http://127.0.0.1:6066/" in test
    assert worker.get("restart") == "unless-stopped"
    assert _text(worker.get("command")) == "worker"


def test_worker_healthcheck_snippet_is_valid_python(services):
    test = services["worker"]["healthcheck"]["test"]
    assert isinstance(test, list) and test[0] == "CMD"
    code = test[test.index("-c") + 1]
    compile(code, "<healthcheck>", "exec")


def test_producer_sends_the_examples(services):
    producer = services["producer"]
    cmd = producer["command"]
    assert isinstance(cmd, list) and cmd[0] == "produce"
    assert cmd[1] == "/app/examples/articles.jsonl"
    assert producer.get("restart", "no") == "no"


def test_depends_on_conditions(services):
    assert _depends_on(services["console"]).get("redpanda") == "service_healthy"
    assert _depends_on(services["topics"]).get("redpanda") == "service_healthy"
    assert _depends_on(services["schemas"]).get("redpanda") == "service_healthy"
    assert _depends_on(services["worker"]).get("topics") == "service_completed_successfully"
    producer = _depends_on(services["producer"])
    assert producer.get("topics") == producer.get("schemas") == "service_completed_successfully"
    assert producer.get("worker") == "service_healthy"
    assert _depends_on(services["prometheus"]).get("worker") == "service_healthy"


def test_schemas_service_registers_in_redpandas_registry(services):
    svc = services["schemas"]
    assert svc["command"] == ["schemas", "register", "http://redpanda:8081"]
    assert svc.get("restart") == "no"
    assert _env(svc).get("KHABAR_TOPIC_PREFIX") == _env(services["worker"]).get("KHABAR_TOPIC_PREFIX")


def _prometheus_config(services) -> tuple[Path, dict]:
    svc = services["prometheus"]
    flag = next(a for a in svc["command"] if a.startswith("--config.file="))
    inside = flag.split("=", 1)[1]
    mount = next(v for v in svc["volumes"] if str(v).split(":")[1] == inside)
    host = ROOT / str(mount).split(":")[0]
    return host, yaml.safe_load(host.read_text(encoding="utf-8"))


def test_prometheus_is_optional_and_scrapes_the_worker(services):
    svc = services["prometheus"]
    assert svc.get("profiles") == ["metrics"]
    for name in SERVICES:
        if name != "prometheus":
            assert "profiles" not in services[name], f"{name} must start without a profile"
    _, config = _prometheus_config(services)
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    khabar = jobs["khabar"]
    assert khabar.get("metrics_path", "/metrics") == "/metrics"
    targets = [t for sc in khabar["static_configs"] for t in sc["targets"]]
    assert targets == [f"worker:{_env(services['worker'])['KHABAR_WEB_PORT']}"]


def test_prometheus_config_passes_promtool(services):
    promtool = shutil.which("promtool")
    if promtool is None:
        if os.environ.get("KHABAR_REQUIRE_PROMETHEUS") == "1":
            pytest.fail("promtool not found (apt-get install prometheus)")
        pytest.skip("no promtool (apt-get install prometheus)")
    path, _ = _prometheus_config(services)
    run = subprocess.run([promtool, "check", "config", str(path)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stdout + run.stderr


# --------------------------------------------------------------------------- compose: topics


def test_topic_command_names_all_six_topics(services):
    script = _topics_script(services)
    assert "rpk topic create" in script
    words = set(re.findall(r"[A-Za-z0-9_.-]+", script))
    for topic in TOPICS:
        assert topic in words, f"topic {topic!r} not created"


def test_topic_list_matches_settings():
    config = pytest.importorskip("streams.config")
    assert tuple(config.ALL_TOPICS) == TOPICS


def test_topics_script_escapes_dollars_for_compose(services):
    # Compose interpolates "$VAR" itself; shell variables must be written "$$VAR".
    for key in ("command", "entrypoint"):
        raw = _text(services["topics"].get(key))
        assert "$" not in raw.replace("$$", ""), f"topics.{key} has an unescaped $"


@pytest.fixture()
def fake_rpk(tmp_path):
    """A PATH with a stub rpk (records calls, remembers created topics) and a no-op sleep."""
    bindir = tmp_path / "bin"
    state = tmp_path / "state"
    bindir.mkdir()
    state.mkdir()
    rpk = bindir / "rpk"
    rpk.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        echo "$*" >> "{state}/calls"
        [ -n "${{RPK_FAIL:-}}" ] && {{ echo "unable to dial: connection refused"; exit 1; }}
        topic="$3"
        if [ -e "{state}/topic-$topic" ]; then
          printf 'TOPIC  STATUS\\n%s  TOPIC_ALREADY_EXISTS: The topic has already been created.\\n' "$topic"
          exit 1
        fi
        : > "{state}/topic-$topic"
        printf 'TOPIC  STATUS\\n%s  OK\\n' "$topic"
        """))
    sleep = bindir / "sleep"
    sleep.write_text("#!/bin/sh\nexit 0\n")
    for f in (rpk, sleep):
        f.chmod(0o755)
    return bindir, state


def _run_topics(services, bindir, **env):
    if not Path("/bin/sh").exists():
        pytest.skip("no /bin/sh")
    full = {"PATH": f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}"}
    full.update({k: _interpolate(v) for k, v in _env(services["topics"]).items()})  # compose defaults
    full.update(env)
    return subprocess.run(["/bin/sh", "-c", _topics_script(services)], env=full,
                          capture_output=True, text=True, timeout=60)


def test_topics_script_creates_then_tolerates_existing(services, fake_rpk):
    bindir, state = fake_rpk
    first = _run_topics(services, bindir)
    assert first.returncode == 0, first.stderr + first.stdout
    assert sorted(p.name[len("topic-"):] for p in state.glob("topic-*")) == sorted(TOPICS)
    calls = (state / "calls").read_text().splitlines()
    assert len(calls) == len(TOPICS)
    for call in calls:
        assert call.startswith("topic create ")
        assert "-p 3" in call and "-r 1" in call and "brokers=redpanda:9092" in call

    second = _run_topics(services, bindir)  # idempotent: everything already exists
    assert second.returncode == 0, second.stderr + second.stdout
    assert second.stdout.count("already exists") == len(TOPICS)


def test_topics_script_configures_topics_as_the_worker_does(services, fake_rpk):
    """Compose (rpk) and the worker (streams/stream/admin.py) create each topic with the same configs, so
    actors.cooccurrence, the pair table's changelog, is compacted the same way in both stacks."""
    admin = pytest.importorskip("streams.stream.admin")
    from streams.config import ALL_TOPICS, Settings

    bindir, state = fake_rpk
    assert _run_topics(services, bindir).returncode == 0
    expected = admin.topic_configs(Settings())
    for call in (state / "calls").read_text().splitlines():
        topic = call.split()[2]
        configs = dict(c.split("=", 1) for c in re.findall(r"-c (\S+)", call))
        configs.pop("max.message.bytes")
        assert topic in ALL_TOPICS and configs == expected.get(topic, {}), (topic, configs)


def test_topics_script_honours_prefix_and_partitions(services, fake_rpk):
    bindir, state = fake_rpk
    run = _run_topics(services, bindir, KHABAR_TOPIC_PREFIX="dev.", KHABAR_PARTITIONS="6")
    assert run.returncode == 0, run.stderr + run.stdout
    assert sorted(p.name[len("topic-"):] for p in state.glob("topic-*")) == sorted(f"dev.{t}" for t in TOPICS)
    assert all("-p 6" in c for c in (state / "calls").read_text().splitlines())


def test_topics_script_fails_when_broker_unreachable(services, fake_rpk):
    bindir, _ = fake_rpk
    run = _run_topics(services, bindir, RPK_FAIL="1")
    assert run.returncode != 0
    assert "FAILED" in run.stderr


# --------------------------------------------------------------------------- Compose client


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, timeout=30)
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    if legacy:
        probe = subprocess.run([legacy, "version"], capture_output=True, text=True, timeout=30)
        if probe.returncode == 0:
            return [legacy]
    return None


def test_compose_client_accepts_the_file():
    cli = _compose_cli()
    if cli is None:
        pytest.skip("no Compose client (docker compose / docker-compose) installed")
    run = subprocess.run([*cli, "-f", str(COMPOSE_FILE), "config", "-q"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr


# --------------------------------------------------------------------------- Dockerfile


def test_dockerfile_base_image_pinned():
    froms = [rest for kw, rest in _dockerfile_instructions() if kw == "FROM"]
    assert froms, "no FROM"
    for rest in froms:
        image = rest.split()[0]
        assert image.startswith("python:3.11"), image
        tag = image.split(":", 1)[1]
        assert "latest" not in tag
        assert EXACT_VERSION.match(tag), f"base image tag {tag!r} is not an exact version"


def test_dockerfile_runs_as_non_root():
    users = [rest.split(":")[0] for kw, rest in _dockerfile_instructions() if kw == "USER"]
    assert users, "no USER instruction"
    assert users[-1] not in ("root", "0")


def test_dockerfile_entrypoint_cmd_and_port():
    ins = dict((kw, rest) for kw, rest in _dockerfile_instructions())
    assert json.loads(ins["ENTRYPOINT"]) == ["khabar"]
    assert json.loads(ins["CMD"]) == ["worker"]
    assert "6066" in ins["EXPOSE"].split()


def test_dockerfile_installs_the_project():
    instructions = _dockerfile_instructions()
    copies = " ".join(rest for kw, rest in instructions if kw == "COPY")
    for needed in ("pyproject.toml", "README.md", "streams", "schemas", "examples"):
        assert needed in copies, f"Dockerfile does not copy {needed}"
    runs = " ".join(rest for kw, rest in instructions if kw == "RUN")
    assert re.search(r"pip install --no-cache-dir \.(\s|$)", runs)
    workdir = [rest for kw, rest in instructions if kw == "WORKDIR"]
    assert workdir and workdir[-1] == "/app", "producer reads /app/examples/articles.jsonl"


def test_dockerignore_keeps_context_small():
    entries = {line.strip() for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")}
    for needed in (".git", ".pytest_cache", "tests"):
        assert needed in entries, needed
    for kept in ("streams", "schemas", "examples", "pyproject.toml", "README.md"):
        assert kept not in entries, f"{kept} is needed in the build context"


# --------------------------------------------------------------------------- example articles


def test_example_articles_minimal_shape():
    rows = _articles()
    assert 6 <= len(rows) <= 8
    ids = [r.get("id") for r in rows]
    assert len(set(ids)) == len(ids), "duplicate ids"
    for r in rows:
        assert isinstance(r.get("id"), str) and r["id"], r
        assert isinstance(r.get("body"), str) and r["body"].strip(), r["id"]
        assert isinstance(r.get("title"), str) and r["title"].strip(), r["id"]
        assert r.get("url") is None or isinstance(r["url"], str)
        published = r.get("published_at")
        assert published is None or isinstance(published, str), r["id"]
        if published is not None:
            dt.date.fromisoformat(published[:10])
            if len(published) > 10:
                dt.datetime.fromisoformat(published.replace("Z", "+00:00"))


def test_example_articles_match_schema():
    if not ARTICLE_SCHEMA.exists():
        pytest.skip("schemas/article.schema.json not written yet")
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(ARTICLE_SCHEMA.read_text(encoding="utf-8"))
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema, format_checker=jsonschema.FormatChecker())
    for r in _articles():
        errors = sorted(validator.iter_errors(r), key=lambda e: list(e.path))
        assert not errors, f"{r['id']}: " + "; ".join(e.message for e in errors)


def test_example_articles_cover_the_cases():
    text = "\n".join(r["title"] + "\n" + r["body"] for r in _articles())
    assert "پنج فرد و سه شرکت" in text                      # sanction with counts
    assert "لغو کرد" in text or "رفع تحریم" in text          # sanction lifted
    assert "تهدید" in text                                   # threatened sanction
    assert "وارد تهران شد" in text                           # visit that happened
    assert "قرار است" in text and "سفر کند" in text          # planned visit
    assert "تحریم کنفرانس" in text                           # boycott, not a sanction
    assert "\u064a" in text and "\u0643" in text             # Arabic yeh / kaf
    assert re.search("[\u06f0-\u06f9]", text)                 # Persian digits
    assert re.search(r"\bمیشود\b|\bمیکند\b", text)            # missing ZWNJ


def test_example_jalali_weekdays_are_consistent():
    jdatetime = pytest.importorskip("jdatetime")
    weekdays = {"شنبه": 5, "یکشنبه": 6, "دوشنبه": 0, "سه‌شنبه": 1, "چهارشنبه": 2,
                "پنجشنبه": 3, "پنج‌شنبه": 3, "جمعه": 4}
    months = {"فروردین": 1, "اردیبهشت": 2, "خرداد": 3, "تیر": 4, "مرداد": 5, "شهریور": 6,
              "مهر": 7, "آبان": 8, "آذر": 9, "دی": 10, "بهمن": 11, "اسفند": 12}
    digits = str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")
    pattern = re.compile(r"(\S*شنبه|جمعه) ([۰-۹0-9]+) (%s) ([۰-۹0-9]{4})" % "|".join(months))
    seen = 0
    for r in _articles():
        for m in pattern.finditer(r["title"] + "\n" + r["body"]):
            day, d, month, y = m.groups()
            date = jdatetime.date(int(y.translate(digits)), months[month], int(d.translate(digits)))
            g = date.togregorian()
            assert g.weekday() == weekdays[day], f"{r['id']}: {m.group(0)} is a {g:%A}"
            if r.get("published_at"):
                published = dt.date.fromisoformat(r["published_at"][:10])
                assert abs((published - g).days) <= 7, f"{r['id']}: {m.group(0)} far from publication"
            seen += 1
    assert seen >= 5
