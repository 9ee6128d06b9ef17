"""Issue 6: the offline HTML report. Rendering, escaping, determinism and the CLI are checked on a
synthetic package (tests/helpers/report_fixture.py); the page itself is opened in real headless Chromium with
networking blocked, driven over the DevTools protocol, at desktop and phone width."""
from __future__ import annotations

import base64
import html
import json
import os
import re
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from balochistan_events.cli import cli
from balochistan_events.render import report as rep
from conftest import require_tool
from report_fixture import HOSTILE_ACTOR, HOSTILE_QUOTE, write_fixture

DATE = "2026-02-10"


@pytest.fixture(scope="module")
def pkg(tmp_path_factory) -> Path:
    return write_fixture(tmp_path_factory.mktemp("report") / "pkg")


@pytest.fixture(scope="module")
def page(pkg) -> str:
    return rep.render_report(pkg, date=DATE)


def rep_load(path):
    from balochistan_events.package.loading import load

    return load(path)


def _tags(page: str) -> list[tuple[str, list[tuple[str, str]]]]:
    from html.parser import HTMLParser

    found = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, [(a, v or "") for a, v in attrs]))

    P().feed(page)
    return found


def _count_rows(path: Path) -> int:
    return len((path).read_text(encoding="utf-8").strip().split("\n")) - 1


# --------------------------------------------------------------------------- the HTML itself


def test_figure_text_keeps_the_wording():
    assert rep.figure_text(37, 37, 37, "exact") == "37"
    assert rep.figure_text(37, 37, None, "at_least") == "at least 37"
    assert rep.figure_text(40, 40, None, "more_than") == "more than 40"
    assert rep.figure_text(None, 120, 120, "up_to") == "up to 120"
    assert rep.figure_text(20, 25, 30, "approximately") == "about 25 (20–30)"
    assert rep.figure_text(20, 20, 30, None) == "20–30"
    assert rep.figure_text(None, None, None, None) == "—"


def test_every_data_string_is_escaped(page):
    assert HOSTILE_QUOTE not in page and "window.__pwned" in page           # present, but only as text
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in page
    assert HOSTILE_ACTOR not in page and html.escape(HOSTILE_ACTOR) in page
    assert "<i>two</i>" not in page and 'title="Statement &lt;i&gt;two&lt;/i&gt; · 2026-02-01"' in page
    # a URL that would break out of its attribute is shown as text, never linked
    assert 'onmouseover="' not in page
    assert 'href="https://example.net/bla?a=1&amp;b=2"' in page


def test_the_page_references_nothing_outside_itself(page):
    # the only URLs are link targets (navigation on click), never loaded resources
    tags = _tags(page)
    assert {t for t, _ in tags} >= {"svg", "article", "details", "script", "a"}
    loads = [(t, a) for t, attrs in tags for a, v in attrs if a in ("src", "srcset", "data", "poster", "background",
                                                                   "action", "formaction", "ping")]
    assert loads == []
    assert not {t for t, _ in tags} & {"iframe", "object", "embed", "img", "video", "audio", "source", "base", "image"}
    for tag, attrs in tags:
        for name, value in attrs:
            if name in ("href", "xlink:href") and not value.startswith("#"):
                assert tag == "a" or (tag == "link" and value.startswith("data:")), (tag, name, value)
            assert not name.startswith("on"), (tag, name)           # no inline handlers (the CSP forbids them)
    assert not re.search(r"url\(\s*['\"]?(https?:|//)", page)
    assert "@import" not in page
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp


