"""Issues 6 and 17: the offline HTML report. Rendering, escaping, determinism, the comparison across
campaigns and the caps at scale are checked on a synthetic package (tests/helpers/report_fixture.py)
and on the shipped data; the page itself is opened in real headless Chromium with networking
blocked, driven over the DevTools protocol, at desktop and phone width: the filters must filter and
the comparison's numbers must match a recomputation from data/*.csv."""
from __future__ import annotations

import base64
import csv
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
from balochistan_events.package.summary import SIDES
from balochistan_events.render import report as rep
from balochistan_events.render.report import charts, events, timeline
from balochistan_events.render.report import map as report_map
from balochistan_events.render.report.data import prepare, report_date
from conftest import require_tool
from report_fixture import HOSTILE_ACTOR, HOSTILE_QUOTE, URDU_QUOTE, URDU_TRANSLATION, add_translations, write_fixture

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


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _count_rows(path: Path) -> int:
    return len(_rows(path))


# --------------------------------------------------------------------------- the comparison, recomputed


def expected_comparison(pkg: Path) -> dict[tuple[str, str, str], dict[str, dict[str, str]]]:
    """From the CSV files alone: (campaign, subject, side) -> the highest and the latest 'killed' claim
    about the campaign row, a claimant's side from summary.SIDES (anyone else independent)."""
    side_of = {a["actor_id"]: SIDES.get(a["actor_type"], "independent") for a in _rows(pkg / "data" / "actors.csv")}
    campaigns = {e["event_id"] for e in _rows(pkg / "data" / "events.csv") if e["event_level"] == "campaign"}
    groups: dict = {}
    for c in _rows(pkg / "data" / "claims.csv"):
        if c["claim_type"] == "killed" and c["value_best"] and c["event_id"] in campaigns:
            key = (c["event_id"], c["subject"], side_of.get(c["claimant_id"], "independent"))
            groups.setdefault(key, []).append(c)
    out = {}
    for key, cs in groups.items():
        highest = min(cs, key=lambda c: (-int(c["value_best"]), c["claim_date"], c["claim_id"]))
        latest = max(cs, key=lambda c: (c["claim_date"], c["claim_id"]))
        out[key] = {"highest": highest, "latest": latest}
    return out


def expected_ratio(num: int, den: int) -> str:
    r = num / den
    return f"{r:.0f}×" if r >= 10 else f"{r:.1f}×" if r >= 0.1 else f"{r:.2f}×"


def check_comparison(cells: list[dict], pkg: Path) -> None:
    """cells: [{campaign, subject, side, highest, latest, texts}] read from the page; every figure the
    data holds is there, right, and links to its claim; the ratios follow from the highest figures."""
    want = expected_comparison(pkg)
    got = {(c["campaign"], c["subject"], c["side"]): c for c in cells if c["highest"]}
    assert set(got) == set(want)
    for key, w in want.items():
        g = got[key]
        assert g["highest"] == w["highest"]["claim_id"] and g["latest"] == w["latest"]["claim_id"], key
        h = w["highest"]
        assert g["texts"][0] == rep.figure_text(*(int(h[k]) if h[k] else None for k in ("value_low", "value_best",
                                                                                         "value_high")), h["qualifier"])
    for c in cells:
        if c["side"] == "armed_group" and c["ratio_armed"]:
            num = int(want[(c["campaign"], c["subject"], "armed_group")]["highest"]["value_best"])
            den = int(want[(c["campaign"], c["subject"], "official")]["highest"]["value_best"])
            assert c["ratio_armed"] == expected_ratio(num, den)


def cells_from_html(page: str) -> list[dict]:
    """The comparison table's cells, parsed from the HTML (the browser test reads the same from the DOM)."""
    cells = []
    for row in re.finditer(r'<tr data-campaign="([^"]+)" data-subject="([^"]+)">(.*?)</tr>', page, re.S):
        ratio = re.search(r'data-ratio="armed">([^<]+)<', row.group(3))
        for td in re.finditer(r'<td (data-side="[^>]*)>(.*?)</td>', row.group(3), re.S):
            attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', td.group(1)))
            texts = [html.unescape(t) for t in re.findall(r'<a href="#CL-\d+"><b>([^<]+)</b></a>', td.group(2))]
            cells.append({"campaign": row.group(1), "subject": row.group(2), "side": attrs["data-side"],
                          "highest": attrs.get("data-highest", ""), "latest": attrs.get("data-latest", ""),
                          "texts": texts, "ratio_armed": ratio.group(1) if ratio else ""})
    return cells


