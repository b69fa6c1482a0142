"""The dossier tests' small world, shared by the national sync's tests."""

from tests.dossiers.conftest import world  # noqa: F401 - the fixture