def test_sections_hold_every_event_and_claim(page, pkg):
    n_events, n_claims = _count_rows(pkg / "data" / "events.csv"), _count_rows(pkg / "data" / "claims.csv")
    assert page.count('<article class="event') == n_events
    assert len(re.findall(r'<small class="cid">CL-\d+</small>', page)) == n_claims
    # the picture: militants and security forces killed side by side, and each side's highest figure
    assert page.count('<figure class="chart lead" data-chart="claims">') == 1
    assert "militants killed (claims about Coordinated attacks across Balochistan (synthetic))" in page
    glance = page[page.index('<table class="glance">'):]
    glance = glance[:glance.index("</table>")]
    assert "<b>177</b>" in glance and "<b>more than 280</b>" in glance and "<b>up to 120</b>" in glance
    assert page.count('<figure class="chart panel" data-chart="claims">') >= 1   # civilians killed, 3 claimants
    assert page.count('data-chart="timeline"') == 2        # one per campaign
    assert page.count('data-chart="map"') == 1
    assert re.search(r'<b id="version">0\.1\.0</b>', page)
    assert f"{n_events}</b> events" in page and f"{n_claims}</b> claims" in page
    for needle in ("How to cite", "CC-BY-4.0", "Figures are not merged", "at least 102", "about 25 (20–30)"):
        assert needle in page, needle


def test_same_data_and_date_give_identical_bytes(page, pkg):
    assert rep.render_report(pkg, date=DATE) == page
    assert page.count(DATE) == 2 and "2026-02-10" in page[:page.index("</header>")]   # header and footer


def test_the_date_comes_from_the_argument_source_date_epoch_or_the_descriptor(monkeypatch):
    import datetime as dt

    desc = {"created": "2026-11-23T00:00:00Z"}
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert rep._report_date(None, desc) == dt.date(2026, 11, 23)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1770681600")
    assert rep._report_date(None, desc) == dt.date(2026, 2, 10)
    assert rep._report_date("2026-03-01", desc) == dt.date(2026, 3, 1)
    assert rep._report_date(dt.date(2026, 3, 2), desc) == dt.date(2026, 3, 2)
    with pytest.raises(ValueError):
        rep._report_date("10/02/2026", desc)


def test_panels_are_capped_and_the_rest_announced(pkg, monkeypatch):
    monkeypatch.setattr(rep, "MAX_PANELS", 0)
    data = rep._prepare(rep_load(pkg))
    out = rep._figures_section(data)
    assert 'class="chart panel"' not in out and 'class="chart lead"' in out
    assert "1 further group of figures not drawn" in out


def test_the_picture_pairs_campaigns_of_one_period(pkg):
    data = rep._prepare(rep_load(pkg))
    assert rep._periods(data) == [["EV-2026-0001"], ["EV-2024-0001"]]
    picks = rep._headline(data)
    assert [(subject, eid, len(g)) for subject, eid, g in picks] == [
        ("militants", "EV-2026-0001", 6), ("security_forces", "EV-2026-0001", 10)]


def test_an_empty_package_still_renders(tmp_path, root):
    pkg = write_fixture(tmp_path / "pkg")
    for table in ("events", "claims", "sources", "actors"):
        f = pkg / "data" / f"{table}.csv"
        f.write_text(f.read_text(encoding="utf-8").split("\n")[0] + "\n", encoding="utf-8")
    out = rep.render_report(pkg, date=DATE)
    assert "No claims with figures yet." in out and "No located events yet." in out
    assert "<b>0</b> events" in out
    # and the shipped package, whatever its state, renders too
    assert rep.render_report(root, date=DATE).startswith("<!DOCTYPE html>")


