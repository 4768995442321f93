"""Root fixtures and the parallel-run rules (tests/README.md, ADR 0176-0179).

The service fixtures of tests/integration are shared with every suite. Under pytest-xdist
(`scripts/pytest.sh` runs `-n 2 --dist loadgroup`) every test file is one work unit (its
module fixtures are built once), the users of an expensive session fixture named in
SHARED_SESSION_GROUPS share one worker, and tests marked ``exclusive`` (they restart a
service every test uses) refuse to run next to another worker.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# An xdist worker starts with COLUMNS=80 (the controller's width for its own reporting). The
# CLI's rich console, made at import, would freeze that width and ignore the COLUMNS a test
# sets: tables would wrap and truncate ids as in no serial run. Unset, it reads COLUMNS when
# it prints, as for a user.
if os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ.pop("COLUMNS", None)

from tests.integration.conftest import cluster_services, pg_database  # noqa: F401
from tests.integration.pg_template import PROCESS_TEMPLATE, pg_migrated_database  # noqa: F401

SHARED_SESSION_GROUPS = {
    # one seeded `nexus serve` world per run; its files see each other's objects, as in a
    # serial run (the isolation table reads ids the other files created)
    "world": "gateway-world",
}
EXCLUSIVE = (
    "exclusive: restarts or stops a service every test shares (PostgreSQL, RabbitMQ); "
    "runs alone, in scripts/pytest.sh's serial phase, never next to another xdist worker"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", EXCLUSIVE)
    # The default data dir of this process (each xdist worker its own): a test that forgets
    # tmp_path never shares a SQLite file or artifacts with another worker or the user's data.
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    data_dir = tempfile.mkdtemp(prefix=f"nexus-test-data-{worker}-")
    os.environ["NEXUS_DATA_DIR"] = data_dir
    config.add_cleanup(lambda: shutil.rmtree(data_dir, ignore_errors=True))


def pytest_sessionfinish(session: pytest.Session) -> None:
    PROCESS_TEMPLATE.drop()  # this process's migrated PostgreSQL template, if it made one


def xdist_worker_count(config: pytest.Config) -> int:
    """How many xdist workers this run has (0: not under xdist)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None:
        return int(workerinput["workercount"])
    return int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup``, give every ungrouped test its file as xdist group (this
    runs before xdist reads the groups)."""
    for item in items if getattr(config.option, "loadgroup", False) else ():
        if item.get_closest_marker("xdist_group") is not None:
            continue
        group = next(
            (g for name, g in SHARED_SESSION_GROUPS.items() if name in item.fixturenames),
            item.nodeid.split("::", 1)[0],
        )
        item.add_marker(pytest.mark.xdist_group(group))
    report = os.environ.get("NEXUS_TEST_EXCLUSIVE_REPORT")
    if report:  # scripts/pytest.sh: phase 2 only runs when phase 1's selection had some
        exclusive = [i.nodeid for i in items if i.get_closest_marker("exclusive") is not None]
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        Path(f"{report}.{worker}").write_text("".join(f"{n}\n" for n in exclusive))


def pytest_runtest_setup(item: pytest.Item) -> None:
    """An exclusive test next to another xdist worker fails (it would break that worker's
    tests, and be broken by them); it is never skipped silently."""
    if item.get_closest_marker("exclusive") and xdist_worker_count(item.config) > 1:
        pytest.fail(
            "exclusive test run next to other xdist workers: select it with -m exclusive "
            "and without -n (scripts/pytest.sh runs it so, after the parallel phase)",
            pytrace=False,
        )
