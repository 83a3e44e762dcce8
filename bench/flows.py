"""How much of the project one flow walks through (docs/performance.md, "Measures of the code"):

    python -m bench.flows             # both flows: files entered and functions called
    python -m bench.flows --list      # and the functions, file by file
    python -m bench.flows --json      # one JSON object

It starts a throwaway PostgreSQL and Redis (bench/services.py), migrates, seeds the benchmark's
institutions, sessions, title authority and ISO 18626 partners, and follows each flow through the
whole Django stack with the test client, under `sys.setprofile`:

- **copy**: a verified institution's user POSTs the portal's copy form (`/requests/new/copy/`),
  followed until the statement that writes the copyright decision's row has run;
- **iso**: a partner POSTs an ISO 18626 copy request to `/iso18626/`, followed until the
  statement that writes its first outgoing `supplyingAgencyMessage` row has run.

Each flow runs once unfollowed first (imports, caches, the connection), then once followed.
Counted are the project's code objects entered in the followed run: a **function** is a function
or method of the apps (each top-level package but `tests` and `bench`, bench/layout.py), lambdas
included, module bodies and comprehensions not; a **file** is an app's file with at least one
such function entered. Django, the libraries, the tests and the benchmark are not counted, nor
what runs after the row is written (the commit, the after-commit hooks, the response).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any

from bench.layout import project_packages
from bench.services import ROOT

if TYPE_CHECKING:
    from django.db.models import Model
    from django.http.response import HttpResponseBase
    from django.test import Client

    from bench.seed import Account

# Code objects that are no function of their own.
_NOT_FUNCTIONS = frozenset({"<module>", "<listcomp>", "<dictcomp>", "<setcomp>", "<genexpr>"})
_NOT_COUNTED = frozenset({"bench"})


@dataclass
class Walk:
    """The project's functions one flow entered, by file."""

    functions: dict[str, set[str]] = field(default_factory=dict)
    finished: bool = False

    @property
    def files(self) -> int:
        return len(self.functions)

    @property
    def calls(self) -> int:
        return sum(len(names) for names in self.functions.values())

    def summary(self) -> dict[str, int | bool]:
        return {"files": self.files, "functions": self.calls, "finished": self.finished}


class Follower:
    """Records the functions under `roots` entered between start() and stop()."""

    def __init__(self, roots: list[Path]) -> None:
        self.prefixes = tuple(f"{root.resolve()}/" for root in roots)
        self.walk = Walk()
        self._verdicts: dict[str, bool] = {}

    def _counted(self, filename: str) -> bool:
        verdict = self._verdicts.get(filename)
        if verdict is None:
            verdict = str(Path(filename).resolve()).startswith(self.prefixes)
            self._verdicts[filename] = verdict
        return verdict

    def _on_event(self, frame: FrameType, event: str, arg: object) -> None:
        if event != "call":
            return
        code = frame.f_code
        if code.co_name in _NOT_FUNCTIONS or not self._counted(code.co_filename):
            return
        name = f"{code.co_qualname}:{code.co_firstlineno}"
        self.walk.functions.setdefault(code.co_filename, set()).add(name)

    def start(self) -> None:
        sys.setprofile(self._on_event)

    def stop(self) -> None:
        sys.setprofile(None)

    @contextmanager
    def following(self) -> Iterator[Walk]:
        self.start()
        try:
            yield self.walk
        finally:
            self.stop()


def app_roots(root: Path = ROOT) -> list[Path]:
    return [root / name for name in project_packages(root) if name not in _NOT_COUNTED]


@contextmanager
def until_written(follower: Follower, written: Callable[[str], bool]) -> Iterator[None]:
    """Stop following once a statement for which `written(sql)` holds has run (checked with
    following paused, so the check itself is not counted)."""
    from django.db import connection

    checking = False

    def wrapper(execute: Callable[..., Any], sql: str, *args: object) -> Any:
        nonlocal checking
        result = execute(sql, *args)
        if follower.walk.finished or checking:  # the check's own queries pass through here too
            return result
        follower.stop()
        checking = True
        try:
            follower.walk.finished = written(sql)
        finally:
            checking = False
        if not follower.walk.finished:
            follower.start()
        return result

    with connection.execute_wrapper(wrapper):
        yield


def _inserts_into(table: str) -> Callable[[str], bool]:
    marker = f'"{table}"'

    def written(sql: str) -> bool:
        head = sql.lstrip().upper()
        return marker in sql and ("INSERT" in head[:400] or head.startswith("WITH"))

    return written