def test_cli_report_writes_the_file_atomically(page, pkg, tmp_path, monkeypatch):
    monkeypatch.chdir(pkg)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1770681600")
    runner = CliRunner()
    result = runner.invoke(cli, ["report", "--out", str(tmp_path / "out" / "r.html")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "r.html").read_text(encoding="utf-8") == page
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["r.html"]      # no temp file left
    assert "[default: report.html]" in " ".join(runner.invoke(cli, ["report", "--help"]).output.split())
    result = runner.invoke(cli, ["report", "--out", str(tmp_path)])                # a directory
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_cli_report_cannot_run_without_a_package(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("balochistan_events.package.loading.default_path", lambda: tmp_path)
    result = CliRunner().invoke(cli, ["report", "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert result.output.startswith("error:") and "Traceback" not in result.output
    assert not (tmp_path / "r.html").exists()


# --------------------------------------------------------------------------- real headless Chromium


class Browser:
    """Headless Chromium over the DevTools protocol. Its traffic goes to a dead proxy (nothing can
    leave the machine), and every request, failed load, console error and exception is recorded."""

    def __init__(self, tmp: Path):
        import websocket  # websocket-client, the [test] extra

        exe = require_tool("chromium")
        profile = tmp / "profile"
        profile.mkdir()
        self.log = open(tmp / "chromium.log", "wb")  # noqa: SIM115 - open for the browser's lifetime, closed in close()
        self.proc = subprocess.Popen(
            [exe, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
             "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>", f"--user-data-dir={profile}",
             "--remote-debugging-port=0", "about:blank"],
            stdout=self.log, stderr=subprocess.STDOUT)
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.is_file() and port_file.read_text().strip()):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                pytest.fail("chromium did not start: " + (tmp / "chromium.log").read_text(errors="replace")[-2000:])
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))   # ignore *_proxy variables
        targets = json.loads(opener.open(f"http://127.0.0.1:{port}/json/list", timeout=30).read())
        ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        self.ws = websocket.create_connection(ws_url, timeout=60, suppress_origin=True)
        self.next_id = 0
        self.events: list[dict] = []
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params):
        self.next_id += 1
        self.ws.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == self.next_id:
                if "error" in msg:
                    raise RuntimeError(f"{method}: {msg['error']}")
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)

    def wait_for(self, event: str, timeout: float = 60):
        for msg in self.events:          # it may have arrived while call() waited for its answer
            if msg["method"] == event:
                return msg
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            msg = json.loads(self.ws.recv())
            if "method" in msg:
                self.events.append(msg)
                if msg["method"] == event:
                    return msg
        pytest.fail(f"timed out waiting for {event}")

    def open(self, url: str, width: int, height: int, mobile: bool):
        self.events.clear()
        self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=mobile)
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")
        self.eval("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    def eval(self, expression: str):
        res = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in res:
            raise RuntimeError(res["exceptionDetails"])
        return res["result"].get("value")

    def problems(self):
        """(console errors and exceptions, requested URLs, failed loads) since the last open()."""
        errors, requests, failed = [], [], []
        for e in self.events:
            m, p = e["method"], e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert", "warning"):
                errors.append(" ".join(str(a.get("value", a.get("description"))) for a in p.get("args", [])))
            elif m == "Runtime.exceptionThrown":
                errors.append(p["exceptionDetails"].get("text", "exception"))
            elif m == "Log.entryAdded" and p["entry"]["level"] in ("error", "warning"):
                errors.append(p["entry"].get("text", ""))
            elif m == "Network.requestWillBeSent":
                requests.append(p["request"]["url"])
            elif m == "Network.loadingFailed":
                failed.append(p.get("errorText", "failed"))
        return errors, requests, failed

    def screenshot(self, path: Path):
        height = self.eval("document.documentElement.scrollHeight")
        width = self.eval("document.documentElement.clientWidth")
        data = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                         clip={"x": 0, "y": 0, "width": width, "height": min(height, 16000), "scale": 1})["data"]
        path.write_bytes(base64.b64decode(data))
        return path

    def close(self):
        try:
            if getattr(self, "ws", None):
                self.ws.close()
        finally:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)
            self.log.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("chromium"))
    yield b
    b.close()


CHECKS = """(() => {
  const charts = {};
  for (const kind of ['claims', 'timeline', 'map']) {
    // the charts the reader sees (the map has a wide and a narrow drawing; CSS shows one)
    charts[kind] = [...document.querySelectorAll(`figure[data-chart="${kind}"]`)].map(f => {
      const shown = [...f.querySelectorAll('svg')].filter(s => s.getBoundingClientRect().width > 0);
      if (shown.length !== 1) return {shown: shown.length};
      const b = shown[0].getBoundingClientRect();
      // text and legends must sit inside their drawing (a long title once ran off the edge)
      const out = [...shown[0].querySelectorAll('g[id*="text_"], g[id*="legend_"]')].filter(t => {
        const r = t.getBoundingClientRect();
        return r.width > 0 && (r.left < b.left - 2 || r.right > b.right + 2 || r.top < b.top - 2 || r.bottom > b.bottom + 2);
      }).length;
      return {w: b.width, h: b.height, marks: shown[0].querySelectorAll('path, use').length, out};
    });
  }
  const root = document.documentElement;
  return {charts, events: document.querySelectorAll('#event-list article.event').length,
          rows: document.querySelectorAll('#event-list table.claims tr.claim').length,
          filters: !document.getElementById('filters').hidden,
          pwned: typeof window.__pwned, hostileShown: document.body.textContent.includes('<script>window.__pwned'),
          overflow: root.scrollWidth - root.clientWidth};
})()"""


