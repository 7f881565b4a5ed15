"""GET /graph in real headless Chromium (Chrome DevTools Protocol over a websocket) against a worker fed
with the dev articles: nodes, edges and right-to-left Persian labels render, hover shows counts, the window
selector works; a screenshot goes to test-output/.

Needs /usr/bin/chromium (Debian: apt-get install -y chromium fonts-dejavu-core); skipped without it unless
KHABAR_REQUIRE_CHROMIUM=1.  The test installs nothing."""
from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
from pathlib import Path

import pytest

from conftest import ROOT, read_jsonl, shared
from kafkautil import Worker, broker_or_skip, worker_env
from streams.cooccurrence import WindowConfig, current_window, iso, parse_time
from test_cooccurrence_kafka import get, produce, wait_for

pytestmark = pytest.mark.kafka
CHROMIUM = os.environ.get("KHABAR_CHROMIUM", "/usr/bin/chromium")
OUTPUT = Path(os.environ.get("KHABAR_TEST_OUTPUT", ROOT / "test-output"))


def chromium_or_skip() -> str:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        if os.environ.get("KHABAR_REQUIRE_CHROMIUM") == "1":
            pytest.fail(f"{CHROMIUM} not found (apt-get install -y chromium) and KHABAR_REQUIRE_CHROMIUM=1")
        pytest.skip(f"{CHROMIUM} not installed")
    return CHROMIUM


