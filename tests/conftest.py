import pytest


@pytest.fixture(scope="session", autouse=True)
def compiled_engine():
    """Compile the engine once, up front, on both cores (a no-op when the
    cache holds it), as every command that plays games does."""
    from moba.compile import ensure_compiled

    ensure_compiled(quiet=True)
