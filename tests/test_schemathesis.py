"""Schemathesis over /openapi.json: generated requests (valid and hostile) against the real app
find no server error and no response that breaks the app's own schema.

Each operation gets a bounded, derandomised run (MAX_EXAMPLES examples), so the test is
repeatable and stays well under a minute.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from api_papers import seed
from paperfeed.config import load_settings
from paperfeed.store import Store
from paperfeed.web.app import create_app
from smtp import SmtpServer

MAX_EXAMPLES = 30
# Requests that fit the schema may still be refused with a 422 that explains why: rules that
# JSON Schema cannot state (one of date/week/month; ISO week 53 only in some years; a real
# e-mail address). Every other check runs: no 5xx, status codes, content types and bodies
# as documented, schema-invalid input refused.
EXCLUDED = [positive_data_acceptance]


@pytest.fixture
def api_schema(sqlite_store: Store, smtp_server: SmtpServer) -> Any:
    """The real app on a seeded SQLite file, mailing (subscriptions) to a local SMTP sink."""
    seed(sqlite_store, votes={"2401.00001": 1})
    settings = smtp_server.configure(load_settings(environ={},
                                                   database_url=sqlite_store.url))
    return schemathesis.openapi.from_asgi("/openapi.json", create_app(settings, sqlite_store))


def run_operation(operation: Any) -> None:
    @given(case=operation.as_strategy())
    @hypothesis_settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
                         database=None, phases=[Phase.explicit, Phase.generate],
                         suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        case.call_and_validate(excluded_checks=EXCLUDED)

    check()


def test_every_operation_keeps_its_schema(api_schema: Any) -> None:
    failures: dict[str, str] = {}
    labels = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        labels.append(operation.label)
        try:
            run_operation(operation)
        except (Exception, BaseExceptionGroup) as exc:
            failures[operation.label] = str(exc)[:3000]
    assert "GET /api/daily_papers" in labels and "GET /feeds/search.{fmt}" in labels
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