class Browser:
    """Headless Chromium with one page, driven over the DevTools protocol."""

    def __init__(self, url: str, profile: Path):
        self.profile = profile
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--hide-scrollbars",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", f"--user-data-dir={profile}",
             "--window-size=1400,1000", "--lang=fa", url],
            stdout=subprocess.DEVNULL, stderr=open(profile.parent / "chromium.log", "wb"))
        self._id = 0

    async def connect(self, timeout: float = 60.0) -> None:
        import aiohttp

        port_file = self.profile / "DevToolsActivePort"
        deadline = time.time() + timeout
        while not port_file.exists() or not port_file.read_text().strip():
            if self.proc.poll() is not None or time.time() > deadline:
                raise AssertionError(f"chromium did not start (exit {self.proc.poll()})")
            await asyncio.sleep(0.2)
        port = int(port_file.read_text().split()[0])
        self.session = aiohttp.ClientSession()
        while True:
            async with self.session.get(f"http://127.0.0.1:{port}/json/list") as r:
                pages = [t for t in await r.json(content_type=None) if t["type"] == "page"]
            if pages:
                break
            await asyncio.sleep(0.2)
        self.ws = await self.session.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0)

    async def call(self, method: str, **params):
        self._id += 1
        await self.ws.send_str(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            msg = json.loads((await self.ws.receive()).data)
            if msg.get("id") == self._id:
                if "error" in msg:
                    raise AssertionError(f"{method}: {msg['error']}")
                return msg["result"]

    async def js(self, expression: str):
        result = await self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise AssertionError(f"JS error: {result['exceptionDetails']}")
        return result["result"].get("value")

    async def wait_js(self, expression: str, timeout: float = 30.0):
        deadline = time.time() + timeout
        while time.time() < deadline:
            value = await self.js(expression)
            if value:
                return value
            await asyncio.sleep(0.25)
        raise AssertionError(f"timed out waiting for {expression}")

    async def close(self) -> None:
        for closer in (getattr(self, "ws", None), getattr(self, "session", None)):
            if closer is not None:
                await closer.close()
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


PAGE_STATE = """(() => {
  const labels = [...document.querySelectorAll('svg#graph text.label')];
  return {
    state: document.body.dataset.state,
    nodes: document.querySelectorAll('svg#graph circle.node').length,
    edges: document.querySelectorAll('svg#graph line.edge').length,
    svg: (r => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom}))(
      document.getElementById('graph').getBoundingClientRect()),
    legend: [...document.querySelectorAll('.legend .swatch')].map(i => ({
      edge: i.dataset.edge, color: getComputedStyle(i).borderTopColor, text: i.parentElement.textContent})),
    edgeColors: Object.fromEntries([...document.querySelectorAll('svg#graph line.edge')].map(
      l => [l.classList.contains('strong') ? 'strong' : 'plain', getComputedStyle(l).stroke])),
    labels: labels.map(t => ({
      box: (r => ({left: r.left, top: r.top, right: r.right, bottom: r.bottom}))(t.getBoundingClientRect()),
      id: t.dataset.id, text: t.textContent, direction: getComputedStyle(t).direction,
      width: t.getComputedTextLength(),
      // right-to-left: the first character is drawn to the right of the last one
      firstX: t.textContent.length > 1 ? t.getStartPositionOfChar(0).x : null,
      lastX: t.textContent.length > 1 ? t.getStartPositionOfChar(t.textContent.length - 1).x : null})),
    options: [...document.querySelectorAll('#window option')].map(o => o.value),
    external: [...document.scripts].map(s => s.src).filter(s => s && !s.startsWith(location.origin)),
  };
})()"""


async def drive_page(url: str, profile: Path, expected: dict, shot: Path, events_actor: str | None = None) -> dict:
    browser = Browser(url, profile)
    try:
        await browser.connect()
        await browser.call("Runtime.enable")
        await browser.wait_js("document.readyState === 'complete' && document.body.dataset.state === 'ready'", 60)
        page = await browser.js(PAGE_STATE)

        # hover the biggest node: the tooltip shows its counts
        target = max(expected["nodes"], key=lambda n: (n["mentions"], n["id"]))
        box = await browser.js(f"""(() => {{ const c = [...document.querySelectorAll('circle.node')]
            .find(c => c.dataset.id === {json.dumps(target['id'])}); const r = c.getBoundingClientRect();
            return {{x: r.x + r.width / 2, y: r.y + r.height / 2}}; }})()""")
        await browser.call("Input.dispatchMouseEvent", type="mouseMoved", x=box["x"], y=box["y"])
        page["node_tooltip"] = await browser.wait_js(
            "!document.getElementById('tooltip').hidden && document.getElementById('tooltip').textContent")
        page["hovered"] = target
        if events_actor is not None:  # a click lists the actor's fused events
            box = await browser.js(f"""(() => {{ const c = [...document.querySelectorAll('circle.node')]
                .find(c => c.dataset.id === {json.dumps(events_actor)}); const r = c.getBoundingClientRect();
                return {{x: r.x + r.width / 2, y: r.y + r.height / 2}}; }})()""")
            for kind in ("mousePressed", "mouseReleased"):
                await browser.call("Input.dispatchMouseEvent", type=kind, x=box["x"], y=box["y"], button="left",
                                   clickCount=1)
            await browser.wait_js(f"(p => p.dataset.actor === {json.dumps(events_actor)} && "
                                  f"p.dataset.state === 'ready')(document.getElementById('events'))")
            page["events"] = await browser.js("[...document.querySelectorAll('#events li')].map("
                                              "li => ({id: li.dataset.id, text: li.textContent}))")
        data = await browser.call("Page.captureScreenshot", format="png")
        shot.write_bytes(base64.b64decode(data["data"]))

        # the window selector: switch to the running total and back to an explicit window
        await browser.js("(() => { const s = document.getElementById('window'); s.value = 'total';"
                         " s.dispatchEvent(new Event('change')); })()")
        await browser.wait_js("document.body.dataset.state === 'ready' && location.search.includes('window=total')")
        page["total_nodes"] = await browser.js("document.querySelectorAll('circle.node').length")
        page["total_summary"] = await browser.js("document.getElementById('summary').textContent")

        # a narrow screen crowds nodes against the edges: labels must still be drawn inside
        await browser.call("Emulation.setDeviceMetricsOverride", width=480, height=640, deviceScaleFactor=1,
                           mobile=False)
        await browser.js("document.body.dataset.state = 'loading'; window.khabarGraph.reload()")
        await browser.wait_js("document.body.dataset.state === 'ready'")
        page["narrow"] = await browser.js(PAGE_STATE)
        return page
    finally:
        await browser.close()


def http_error(worker: Worker, path: str) -> tuple[int, dict]:
    try:
        worker.get(path, timeout=20)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())
    return 200, {}


