"""Red-flag fixtures: the evaluation tests' opened and decided tenders and the tender tests'
cast and factory."""

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
