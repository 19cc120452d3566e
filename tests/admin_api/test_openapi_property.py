"""Property-based run of the published OpenAPI schema (schemathesis 4): with a valid admin key,
no generated request, valid or not, makes the server answer 5xx."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from admin_api import ApiConfig
from tests.admin_api.conftest import Api, ApiFactory

MAX_EXAMPLES = 6  # per operation and mode: bounded, so the suite stays fast


def run_operation(operation: Any, mode: GenerationMode, base_url: str,
                  headers: dict[str, str], session: requests.Session,
                  failures: list[str]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode, headers=headers))
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def check(case: schemathesis.Case) -> None:
        # Generated header values may be anything; the key must stay the real one.
        case.headers = {**(case.headers or {}), **headers}
        response = case.call(base_url=base_url, session=session, timeout=30)
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except Exception as exc:  # keep going: report every operation that fails
            failures.append(f"{case.operation.label} [{mode.value}]: {exc}\n"
                            f"{case.as_curl_command()}")
            raise

    with contextlib.suppress(Exception):  # recorded in ``failures`` above
        check()


async def test_no_generated_request_makes_a_5xx(api_factory: ApiFactory) -> None:
    async with api_factory(ApiConfig(auth_max_failures=100_000)) as api:
        await asyncio.to_thread(_run_all, api)


def _run_all(api: Api) -> None:
    schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
    headers = api.auth("admin")
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    with requests.Session() as session:
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                run_operation(operation, mode, api.url, headers, session, failures)
    assert not failures, "\n\n".join(failures)