def test_the_comparison_matches_the_data(page, pkg):
    cells = cells_from_html(page)
    assert cells, "no comparison table"
    check_comparison(cells, pkg)
    # the fixture's 2026 campaign: state 177 militants (the latest too), armed group more than 280 soldiers
    ms = {(c["subject"], c["side"]): c for c in cells if c["campaign"] == "EV-2026-0001"}
    assert ms[("militants", "official")]["texts"] == ["177"]
    assert ms[("security_forces", "armed_group")]["texts"] == ["more than 280"]
    assert ms[("security_forces", "armed_group")]["ratio_armed"] == "9.0×"        # 280 / 31
    # every figure links to a claim row that is on the page and carries its quote
    for c in cells:
        for cid in (c["highest"], c["latest"]):
            if cid:
                assert re.search(rf'<tr class="claim" id="{cid}"', page), cid


def test_the_comparison_on_the_shipped_data(root):
    out = rep.render_report(root, date=DATE)
    check_comparison(cells_from_html(out), root)


def test_quotes_in_other_languages_show_their_translation(tmp_path):
    pkg = add_translations(write_fixture(tmp_path / "pkg"))
    out = rep.render_report(pkg, date=DATE)
    assert f'<q lang="ur">{URDU_QUOTE}</q><span class="tr"><b>English:</b> {URDU_TRANSLATION}</span>' in out
    assert "followed by our English rendering" in out
    # without the column (the fixture's default) there is no translation line
    assert '<span class="tr">' not in rep.render_report(write_fixture(tmp_path / "plain"), date=DATE)


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
    assert 'id="capnote"' not in page                                  # small: nothing capped
    # the picture: militants and security forces killed side by side, on one scale
    assert page.count('<figure class="chart lead" data-chart="claims">') == 2
    assert page.count('<figure class="chart panel" data-chart="claims">') >= 1   # civilians killed, 3 claimants
    assert page.count('data-chart="overview"') == 1
    assert page.count('data-chart="timeline"') == 2        # one per campaign
    assert page.count('data-chart="map"') == 1
    assert page.count('<details class="alt">') == page.count('data-chart=')      # every chart has its table
    assert re.search(r'<b id="version">0\.1\.0</b>', page)
    assert f"{n_events}</b> events" in page and f"{n_claims}</b> claims" in page
    for needle in ("How to cite", "CC-BY-4.0", "Figures are not merged", "at least 102", "about 25 (20–30)",
                   "Who makes the claims"):
        assert needle in page, needle


def test_same_data_and_date_give_identical_bytes(page, pkg):
    assert rep.render_report(pkg, date=DATE) == page
    assert page.count(DATE) == 2 and "2026-02-10" in page[:page.index("</header>")]   # header and footer


def test_the_date_comes_from_the_argument_source_date_epoch_or_the_descriptor(monkeypatch):
    import datetime as dt

    desc = {"created": "2026-11-23T00:00:00Z"}
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert report_date(None, desc) == dt.date(2026, 11, 23)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1770681600")
    assert report_date(None, desc) == dt.date(2026, 2, 10)
    assert report_date("2026-03-01", desc) == dt.date(2026, 3, 1)
    assert report_date(dt.date(2026, 3, 2), desc) == dt.date(2026, 3, 2)
    from balochistan_events.errors import PackageError

    with pytest.raises(PackageError, match="not YYYY-MM-DD"):
        report_date("10/02/2026", desc)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(PackageError, match="SOURCE_DATE_EPOCH"):
        report_date(None, desc)


def test_panels_are_capped_and_the_rest_announced(pkg, monkeypatch):
    monkeypatch.setattr(charts, "MAX_PANELS", 0)
    ctx = charts.figures_context(prepare(rep_load(pkg)))
    assert ctx["panels"] == [] and len(ctx["lead"]) == 2 and ctx["omitted"] >= 1


