"""A release host for the download tests: a real http.server on 127.0.0.1 serving a folder laid out
as <version>/balochistan-events-<version>.zip (+ .sha256), recording every path it is asked for."""
from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

from balochistan_events.release.build import BuiltZip, build_zip


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.server.requested.append(self.path)  # type: ignore[attr-defined]
        super().do_GET()


class ReleaseServer:
    def __init__(self, root: Path):
        self.root = root
        self.httpd: http.server.ThreadingHTTPServer | None = None
        self.requested: list[str] = []

    def start(self) -> ReleaseServer:
        handler = functools.partial(_Handler, directory=str(self.root))
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.requested = self.requested  # type: ignore[attr-defined]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    @property
    def template(self) -> str:
        assert self.httpd is not None
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/{{version}}/balochistan-events-{{version}}.zip"

    def stop(self) -> None:
        if self.httpd is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.httpd = None

    def publish(self, built: BuiltZip, data: bytes | None = None, sha256_line: str | None = None) -> Path:
        """Put a built release (or other bytes under its name) where the template points."""
        folder = self.root / built.version
        folder.mkdir(parents=True, exist_ok=True)
        (folder / built.name).write_bytes(built.data if data is None else data)
        (folder / (built.name + ".sha256")).write_text(built.sha256_line if sha256_line is None else sha256_line)
        return folder / built.name


def build_version(pkg: Path, version: str, date: str = "2026-11-23") -> BuiltZip:
    """The sample package built as `version` (the descriptor's version replaced in memory)."""
    import re

    raw = (pkg / "datapackage.json").read_text(encoding="utf-8")
    desc = re.sub(r'("version"\s*:\s*)"[^"]*"', rf'\g<1>"{version}"', raw, count=1)
    return build_zip(pkg, date, overrides={"datapackage.json": desc.encode("utf-8")})
