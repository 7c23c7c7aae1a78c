"""Savepoints stay inside the request's transaction on both databases (no partial writes)."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from lpse import clock
from lpse.agencies.models import Agency
from lpse.extensions import db, savepoint


def _agency(code):
    return Agency(
        code=code, name=f'Instansi {code}', timezone='Asia/Jakarta', created_at=clock.now()
    )


@pytest.mark.parametrize('first_write', [False, True], ids=['savepoint-first', 'after-a-write'])
def test_a_rollback_undoes_what_a_released_savepoint_wrote(app, first_write):
    with app.app_context():
        before = db.session.scalar(select(func.count(Agency.id)))
        if first_write:
            db.session.add(_agency('SP1'))
            db.session.flush()
        with savepoint():
            db.session.add(_agency('SP2'))
            db.session.flush()
        db.session.rollback()
        assert db.session.scalar(select(func.count(Agency.id))) == before


def test_a_failed_savepoint_keeps_the_outer_work(app):
    with app.app_context():
        db.session.add(_agency('SP3'))
        db.session.flush()
        with pytest.raises(IntegrityError), savepoint():
            db.session.add(_agency('SP3'))  # same code: unique violation
            db.session.flush()
        db.session.commit()
        assert db.session.scalar(select(func.count()).where(Agency.code == 'SP3')) == 1