def to_fa(n: int) -> str:
    return str(n).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def test_graph_page_renders_in_headless_chromium(tmp_path):
    chromium_or_skip()
    broker_or_skip()
    articles = read_jsonl(shared("eval", "dev-articles.jsonl")) + read_jsonl(shared("eval", "dev-nsurl-articles.jsonl"))
    env = worker_env(tmp_path)
    worker = Worker(env, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        asyncio.run(produce(env["KHABAR_TOPIC_PREFIX"] + "articles", articles))

        def settled(previous=[None]):
            stats = get(worker, "/cooccurrence/status?local=1")["stats"]
            now = (stats["articles"], stats["pair_records"], stats["actor_records"])
            ok = stats["articles"] == len(articles) and now == previous[0]
            previous[0] = now
            return ok
        wait_for(settled, 240, "all dev articles aggregated", [worker])
        wait_for(lambda: (f := get(worker, "/events/status?local=1")["stats"])["taken"] == f["messages"] > 0, 60,
                 "every fusion message taken", [worker])
        expected = get(worker, "/cooccurrence/graph?window=current&limit=80")
        assert expected["nodes"] and expected["edges"]
        # "current" follows the newest published_at, not the ingest time of the undated articles
        newest = max(a["published_at"] for a in articles if a.get("published_at"))
        assert any(not a.get("published_at") for a in articles)
        assert expected["window"]["start"] == iso(current_window(parse_time(newest), WindowConfig())[0])
        # unknown actors and bad parameters: a status and a message, as /actors/{id} does
        for path, status in (("/cooccurrence/no-such-actor", 404), ("/actors/no-such-actor", 404),
                             ("/cooccurrence/top?limit=abc", 400), ("/cooccurrence/top?limit=0", 400),
                             ("/cooccurrence/graph?limit=5000", 400), ("/cooccurrence/top?window=yesterday", 400),
                             ("/cooccurrence/graph?window=nan", 400),
                             (f"/cooccurrence/{expected['nodes'][0]['id']}?limit=-1", 400)):
            code, body = http_error(worker, path)
            assert code == status and body["error"], (path, code, body)
        assert "limit" in http_error(worker, "/cooccurrence/top?limit=abc")[1]["error"]
        # every script the page loads is served by the worker itself
        html = worker.get("/graph").decode()
        assert "/graph/graph.js" in html and not re.search(r'(src|href)="(https?:)?//', html)
        assert worker.get("/graph/graph.js").startswith(b"//")

        OUTPUT.mkdir(parents=True, exist_ok=True)
        shot = OUTPUT / "cooccurrence-graph.png"
        profile = tmp_path / "chromium-profile"
        profile.mkdir()
        # an actor of the graph that fused events name (the visitors and authorities of the dev set)
        with_events = {}
        for node in expected["nodes"]:
            found = get(worker, f"/events/actor/{urllib.parse.quote(node['id'], safe='')}?limit=10")["events"]
            if found:
                with_events[node["id"]] = found
        assert with_events
        actor = min(with_events)
        page = asyncio.run(drive_page(f"http://127.0.0.1:{worker.port}/graph", profile, expected, shot, actor))
    except BaseException:
        print(worker.tail())
        raise
    finally:
        worker.stop()

    assert page["state"] == "ready" and not page["external"]
    assert page["nodes"] == len(expected["nodes"]) and page["edges"] == len(expected["edges"])
    names = {n["id"]: n["name"] for n in expected["nodes"]}
    assert {lab["id"]: lab["text"] for lab in page["labels"]} == names     # every node labelled with its name
    persian = [lab for lab in page["labels"] if any("\u0600" <= ch <= "\u06ff" for ch in lab["text"])]
    assert len(persian) >= len(page["labels"]) * 0.8
    narrow = page["narrow"]
    assert narrow["labels"] and narrow["svg"]["right"] - narrow["svg"]["left"] < 500
    for state in (page, narrow):  # every label inside the drawing, none cut off at an edge
        box = state["svg"]
        for lab in state["labels"]:
            b = lab["box"]
            assert box["left"] <= b["left"] and b["right"] <= box["right"], (lab, box)
            assert box["top"] <= b["top"] and b["bottom"] <= box["bottom"], (lab, box)
    # the legend explains both edge colours, with the colours the edges are drawn in
    legend = {entry["edge"]: entry for entry in page["legend"]}
    assert set(legend) == {"strong", "plain"} and all(entry["text"].strip() for entry in legend.values())
    assert page["edgeColors"] and all(legend[kind]["color"] == color for kind, color in page["edgeColors"].items())
    assert legend["strong"]["color"] != legend["plain"]["color"]
    for lab in persian:
        assert lab["direction"] == "rtl" and lab["width"] > 0
        if lab["firstX"] is not None and " " not in lab["text"] and len(lab["text"]) > 2:
            assert lab["firstX"] > lab["lastX"], lab   # drawn right to left
    hovered = page["hovered"]
    assert hovered["name"] in page["node_tooltip"] and to_fa(hovered["mentions"]) in page["node_tooltip"]
    assert page["options"][0] == "current" and page["options"][-1] == "total" and len(page["options"]) >= 3
    assert page["total_nodes"] > 0 and "کل" in page["total_summary"]
    assert [e["id"] for e in page["events"]] == [e["id"] for e in with_events[actor]]
    assert all(to_fa(e["articles"]) in li["text"] for e, li in zip(with_events[actor], page["events"]))
    assert shot.stat().st_size > 20_000
    print(f"screenshot: {shot}")
