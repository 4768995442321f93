from tests.approvals.conftest import make_world, world  # noqa: F401