def test_the_picture_pairs_campaigns_of_one_period(pkg):
    data = prepare(rep_load(pkg))
    assert charts.periods(data) == [["EV-2026-0001"], ["EV-2024-0001"]]
    picks = charts.headline(data)
    assert [(subject, eid, len(g)) for subject, eid, g in picks] == [
        ("militants", "EV-2026-0001", 6), ("security_forces", "EV-2026-0001", 10)]


def test_an_empty_package_still_renders(tmp_path, root):
    pkg = write_fixture(tmp_path / "pkg")
    for table in ("events", "claims", "sources", "actors"):
        f = pkg / "data" / f"{table}.csv"
        f.write_text(f.read_text(encoding="utf-8").split("\n")[0] + "\n", encoding="utf-8")
    out = rep.render_report(pkg, date=DATE)
    assert "No claims with figures yet." in out and "No located events yet." in out
    assert "No campaign has a figure of people killed yet." in out
    assert "<b>0</b> events" in out
    # and the shipped package, whatever its state, renders too
    assert rep.render_report(root, date=DATE).startswith("<!DOCTYPE html>")


def test_at_scale_the_detail_is_capped_and_the_map_shows_density(pkg, monkeypatch):
    monkeypatch.setattr(events, "MAX_EVENT_DETAIL", 5)
    monkeypatch.setattr(report_map, "MAX_MAP_POINTS", 3)
    out = rep.render_report(pkg, date=DATE)
    assert out.count('<article class="event') == 5
    assert 'id="capnote"' in out and "Listed here: 5 of 16 events" in out
    for cid in ("EV-2026-0001", "EV-2024-0001"):                 # the compared campaigns keep their claims
        assert f'<article class="event campaign" id="{cid}"' in out
    for c in cells_from_html(out):
        for claim in (c["highest"], c["latest"]):
            assert not claim or f'<tr class="claim" id="{claim}"' in out
    assert "too many to draw one by one" in out and 'aria-label="Incidents per cell"' in out
    assert "<circle" not in out[out.index('data-chart="map"'):out.index("</figure>", out.index('data-chart="map"'))]


def test_the_templates_and_assets_ship_as_package_data(root):
    tomllib = pytest.importorskip("tomllib")

    conf = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = conf["tool"]["setuptools"]["package-data"]["balochistan_events.render.report"]
    here = root / "src" / "balochistan_events" / "render" / "report"
    shipped = {p.relative_to(here).as_posix() for pat in patterns for p in here.glob(pat)}
    assert shipped == {p.relative_to(here).as_posix() for p in (*here.glob("templates/*"), *here.glob("static/*"))}
    assert any(d.startswith("jinja2") for d in conf["project"]["dependencies"])


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
        self.log = open(tmp / "chromium.log", "wb")  # noqa: SIM115 (closed in close())
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
            elif m == "Network.requestWillBeSent" and not p["request"]["url"].startswith("data:"):
                requests.append(p["request"]["url"])   # data: URLs are inline (the date inputs' own icon)
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
  for (const kind of ['claims', 'overview', 'timeline', 'map']) {
    // the charts the reader sees (some have a wide and a narrow drawing; CSS shows one)
    charts[kind] = [...document.querySelectorAll(`figure[data-chart="${kind}"]`)].map(f => {
      const shown = [...f.querySelectorAll('svg')].filter(s => s.getBoundingClientRect().width > 0);
      if (shown.length !== 1) return {shown: shown.length};
      const b = shown[0].getBoundingClientRect();
      // text must sit inside its drawing (a long label once ran off the edge)
      const out = [...shown[0].querySelectorAll('text')].filter(t => {
        const r = t.getBoundingClientRect();
        return r.width > 0 && (r.left < b.left - 2 || r.right > b.right + 2 || r.top < b.top - 2 || r.bottom > b.bottom + 2);
      }).map(t => t.textContent);
      const small = [...shown[0].querySelectorAll('text')].filter(t => t.getBoundingClientRect().height > 0
        && parseFloat(getComputedStyle(t).fontSize) * b.width / shown[0].viewBox.baseVal.width < 7).length;
      return {w: b.width, h: b.height, marks: shown[0].querySelectorAll('path, circle, rect, line').length, out, small};
    });
  }
  const root = document.documentElement;
  return {charts, events: document.querySelectorAll('#event-list article.event').length,
          rows: document.querySelectorAll('#event-list table.claims tr.claim').length,
          filters: !document.getElementById('filters').hidden,
          pwned: typeof window.__pwned, hostileShown: document.body.textContent.includes('<script>window.__pwned'),
          overflow: root.scrollWidth - root.clientWidth};
})()"""

COMPARE_CELLS = """(() => [...document.querySelectorAll('table.compare tr[data-subject] td[data-side]')].map(td => {
  const tr = td.parentElement, ratio = tr.querySelector('b[data-ratio="armed"]');
  const links = [...td.querySelectorAll('a[href^="#CL-"]')];
  return {campaign: tr.dataset.campaign, subject: tr.dataset.subject, side: td.dataset.side,
          highest: td.dataset.highest || '', latest: td.dataset.latest || '',
          texts: links.map(a => a.textContent), ratio_armed: ratio ? ratio.textContent : '',
          targets: links.map(a => { const row = document.getElementById(a.getAttribute('href').slice(1));
                                    return row ? row.querySelector('q').textContent.length : -1; })};
}))()"""


def set_filters(browser, **values) -> int:
    """Set the filter controls (q, fcamp, fside, ftype, ffrom, fto) as a reader would; returns how many
    events are visible, after checking the page's own count says the same."""
    got = browser.eval("""((values) => {
        document.getElementById('clear').click();
        for (const [id, v] of Object.entries(values)) {
            const el = document.getElementById(id); el.value = v;
            el.dispatchEvent(new Event(el.tagName === 'SELECT' ? 'change' : 'input'));
        }
        const shown = [...document.querySelectorAll('#event-list article.event')].filter(a => !a.hidden && a.offsetParent);
        return [shown.length, document.getElementById('shown').textContent];
    })(""" + json.dumps(values) + ")")
    assert got[1].startswith(f"{got[0]} of "), got
    return got[0]


