"""Crossref and NCBI E-utilities, as far as citation completion uses them: a small HTTP server
on 127.0.0.1 answering `GET /works/{doi}` and `GET /esummary.fcgi?db=pubmed&id=...` with the
documented-format answers in data/citation_services/. `down` makes it answer 503, `delay` makes
it wait before answering; `asked` lists the paths it was asked for."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.services import free_port

DATA = Path(__file__).resolve().parent / "data" / "citation_services"


def _answer(path: str) -> bytes | None:
    parts = urlsplit(path)
    if parts.path.startswith("/crossref/works/"):
        doi = unquote(parts.path.removeprefix("/crossref/works/"))
        name = f"crossref-{doi.replace('/', '-')}.json"
    elif parts.path == "/eutils/esummary.fcgi":
        query = parse_qs(parts.query)
        if query.get("db") != ["pubmed"] or query.get("retmode") != ["json"]:
            return None
        name = f"esummary-{query.get('id', [''])[0]}.json"
        if not (DATA / name).exists():
            name = "esummary-unknown.json"
    else:
        return None
    file = DATA / name
    return file.read_bytes() if file.exists() else None


@dataclass
class CitationServices:
    port: int = field(default_factory=free_port)
    down: bool = False
    delay: float = 0.0
    asked: list[str] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None

    @property
    def crossref_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/crossref"

    @property
    def eutils_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/eutils"

    def start(self) -> None:
        services = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                services.asked.append(self.path)
                time.sleep(services.delay)
                body = None if services.down else _answer(self.path)
                status = 503 if services.down else (200 if body is not None else 404)
                body = body or b'{"status": "error", "message": "Resource not found."}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def configure(self, settings: Any, *, timeout: float = 5.0) -> None:
        """Point the application's completion at this server (pytest-django `settings`)."""
        settings.CITATION_LOOKUP = True
        settings.CITATION_LOOKUP_TIMEOUT = timeout
        settings.CITATION_CROSSREF_URL = self.crossref_url
        settings.CITATION_EUTILS_URL = self.eutils_url