def copy_flow(follower: Follower, account: Account, payload: dict[str, str]) -> Walk:
    from django.urls import reverse

    from copyright_rules.models import Decision

    client = _client(account)
    path = reverse("requests:new_copy")
    before = Decision.objects.count()
    stored = _inserts_into(Decision._meta.db_table)
    written = until_written(follower, lambda sql: stored(sql) and _more(Decision, before))
    with written, follower.following():
        response = client.post(path, payload)
    _expect(response, 302, "the copy request")
    return follower.walk


def iso_flow(follower: Follower, account: Account, body: str) -> Walk:
    from django.urls import reverse

    from bench.scenarios import ISO_TOKEN
    from requests_app.iso18626.models import Direction, IsoMessage

    client = _client(None)
    first = IsoMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    outgoing = IsoMessage.objects.filter(
        pk__gt=first, direction=Direction.OUT, kind="supplyingAgencyMessage"
    )
    stored = _inserts_into(IsoMessage._meta.db_table)
    message = body.replace("{agency}", account.symbol).replace("{rid}", uuid.uuid4().hex)
    written = until_written(follower, lambda sql: stored(sql) and outgoing.exists())
    with written, follower.following():
        response = client.post(
            reverse("iso18626:endpoint"),
            message,
            content_type="application/xml",
            headers={"Authorization": f"Bearer {ISO_TOKEN}"},
        )
    _expect(response, 200, "the ISO 18626 request")
    return follower.walk


def _more(model: type[Model], before: int) -> bool:
    return bool(model._default_manager.count() > before)


def _client(account: Account | None) -> Client:
    from django.conf import settings
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    if account is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = account.session_key
    return client


def _expect(response: HttpResponseBase, status: int, what: str) -> None:
    if response.status_code != status:
        raise RuntimeError(f"{what} was not accepted: {response.status_code}")


def measure(accounts: list[Account] | None = None) -> dict[str, Walk]:
    """Both flows, within a set-up Django: on a migrated, empty database, or with two or more
    of the benchmark's accounts already seeded with the authority and ISO 18626 partners."""
    from bench import scenarios, seed

    if accounts is None:
        accounts = [seed.log_in(institution) for institution in seed.seed_institutions(2)]
        scenarios.seed_authority()
        scenarios.seed_iso_partners(accounts)
    payloads = scenarios.copy_request_payloads(count=2, seed=3)
    body = scenarios.iso_copy_request(scenarios.copy_request_payloads(count=1, seed=13)[0])
    copy_flow(Follower(app_roots()), accounts[0], payloads[0])  # warm, not counted
    iso_flow(Follower(app_roots()), accounts[0], body)
    walks = {
        "copy": copy_flow(Follower(app_roots()), accounts[1], payloads[1]),
        "iso": iso_flow(Follower(app_roots()), accounts[1], body),
    }
    for name, walk in walks.items():
        if not walk.finished:
            raise RuntimeError(f"the {name} flow never wrote the row it is followed to")
    return walks


FLOW_NAMES = {
    "copy": "a copy POST to its stored decision",
    "iso": "an ISO 18626 request to its first outgoing message",
}


def figures(walks: dict[str, Walk]) -> dict[str, int]:
    """The report's figures: flow_<name>_files and flow_<name>_functions."""
    found = {}
    for name, walk in walks.items():
        found[f"flow_{name}_files"] = walk.files
        found[f"flow_{name}_functions"] = walk.calls
    return found


def report(walks: dict[str, Walk], *, listing: bool = False) -> Iterator[str]:
    for name, walk in walks.items():
        yield f"{FLOW_NAMES[name]}: {walk.files} files, {walk.calls} functions"
        if listing:
            for filename in sorted(walk.functions):
                yield f"  {Path(filename).relative_to(ROOT)}"
                yield from (f"    {function}" for function in sorted(walk.functions[filename]))


def main(argv: list[str] | None = None) -> int:
    from bench.services import services, setup_django

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON object")
    parser.add_argument("--list", action="store_true", help="the functions, file by file")
    options = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="illdesk-flows-"))
    workdir.chmod(0o755)  # the postgres system user must reach its data directory below
    try:
        with services(workdir):
            setup_django()
            walks = measure()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    if options.json:
        print(json.dumps({name: walk.summary() for name, walk in walks.items()}))
    else:
        print("\n".join(report(walks, listing=options.list)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