def expected_visible(pkg: Path, *, campaign=None, side=None, ctype=None, start=None, end=None) -> int:
    """How many events the filters should leave, from the CSV files alone."""
    side_of = {a["actor_id"]: SIDES.get(a["actor_type"], "independent") for a in _rows(pkg / "data" / "actors.csv")}
    claims: dict = {}
    for c in _rows(pkg / "data" / "claims.csv"):
        claims.setdefault(c["event_id"], []).append(c)
    n = 0
    for e in _rows(pkg / "data" / "events.csv"):
        mine = claims.get(e["event_id"], [])
        camp = e["event_id"] if e["event_level"] == "campaign" else e["parent_event_id"]
        ok = (campaign is None or camp == campaign) and \
            (side is None or any(side_of.get(c["claimant_id"], "independent") == side for c in mine)) and \
            (ctype is None or any(c["claim_type"] == ctype for c in mine)) and \
            (start is None or (e["date_end"] or e["date_start"]) >= start) and (end is None or e["date_start"] <= end)
        n += ok
    return n


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
            assert fig.get("w", 0) > 0.8 * min(width, 500) - 60 and fig["h"] > 100 and fig["marks"] > 5, (kind, fig)
            assert fig["out"] == [], (kind, fig)
            assert fig["small"] == 0, (kind, fig)           # no label drawn smaller than 7 px
    assert got["events"] == _count_rows(pkg / "data" / "events.csv")
    assert got["rows"] == _count_rows(pkg / "data" / "claims.csv")
    assert got["filters"] is True                     # the page's script ran (allowed by the CSP)
    assert got["pwned"] == "undefined" and got["hostileShown"] is True
    assert got["overflow"] <= 1, "the page is wider than the screen"
    # the filters filter: each narrows the list to what the CSV files say, and they combine
    total = got["events"]
    gwadar = sum("gwadar" in " ".join(v or "" for v in e.values()).lower() for e in _rows(pkg / "data" / "events.csv"))
    assert set_filters(browser, q="GWADAR ") == gwadar and 0 < gwadar < total      # place, district or words
    for values, expect in (({"fcamp": "EV-2024-0001"}, {"campaign": "EV-2024-0001"}),
                           ({"fside": "armed_group"}, {"side": "armed_group"}),
                           ({"fside": "independent"}, {"side": "independent"}),
                           ({"ftype": "occurred"}, {"ctype": "occurred"}),
                           ({"ffrom": "2026-02-02", "fto": "2026-02-03"}, {"start": "2026-02-02", "end": "2026-02-03"}),
                           ({"fcamp": "EV-2026-0001", "fside": "armed_group"},
                            {"campaign": "EV-2026-0001", "side": "armed_group"})):
        n = set_filters(browser, **values)
        assert n == expected_visible(pkg, **expect), values
        assert 0 < n < total, values
    # within a shown event, claims from other sides are hidden
    hidden = browser.eval("""[...document.querySelectorAll('#event-list tr.claim')].filter(r => !r.hidden)
        .every(r => r.dataset.side === 'armed_group')""")
    assert hidden is True
    assert set_filters(browser) == total
    # the comparison: numbers recomputed from data/, each figure linking to its claim and quote
    cells = browser.eval(COMPARE_CELLS)
    check_comparison(cells, pkg)
    assert all(t > 0 for c in cells for t in c["targets"])
    shot = browser.screenshot(tmp_path / f"report-{width}.png")
    assert shot.stat().st_size > 20_000
    # print: no controls, every quote open (the script opens them before printing)
    browser.call("Emulation.setEmulatedMedia", media="print")
    printed = browser.eval("""(() => { window.dispatchEvent(new Event('beforeprint'));
        return [getComputedStyle(document.getElementById('filters')).display,
                [...document.querySelectorAll('#event-list details')].every(d => d.open)]; })()""")
    browser.call("Emulation.setEmulatedMedia", media="")
    assert printed == ["none", True]
    if os.environ.get("REPORT_SCREENSHOT_DIR"):            # for looking at it by hand
        Path(os.environ["REPORT_SCREENSHOT_DIR"], shot.name).write_bytes(shot.read_bytes())
    errors, requests, _ = browser.problems()
    assert errors == [] and requests == [out.as_uri()]


