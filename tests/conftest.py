"""Root fixtures: the service fixtures of tests/integration are shared with every suite."""

from tests.integration.conftest import cluster_services, pg_database  # noqa: F401
