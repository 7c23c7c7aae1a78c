"""The report endpoints against their OpenAPI description (schemathesis, as in
tests/integration/api): generated filters never meet a server error, and every answer has the
documented shape."""

import pytest
import schemathesis
from api.test_schemathesis import _failures
from bundle.conftest import (  # noqa: F401 — the cast and a tender for `{code}`
    _reused_tender_keys,
    app_config,
    as_user,
    cast,
    create_tender,
    other_agency,
    pokja,
    token,
)

from lpse.tenders.stages import Stage


@pytest.mark.slow
def test_reports_keep_their_documented_promises(app, cast, create_tender, token):  # noqa: F811
    code = create_tender(Stage.clarification).code
    schema = schemathesis.openapi.from_wsgi('/api/v1/openapi.json', app)
    failures, checked = [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path.startswith('/audit/reports'):
            checked.append(operation.path)
            failures += _failures(operation, lambda: token(cast['auditor']), code)
    assert sorted(checked) == [
        '/audit/reports',
        '/audit/reports/export/{fmt}',
        '/audit/reports/{key}',
        '/audit/reports/{key}.csv',
    ]
    assert len(failures) == 0, '\n\n'.join(failures)
