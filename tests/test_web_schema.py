"""schemathesis over the whole OpenAPI document, authenticated as an organisation's administrator: no answer is
a server error, and every answer's status and body match the document (a short pass: a few examples each)."""

from __future__ import annotations

from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from web_fixtures import Platform


def test_no_server_errors_and_answers_match_the_schema(platform: Platform) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", platform.client.app)
    headers = platform.a.auth("admin")
    checked = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def check(case: Any) -> None:
            response = case.call(headers=headers)
            case.validate_response(
                response, checks=(not_a_server_error, status_code_conformance, response_schema_conformance)
            )

        try:
            check()
        finally:
            reissue_tokens(platform)  # drawn token ids may revoke the session's tokens: the next tests need them
        checked.append(operation.label)
    assert len(checked) >= 20, checked


def reissue_tokens(platform: Platform) -> None:
    """Fresh setup tokens for every user of both organisations, as the session's platform first had."""
    from allyshore.store.tenancy import Accounts

    accounts = Accounts(platform.store)
    for org in (platform.a, platform.b):
        for role, email in org.emails.items():
            found = accounts.user_by_email(email)
            assert found is not None, email
            org.tokens[role] = accounts.issue_token(found[0], name="setup")[1]
