"""An officer's NIP (printed in signature blocks): `flask lpse set-nip EMAIL NIP` and the admin's
user page; bad input is refused with a clear message and nothing written."""

from helpers import csrf_token
from sqlalchemy import select

from lpse.audit import AuditEvent
from lpse.extensions import db


def nip_events():
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == 'user.nip_set').order_by(AuditEvent.seq)
    ).all()


def test_cli_sets_and_clears_a_nip(app, users):
    runner = app.test_cli_runner()
    result = runner.invoke(args=['lpse', 'set-nip', users['ppk'].email, '19780512 200312 1 001'])
    assert result.exit_code == 0, result.output
    db.session.refresh(users['ppk'])
    assert users['ppk'].nip == '197805122003121001'
    assert '197805122003121001' in result.output
    cleared = runner.invoke(args=['lpse', 'set-nip', users['ppk'].email, '-'])
    assert cleared.exit_code == 0
    db.session.refresh(users['ppk'])
    assert users['ppk'].nip is None
    assert [e.payload for e in nip_events()][-1].count('197805122003121001') == 1


def test_cli_refuses_a_bad_nip_and_an_unknown_user(app, users):
    runner = app.test_cli_runner()
    bad = runner.invoke(args=['lpse', 'set-nip', users['ppk'].email, '12345'])
    assert bad.exit_code != 0 and 'NIP harus 18 angka' in bad.output
    unknown = runner.invoke(args=['lpse', 'set-nip', 'siapa@uji.go.id', '197805122003121001'])
    assert unknown.exit_code != 0 and 'no user' in unknown.output
    db.session.refresh(users['ppk'])
    assert users['ppk'].nip is None and nip_events() == []


def test_admin_page_sets_a_nip(client, users, login_as):
    login_as('admin')
    target = users['pokja']
    page = client.get(f'/admin/users/{target.id}').get_data(as_text=True)
    assert 'name="nip"' in page
    token = csrf_token(client, f'/admin/users/{target.id}')
    response = client.post(
        f'/admin/users/{target.id}/nip', data={'nip': '198501012010011001', 'csrf_token': token}
    )
    assert response.status_code == 303
    db.session.refresh(target)
    assert target.nip == '198501012010011001'
    assert len(nip_events()) == 1
    refused = client.post(
        f'/admin/users/{target.id}/nip', data={'nip': '1985-01-01', 'csrf_token': token}
    )
    assert refused.status_code == 422
    assert 'NIP harus 18 angka.' in refused.get_data(as_text=True)
    db.session.refresh(target)
    assert target.nip == '198501012010011001' and len(nip_events()) == 1
