"""Open data fixtures: the evaluation tests' tenders (opened, decided, announced) and the
tender tests' cast and factory, plus the journeys' releases and record as the API serves them."""

import pytest
from evaluation.conftest import (  # noqa: F401 — fixtures shared with the evaluation tests
    _reused_tender_keys,
    app_config,
    as_user,
    cast,
    create_tender,
    opened_tender,
    other_agency,
    pokja,
)
from evaluation.sanggah_fixtures import announced, decided  # noqa: F401


@pytest.fixture
def published(client):
    """`published(tender)` → (release package, record package) from the public API."""

    def get(tender):
        from lpse.opendata.releases import ocid

        releases = client.get('/api/v1/ocds/releases', query_string={'ocid': ocid(tender)})
        record = client.get(f'/api/v1/ocds/records/{ocid(tender)}')
        assert releases.status_code == 200, releases.get_json()
        assert record.status_code == 200, record.get_json()
        return releases.get_json(), record.get_json()

    return get