def test_the_shipped_data_in_headless_chromium(browser, root, tmp_path):
    """The real package: the comparison in the DOM matches data/*.csv, at desktop and phone width."""
    out = tmp_path / "real.html"
    out.write_text(rep.render_report(root, date=DATE), encoding="utf-8")
    for width, height, mobile in ((1280, 900, False), (390, 844, True)):
        browser.open(out.as_uri(), width, height, mobile)
        errors, requests, failed = browser.problems()
        assert errors == [] and requests == [out.as_uri()] and failed == []
        cells = browser.eval(COMPARE_CELLS)
        check_comparison(cells, root)
        assert all(t > 0 for c in cells for t in c["targets"])
        assert browser.eval("document.documentElement.scrollWidth - document.documentElement.clientWidth") <= 1
        if os.environ.get("REPORT_SCREENSHOT_DIR"):
            browser.screenshot(Path(os.environ["REPORT_SCREENSHOT_DIR"]) / f"real-{width}.png")


def test_a_big_synthetic_package_is_capped_and_still_loads_cleanly(browser, root, tmp_path):
    """Many campaigns and claims (scripts/make_synthetic.py): panels and timelines are capped and
    announced, every event is still listed, and the page loads without errors."""
    import sys

    subprocess.run([sys.executable, str(root / "scripts" / "make_synthetic.py"), "--events", "200",
                    "--out", str(tmp_path / "syn")], check=True, capture_output=True)
    page = rep.render_report(tmp_path / "syn", date=DATE)
    assert page.count('<figure class="chart panel"') == charts.MAX_PANELS
    assert page.count('data-chart="timeline"') == timeline.MAX_TIMELINES
    assert "further group of figures not drawn" in page or "further groups of figures not drawn" in page
    assert "not drawn (only the 12 with the most incidents are)" in page
    assert page.count('<article class="event') == _count_rows(tmp_path / "syn" / "data" / "events.csv")
    check_comparison(cells_from_html(page), tmp_path / "syn")
    out = tmp_path / "big.html"
    out.write_text(page, encoding="utf-8")
    browser.open(out.as_uri(), 1280, 900, False)
    errors, requests, failed = browser.problems()
    assert errors == [] and requests == [out.as_uri()] and failed == []
