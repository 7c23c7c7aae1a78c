"""The Daftar Hitam: recording, the public list, periods derived from the clock, lifting."""

from datetime import UTC, date, datetime, timedelta

import pytest

from lpse import clock
from lpse.audit import AuditEvent
from lpse.extensions import db
from lpse.vendors import verification
from lpse.vendors.models import BlacklistEntry

NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)  # 10:00 WIB


@pytest.fixture
def verifier(person, agency):
    return person('verifikator@lpse.go.id', 'verifier', agency=agency)


def entry(**changes):
    data = {
        'company_name': 'PT Curang',
        'npwp': '01.234.567.8-901.999',
        'nib': '',
        'reason': 'Dokumen palsu',
        'decree_number': 'SK-07/2026',
        'starts_on': '2026-05-01',
        'ends_on': '2026-12-31',
    }
    return data | changes


def test_record_on_the_page_and_read_the_public_list(client, as_user, verifier):
    clock.set_now(NOW)
    as_user(verifier)
    response = client.post('/vendors/blacklist/new', data=entry())
    assert response.status_code == 302, response.get_data(as_text=True)
    row = db.session.scalar(db.select(BlacklistEntry))
    assert row.npwp == '012345678901999' and row.nib is None
    client.post('/auth/logout')
    page = client.get('/vendors/blacklist').get_data(as_text=True)
    assert 'PT Curang' in page and '01.234.567.8-901.999' in page and 'SK-07/2026' in page
    assert '1 Mei 2026 – 31 Desember 2026' in page  # dates the Indonesian way, not ISO
    listed = client.get('/api/v1/blacklist').get_json()['entries']
    assert listed == [
        {
            'id': row.id,
            'company_name': 'PT Curang',
            'npwp': '01.234.567.8-901.999',
            'nib': None,
            'reason': 'Dokumen palsu',
            'decree_number': 'SK-07/2026',
            'starts_on': '2026-05-01',
            'ends_on': '2026-12-31',
            'active': True,
            'lifted_at': None,
        }
    ]
    assert 'blacklist.added' in db.session.scalars(db.select(AuditEvent.action)).all()


@pytest.mark.parametrize(
    ('changes', 'field'),
    [
        ({'npwp': '', 'nib': ''}, 'npwp'),
        ({'npwp': '123'}, 'npwp'),
        ({'nib': '12'}, 'nib'),
        ({'ends_on': '2026-04-30'}, 'ends_on'),
        ({'starts_on': '2026-13-01'}, 'starts_on'),
        ({'reason': ''}, 'reason'),
        ({'decree_number': ''}, 'decree_number'),
    ],
)
def test_bad_entries_are_refused(client, verifier, token_for, changes, field):
    response = client.post('/api/v1/blacklist', headers=token_for(verifier), json=entry(**changes))
    assert response.status_code == 422, response.get_json()
    assert db.session.scalar(db.select(db.func.count()).select_from(BlacklistEntry)) == 0


def test_only_admins_and_verifiers_record(client, create_vendor, person, token_for):
    for user in (create_vendor().user, person('aud@bpkp.go.id', 'auditor')):
        assert (
            client.post('/api/v1/blacklist', headers=token_for(user), json=entry()).status_code
            == 403
        )
    assert client.post('/api/v1/blacklist', json=entry()).status_code == 401


def test_an_entry_blocks_only_during_its_period(client, create_vendor, verifier, token_for):
    clock.set_now(NOW)
    vendor = create_vendor()
    assert verification.may_participate(vendor.user, NOW)
    response = client.post(
        '/api/v1/blacklist',
        headers=token_for(verifier),
        json=entry(npwp='', nib=vendor.nib, starts_on='2026-06-02', ends_on='2026-06-30'),
    )
    assert response.status_code == 201
    assert verification.may_participate(vendor.user, NOW)  # not started yet
    wib = lambda d, h=0: datetime(d.year, d.month, d.day, h, tzinfo=UTC) - timedelta(hours=7)  # noqa: E731
    assert not verification.may_participate(vendor.user, wib(date(2026, 6, 2)))  # 00:00 WIB
    assert not verification.may_participate(vendor.user, wib(date(2026, 6, 30), 23))
    assert verification.may_participate(vendor.user, wib(date(2026, 7, 1)))  # it has expired
    assert 'Daftar Hitam' in str(verification.participation_problem(vendor, wib(date(2026, 6, 15))))


def test_a_15_digit_entry_blocks_the_16_digit_npwp(client, create_vendor, verifier, token_for):
    clock.set_now(NOW)
    vendor = create_vendor(npwp='0012345678901999')
    client.post('/api/v1/blacklist', headers=token_for(verifier), json=entry())
    assert not verification.may_participate(vendor.user, NOW)


def test_lifting_an_entry(client, as_user, create_vendor, verifier):
    clock.set_now(NOW)
    vendor = create_vendor(npwp='012345678901999')
    as_user(verifier)
    client.post('/vendors/blacklist/new', data=entry())
    row = db.session.scalar(db.select(BlacklistEntry))
    assert not verification.may_participate(vendor.user, NOW)
    response = client.post(f'/vendors/blacklist/{row.id}/lift', data={'lift-reason': ''})
    assert response.status_code == 303
    db.session.expire_all()
    assert row.lifted_at is None
    response = client.post(
        f'/vendors/blacklist/{row.id}/lift', data={'lift-reason': 'Dibatalkan putusan PTUN'}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert row.lifted_at == NOW and verification.may_participate(vendor.user, NOW)
    assert client.get('/api/v1/blacklist').get_json()['entries'] == []
    past = client.get('/api/v1/blacklist?all=1').get_json()['entries']
    assert past[0]['lifted_at'] is not None
    assert (
        client.post(f'/vendors/blacklist/{row.id}/lift', data={'lift-reason': 'lagi'}).status_code
        == 403
    )
