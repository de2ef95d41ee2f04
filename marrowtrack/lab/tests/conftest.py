from marrowtrack.procedures.tests.conftest import encounter, plan, walk  # noqa: F401
