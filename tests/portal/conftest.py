from tests.backoffice.conftest import client_for  # noqa: F401
from tests.workflow.conftest import clock, flow, world  # noqa: F401