def test_the_harness_sees_requests_and_console_errors(browser, tmp_path):
    """Positive control: a page that fetches and logs an error is caught, so a clean result means clean."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><img src="http://example.invalid/x.png"><script>console.error("boom")</script>')
    browser.open(bad.as_uri(), 800, 600, False)
    errors, requests, failed = browser.problems()
    assert any("boom" in e for e in errors)
    assert "http://example.invalid/x.png" in requests and failed


@pytest.mark.parametrize("width,height,mobile", [(1280, 900, False), (390, 844, True)], ids=["desktop", "phone"])
def test_report_in_headless_chromium(browser, page, pkg, tmp_path, width, height, mobile):
    out = tmp_path / "report.html"
    out.write_text(page, encoding="utf-8")
    browser.open(out.as_uri(), width, height, mobile)
    errors, requests, failed = browser.problems()
    assert errors == []
    assert requests == [out.as_uri()]
    assert failed == []
    got = browser.eval(CHECKS)
    for kind, figures in got["charts"].items():
        assert figures, f"no {kind} chart"
        for fig in figures:
            assert fig.get("w", 0) > 0.8 * min(width, 500) - 60 and fig["h"] > 100 and fig["marks"] > 10, (kind, fig)
            assert fig["out"] == 0, (kind, fig)
    assert got["events"] == _count_rows(pkg / "data" / "events.csv")
    assert got["rows"] == _count_rows(pkg / "data" / "claims.csv")
    assert got["filters"] is True                     # the page's script ran (allowed by the CSP)
    assert got["pwned"] == "undefined" and got["hostileShown"] is True
    assert got["overflow"] <= 1, "the page is wider than the screen"
    # filtering works: a place name narrows the list
    shown = browser.eval("""(() => {const q = document.getElementById('q'); q.value = 'gwadar';
        q.dispatchEvent(new Event('input'));
        return [...document.querySelectorAll('article.event')].filter(a => !a.hidden).length})()""")
    assert 1 <= shown < got["events"]
    browser.eval("(() => {const q = document.getElementById('q'); q.value = ''; q.dispatchEvent(new Event('input'))})()")
    shot = browser.screenshot(tmp_path / f"report-{width}.png")
    assert shot.stat().st_size > 20_000
    if os.environ.get("REPORT_SCREENSHOT_DIR"):            # for looking at it by hand
        Path(os.environ["REPORT_SCREENSHOT_DIR"], shot.name).write_bytes(shot.read_bytes())
    errors, requests, _ = browser.problems()
    assert errors == [] and requests == [out.as_uri()]


def test_a_big_synthetic_package_is_capped_and_still_loads_cleanly(browser, root, tmp_path):
    """Many campaigns and claims (scripts/make_synthetic.py): panels and timelines are capped and
    announced, every event is still listed, and the page loads without errors."""
    import sys

    subprocess.run([sys.executable, str(root / "scripts" / "make_synthetic.py"), "--events", "200",
                    "--out", str(tmp_path / "syn")], check=True, capture_output=True)
    page = rep.render_report(tmp_path / "syn", date=DATE)
    assert page.count('<figure class="chart panel"') == rep.MAX_PANELS
    assert page.count('data-chart="timeline"') == rep.MAX_TIMELINES
    assert "further group of figures not drawn" in page or "further groups of figures not drawn" in page
    assert "not drawn (only the 12 with the most incidents are)" in page
    assert page.count('<article class="event') == _count_rows(tmp_path / "syn" / "data" / "events.csv")
    out = tmp_path / "big.html"
    out.write_text(page, encoding="utf-8")
    browser.open(out.as_uri(), 1280, 900, False)
    errors, requests, failed = browser.problems()
    assert errors == [] and requests == [out.as_uri()] and failed == []
