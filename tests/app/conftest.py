"""An App on a real SQLite file with a manual clock."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from deconfliction.app import App, Rules
from deconfliction.clock import ManualClock
from deconfliction.store import Database, sqlite_url
from tests.builders import T0


class Harness:
    """Drives an App from synchronous tests: each call runs in the harness's event loop."""

    def __init__(self, app: App, clock: ManualClock, loop: asyncio.AbstractEventLoop) -> None:
        self.app, self.clock, self.loop = app, clock, loop

    def run(self, awaitable):  # noqa: ANN001, ANN201
        return self.loop.run_until_complete(awaitable)

    def __getattr__(self, name: str):  # noqa: ANN204
        method = getattr(self.app, name)
        return lambda *a, **k: self.run(method(*a, **k))


def open_app(path, clock: ManualClock, rules: Rules) -> App:  # noqa: ANN001
    database = Database(sqlite_url(path))
    database.upgrade()
    return App(database, clock, rules=rules)


@pytest.fixture
def harness(tmp_path) -> Iterator[Harness]:  # noqa: ANN001
    loop = asyncio.new_event_loop()
    clock = ManualClock(T0 - 7200)
    app = open_app(tmp_path / "d.db", clock, Rules(min_notice_s=900, ack_deadline_s=300))
    yield Harness(app, clock, loop)
    app.writer.close()
    app.db.close()
    loop.close()
