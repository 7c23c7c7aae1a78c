"""Issue #12: the API against its own OpenAPI document (schemathesis, in process over WSGI):
for a vendor and for an officer, a bounded, deterministic set of generated requests per
operation — no server error, and every answer in the documented shape."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from lpse.tenders.stages import Stage

EXAMPLES = 10
CHECKS = [not_a_server_error, response_schema_conformance]
SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],  # a failure is reported as found, unshrunk
    suppress_health_check=list(HealthCheck),
)


def _failures(operation, headers, code) -> list[str]:
    found = []
    names = {p.name for p in operation.path_parameters}
    # A real tender for `{code}`: random codes would only ever meet a 404.
    strategy = operation.as_strategy(path_parameters={'code': code} if 'code' in names else None)

    @SETTINGS
    @given(strategy)
    def run(case):
        response = case.call(headers=headers())
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as exc:  # keep going: one report lists every operation's failure
            found.append(f'{operation.label}: {str(exc)[:600]}')

    run()
    return found


@pytest.mark.slow
@pytest.mark.parametrize('role', ['vendor', 'pokja'])
def test_api_keeps_its_documented_promises(app, cast, create_tender, token, bidder, role):
    code = create_tender(Stage.bid_submission).code
    schema = schemathesis.openapi.from_wsgi('/api/v1/openapi.json', app)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()
        # A fresh token per request: revoking its own token must not blind the rest.
        failures += _failures(operation, lambda: token(cast[role]), code)
    assert not failures, '\n\n'.join(failures)


@pytest.mark.slow
def test_audit_search_keeps_its_documented_promises(app, cast, create_tender, token):
    """The audit log search as an auditor (the roles above only meet its 403)."""
    code = create_tender(Stage.clarification).code
    schema = schemathesis.openapi.from_wsgi('/api/v1/openapi.json', app)
    failures, checked = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith('/audit/events'):
            checked.append(operation.path)
            failures += _failures(operation, lambda: token(cast['auditor']), code)
    assert sorted(checked) == ['/audit/events', '/audit/events.csv']
    assert len(failures) == 0, '\n\n'.join(failures)
