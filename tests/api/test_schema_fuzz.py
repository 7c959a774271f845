"""Schemathesis against the live schema: every phase, every operation, no 5xx.

The schema is generated in-process and the requests go to the WSGI app, against a database
seeded with an incident, its rows, a postmortem and people, with a manager's read-write
token (a manager may do everything, so every write is reached).

All four phases run: examples, coverage (the edges of every parameter and body: missing,
too long, out of range), fuzzing (random valid and invalid inputs) and stateful (chains of
calls following the links between operations). The run is bounded so it stays a few
minutes on two cores: a quick profile by default, a fuller one when CI=true.
"""

import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api.models import ApiToken
from postmortems.collaboration import comments
from tests.factories import (
    ActionItemFactory,
    CauseFactory,
    IncidentFactory,
    PostmortemFactory,
    TeamFactory,
    TimelineEventFactory,
    UserFactory,
)

IN_CI = os.environ.get("CI", "").lower() == "true"
# Fuzzing draws this many cases per operation; examples and coverage produce theirs from
# the schema, whatever this is.
MAX_EXAMPLES = 40 if IN_CI else 10
STATEFUL_SCENARIOS = 30 if IN_CI else 8
STATEFUL_STEPS = 6 if IN_CI else 4

CONFIG = SchemathesisConfig.from_dict(
    {
        # A fixed seed locally, so a run can be repeated; CI draws new cases every time.
        **({} if IN_CI else {"seed": 2026}),
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": True},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": True, "max-steps": STATEFUL_STEPS},
        },
        "generation": {
            "mode": "all",
            "max-examples": MAX_EXAMPLES,
            # The token is ours (ManagerToken); made-up ones would only test the sign-in.
            "with-security-parameters": False,
        },
    }
)
schema = schemathesis.openapi.from_dict(
    SchemaGenerator().get_schema(request=None, public=True), config=CONFIG
)
schema.app = get_wsgi_application()


@schema.auth(refresh_interval=None)  # a fresh token per test: each test has its own rows
class ManagerToken:
    """Sign every request in with the manager's read-write token, so the checks know it is
    ours and probe the sign-in by taking it away."""

    raw = ""

    def get(self, case, context):
        return ManagerToken.raw

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


# Schema-valid is not always acceptable: the id of a service that does not exist, a
# detection time before the start. Those answer 400 with the reason; every other check
# (no 5xx, responses as documented, schema-invalid input refused) holds.
EXCLUDED_CHECKS = [positive_data_acceptance]
HYPOTHESIS = {
    "deadline": None,
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
}


@pytest.fixture
def manager_token(db):
    # The WSGI handler would close the test's connection after each request, as Django's
    # own test client prevents by the same means.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    manager = UserFactory(username="fuzz-manager", is_superuser=True, is_staff=True)
    team = TeamFactory(manager=manager, members=[UserFactory()])
    incident = IncidentFactory(team=team, commander=manager)
    postmortem = PostmortemFactory(incident=incident, authors=[manager], reviewers=[manager])
    comments.thread_start(postmortem=postmortem, actor=manager, section="timeline", body="Why?")
    TimelineEventFactory(incident=incident)
    CauseFactory(incident=incident)
    ActionItemFactory(incident=incident, owner=manager)
    incident.tags.create(name="database")
    _, ManagerToken.raw = ApiToken.issue(user=manager, name="fuzz", scope="read_write")
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=MAX_EXAMPLES, **HYPOTHESIS)
def test_every_operation_answers_as_documented_and_never_with_a_5xx(case, manager_token):
    case.call_and_validate(excluded_checks=EXCLUDED_CHECKS)


def test_chains_of_calls_answer_as_documented_and_never_with_a_5xx(manager_token):
    class Workflow(schema.as_state_machine()):
        # Each scenario starts from the seeded rows: Hypothesis replays a scenario to shrink
        # it, and rows left by the one before would make it draw differently.
        def setup(self):
            self.scenario = transaction.atomic()
            self.scenario.__enter__()

        def teardown(self):
            transaction.set_rollback(True)
            self.scenario.__exit__(None, None, None)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                excluded_checks=EXCLUDED_CHECKS,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Workflow.run(
        settings=settings(
            max_examples=STATEFUL_SCENARIOS, stateful_step_count=STATEFUL_STEPS, **HYPOTHESIS
        )
    )
