"""The report page in a real browser: headless Chromium (Debian's package) over the DevTools protocol.

The page generated from the corpus is loaded from a file:// URL (nothing is served, no
network), with no console error; the rendered DOM has every issue with the progress of
``status --json``; the layout fits 400 px without sideways scrolling and uses the width at
1400 px; text contrast is at least 4.5:1 in the light and the dark scheme. Chromium
missing is a skip with the reason outside CI and a failure in CI (``CI`` set), as for the
corpus; ``ISSUE_FLOW_CHROMIUM=PATH`` names a browser that is not on PATH. ``ISSUE_FLOW_SCREENSHOTS=DIR`` also keeps the two screenshots in DIR (that is
how docs/report-400.png and docs/report-1400.png are made).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from conftest import copy_tree, git, require_corpus, run_cli
from test_report import HOSTILE, repo  # noqa: F401  (the small tree with a hostile title, a fixture)

BROWSERS = ("chromium", "chromium-browser")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars")


def _require_browser() -> str:
    for name in (os.environ.get("ISSUE_FLOW_CHROMIUM"), *BROWSERS):  # a browser elsewhere: ISSUE_FLOW_CHROMIUM=PATH
        if not name:
            continue
        path = shutil.which(name)
        if path:
            return path
    from conftest import missing

    missing("browser", "chromium not found (Debian's package: apt-get install -y chromium; .ci/run installs it)")
    raise AssertionError("unreachable")


class Browser:
    """One headless Chromium and one page, driven over the DevTools protocol."""

    def __init__(self, exe: str):
        websocket = pytest.importorskip("websocket", reason="websocket-client (the test extras) is not installed")
        self.profile = tempfile.mkdtemp(prefix="issue-flow-chromium-")
        self.proc = subprocess.Popen(
            [exe, *FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-port=0", "about:blank"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )
        self.stderr: list[str] = []
        found = threading.Event()
        self.browser_ws = None

        def drain():
            for line in self.proc.stderr:
                self.stderr.append(line)
                if "DevTools listening on " in line and self.browser_ws is None:
                    self.browser_ws = line.split("DevTools listening on ", 1)[1].strip()
                    found.set()

        threading.Thread(target=drain, daemon=True).start()
        if not found.wait(60):
            self.close()
            raise AssertionError("chromium did not start: " + "".join(self.stderr[-20:]))
        self.ws = websocket.create_connection(self.browser_ws, timeout=60, suppress_origin=True)
        self._id = 0
        self.events: list[dict] = []
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self.session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)

    def call(self, method: str, session: bool = False, **params):
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = self.session
        self.ws.send(json.dumps(msg))
        while True:
            reply = json.loads(self.ws.recv())
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise AssertionError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 30) -> dict:
        end = time.monotonic() + timeout
        for ev in self.events:
            if ev.get("method") == method:
                return ev
        while time.monotonic() < end:
            self.ws.settimeout(max(0.1, end - time.monotonic()))
            ev = json.loads(self.ws.recv())
            self.events.append(ev)
            if ev.get("method") == method:
                return ev
        raise AssertionError(f"no {method} within {timeout} s")

    def settle(self, seconds: float = 0.5) -> None:
        """Collect the events that arrive within ``seconds`` (late console messages)."""
        import websocket

        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            self.ws.settimeout(left)
            try:
                self.events.append(json.loads(self.ws.recv()))
            except websocket.WebSocketTimeoutException:
                break
        self.ws.settimeout(60)

    def load(self, path: Path, width: int, height: int = 1000, dark: bool = False) -> None:
        self.events.clear()
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width, height=height,
                  deviceScaleFactor=1, mobile=False)
        self.call("Emulation.setEmulatedMedia", session=True,
                  features=[{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}])
        self.call("Page.navigate", session=True, url=path.resolve().as_uri())
        self.wait_for("Page.loadEventFired")
        self.flush()
        self.settle(0.1)  # and a little longer, for anything later still

    def flush(self) -> None:
        """Wait until the page has rendered a frame after its load and run its task queue
        once more: what the page reported until then (console messages, CSP violations) was
        sent before this reply, on the same connection, so it is in ``events`` now."""
        self.call("Runtime.evaluate", session=True, awaitPromise=True, returnByValue=True,
                  expression="new Promise(r => requestAnimationFrame(() => setTimeout(() => r(true), 0)))")

    def js(self, expression: str):
        res = self.call("Runtime.evaluate", session=True, expression=expression, returnByValue=True)
        if "exceptionDetails" in res:
            raise AssertionError(res["exceptionDetails"])
        return res["result"].get("value")

    def console_errors(self) -> list[str]:
        out = []
        for ev in self.events:
            m, p = ev.get("method"), ev.get("params", {})
            if m == "Runtime.exceptionThrown":
                out.append(p["exceptionDetails"].get("text", "exception"))
            elif m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
                out.append(" ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", [])))
            elif m == "Log.entryAdded" and p["entry"].get("level") in ("error", "warning"):
                out.append(p["entry"].get("text", ""))
            elif m == "Page.javascriptDialogOpening":
                out.append("dialog: " + p.get("message", ""))
        return out

    def screenshot(self, path: Path) -> Path:
        data = self.call("Page.captureScreenshot", session=True, format="png")["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self) -> None:
        try:
            if getattr(self, "ws", None) is not None:
                self.ws.close()
        finally:
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(10)
            shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    b = Browser(_require_browser())
    try:
        yield b
    finally:
        b.close()


@pytest.fixture(scope="module")
def corpus_page(tmp_path_factory) -> tuple[Path, dict]:
    """The page generated from (a copy of) the corpus, and ``status --json`` of the same tree."""
    root = copy_tree(require_corpus(), tmp_path_factory.mktemp("browser") / "repo")
    git(root, "init", "-q", "-b", "main")
    res = run_cli("report", "--html", "site", cwd=root)
    assert res.code == 0, res
    status = run_cli("status", "--json", cwd=root)
    assert status.code == 0, status
    return root / "site/index.html", json.loads(status.out)


READ_ISSUES = """
Array.from(document.querySelectorAll('article.issue')).map(a => {
  const bar = a.querySelector('progress.tasks');
  return {number: +a.dataset.number, title: a.querySelector('h3 .title').textContent,
          count: a.querySelector('.count').textContent.trim(),
          value: bar ? bar.value : null, max: bar ? bar.max : null,
          visible: a.getBoundingClientRect().height > 0,
          open: a.querySelectorAll('code.addr').length};
})
"""


def test_corpus_page_loads_without_console_errors_and_shows_status_json(browser, corpus_page):
    page, status = corpus_page
    browser.load(page, 1400)
    assert browser.console_errors() == []
    shown = browser.js(READ_ISSUES)
    assert [s["number"] for s in shown] == [i["number"] for i in status["issues"]]
    assert len(shown) > 60
    for s, issue in zip(shown, status["issues"]):
        done, total = issue["tasks"]["done"], issue["tasks"]["total"]
        assert s["count"] == f"{done}/{total}", s
        assert s["title"] == issue["title"] and s["visible"], s
        if total:
            assert (s["value"], s["max"]) == (done, total), s
        else:
            assert s["value"] is None, s
    counts = {s["number"]: s["open"] for s in shown}
    assert counts[462] > 0 and counts[95] == 0  # #95 is done: nothing open
    assert browser.js("document.querySelectorAll('script').length") == 0
    assert browser.js("document.querySelector('h1').textContent").startswith("Issue report")


def _overflow(browser) -> int:
    return browser.js("document.documentElement.scrollWidth - window.innerWidth")


def test_readable_at_400_and_1400_px(browser, corpus_page, tmp_path):
    page, _ = corpus_page
    keep = os.environ.get("ISSUE_FLOW_SCREENSHOTS")
    browser.load(page, 400, 1600)
    assert browser.console_errors() == []
    assert _overflow(browser) <= 0, "the page scrolls sideways at 400 px"
    wide = browser.js("Array.from(document.querySelectorAll('body *')).filter(e => "
                      "e.getBoundingClientRect().right > window.innerWidth + 0.5 && "
                      "e.getBoundingClientRect().width > 0 && !e.closest('.skip')).map(e => e.tagName + '.' + e.className)")
    assert wide == []
    one_column = browser.js("new Set(Array.from(document.querySelectorAll('article.issue')).map(a => "
                            "Math.round(a.getBoundingClientRect().left))).size")
    assert one_column == 1
    assert browser.js("parseFloat(getComputedStyle(document.body).fontSize)") >= 16
    small = _png_size(browser.screenshot(tmp_path / "report-400.png"))
    assert small == (400, 1600)
    browser.load(page, 1400, 1000)
    assert _overflow(browser) <= 0
    columns = browser.js("new Set(Array.from(document.querySelectorAll('article.issue')).map(a => "
                         "Math.round(a.getBoundingClientRect().left))).size")
    assert columns >= 3, columns
    assert _png_size(browser.screenshot(tmp_path / "report-1400.png")) == (1400, 1000)
    if keep:
        for name in ("report-400.png", "report-1400.png"):
            shutil.copyfile(tmp_path / name, Path(keep) / name)


CONTRAST = """
(() => {
  const rgb = s => { const m = s.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const bg = el => { for (let e = el; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor);
      if (c && c[3] > 0) return c; } return [255, 255, 255, 1]; };
  const worst = [];
  let checked = 0;
  for (const el of document.querySelectorAll('body *')) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.closest('.skip')) continue;
    checked++;
    const fg = rgb(getComputedStyle(el).color), b = bg(el);
    const [l1, l2] = [lum(fg), lum(b)].sort((x, y) => y - x);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    if (ratio < 4.5) worst.push(el.tagName + '.' + el.className + ' ' + ratio.toFixed(2));
  }
  return {checked, worst};
})()
"""


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_text_contrast_is_at_least_4_5(browser, corpus_page, dark):
    page, _ = corpus_page
    browser.load(page, 1400, dark=dark)
    body = browser.js("getComputedStyle(document.body).backgroundColor")
    assert body == ("rgb(13, 17, 23)" if dark else "rgb(255, 255, 255)")  # the scheme really changed
    result = browser.js(CONTRAST)
    assert result["checked"] > 500
    assert result["worst"] == []


def test_hostile_title_stays_text_in_the_browser(browser, repo):  # noqa: F811 (the fixture)
    res = run_cli("report", "--html", "site", cwd=repo)
    assert res.code == 0, res
    browser.load(repo / "site/index.html", 1400)
    assert browser.console_errors() == []  # no dialog: nothing ran
    assert browser.js("document.querySelectorAll('script, b').length") == 0
    title = browser.js("document.querySelector('#issue-2-title .title').textContent")
    assert title == HOSTILE


def test_the_console_check_sees_errors(browser, tmp_path):
    """The check above can fail: a page breaking its own policy is an error the browser reports."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!doctype html><html lang=en><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\">"
        "<style>body{color:red}</style><title>bad</title></head><body><p>x</p></body></html>",
        encoding="utf-8",
    )
    browser.load(page, 400)
    errors = browser.console_errors()
    assert any("style" in e.lower() for e in errors), errors


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])
