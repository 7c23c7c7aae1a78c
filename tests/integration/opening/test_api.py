"""The opening through its edges: the API, the page form and `lpse open-share` against a live
server — before the deadline every path refuses; with k shares the bids open."""

import os
import subprocess
import sys
from pathlib import Path

import opening_helpers
import pki_helpers
import pyotp
import pytest
from sqlalchemy import func, select

from lpse import audit, clock
from lpse.crypto import keystore
from lpse.extensions import db
from lpse.opening import shares, state
from lpse.opening.models import OpenedBid, ShareRelease
from lpse.tenders.stages import Stage

from .conftest import MS, OTHER_KEY, VENDOR_KEY, submit_sealed

KEY_PASSPHRASE = 'kunci-pokja-uji-12345'


def _count(model):
    return db.session.scalar(select(func.count()).select_from(model))


def _assert_forbidden(response):
    """A 403 in the API's error shape: {"error": {"code", "message"}} and nothing else."""
    assert response.status_code == 403
    assert response.mimetype == 'application/json'
    body = response.get_json()
    assert set(body) == {'error'} and set(body['error']) == {'code', 'message'}
    assert body['error']['code'] == 'forbidden' and body['error']['message']


def _run_lpse(*args, env=None):
    return subprocess.run(
        [sys.executable, '-m', 'lpse.console', *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=Path(__file__).resolve().parents[3],
        timeout=120,
    )


def _open_share(tmp_path, server, tender, user, token_header, key_index):
    key_file = tmp_path / f'pokja-{user.id}.pem'
    key_file.write_bytes(keystore.dump_key_file(pki_helpers.key(key_index), KEY_PASSPHRASE))
    return _run_lpse(
        'open-share',
        '--server',
        server,
        '--tender',
        tender.code,
        '--key',
        str(key_file),
        env={
            'LPSE_API_TOKEN': token_header['Authorization'].split()[1],
            'LPSE_KEY_PASSPHRASE': KEY_PASSPHRASE,
        },
    )


def test_every_path_refuses_a_share_one_millisecond_before_the_deadline(
    tmp_path, client, live_server, tender, bids, members, token, as_user
):
    clock.set_now(tender.bid_deadline - MS)
    headers = token(members[0])
    share = opening_helpers.decrypted_share(tender, members[0])
    url = f'/api/v1/tenders/{tender.code}/opening'
    assert client.get(url + '/share', headers=headers).status_code == 409
    cli = client.post(url + '/shares', json={'share': share}, headers=headers)
    assert cli.status_code == 409 and cli.get_json()['error']['code'] == 'stage_closed'
    server = client.post(url + '/shares', json={'passphrase': 'x' * 20}, headers=headers)
    assert server.status_code == 409
    ran = _open_share(tmp_path, live_server, tender, members[0], headers, 1)
    assert ran.returncode == 1 and 'batas akhir' in ran.stderr, ran.stderr
    as_user(members[0])
    page = client.post(f'/tenders/{tender.code}/opening/release', data={'passphrase': 'x' * 20})
    assert page.status_code == 409
    db.session.expire_all()
    assert _count(ShareRelease) == 0 and _count(OpenedBid) == 0
    assert state.ceremony_of(tender, 'single') is None


def test_lpse_open_share_opens_the_bids_against_a_live_server(
    tmp_path, live_server, tender, bids, members, token
):
    first = _open_share(tmp_path, live_server, tender, members[0], token(members[0]), 1)
    assert first.returncode == 0, first.stderr
    assert '1 of 3 (k = 2)' in first.stdout and 'waiting' in first.stdout
    card = tmp_path / 'kartu-kunci.txt'  # the member's 33-word key card, kept offline
    card.write_text(opening_helpers.decrypted_share(tender, members[2]).upper() + '\n')
    second = _run_lpse(
        'open-share',
        '--server',
        live_server,
        '--tender',
        tender.code,
        '--card',
        str(card),
        env={'LPSE_API_TOKEN': token(members[2])['Authorization'].split()[1]},
    )
    assert second.returncode == 0, second.stderr
    assert 'OPENED' in second.stdout and '3 opened' in second.stdout
    db.session.expire_all()
    assert {r.via for r in db.session.scalars(select(ShareRelease))} == {'cli'}
    assert _count(OpenedBid) == 3


def test_lpse_open_share_with_the_wrong_key_refuses_before_sending(
    tmp_path, live_server, tender, bids, members, token
):
    ran = _open_share(tmp_path, live_server, tender, members[0], token(members[0]), 2)
    assert ran.returncode == 1 and 'not encrypted to this key' in ran.stderr
    assert _count(ShareRelease) == 0


def test_the_api_refuses_a_corrupted_share_naming_the_member(client, tender, bids, members, token):
    words = opening_helpers.decrypted_share(tender, members[1]).split()
    words[-1] = 'academic' if words[-1] != 'academic' else 'acid'
    response = client.post(
        f'/api/v1/tenders/{tender.code}/opening/shares',
        json={'share': ' '.join(words)},
        headers=token(members[1]),
    )
    assert response.status_code == 422
    error = response.get_json()['error']
    assert error['code'] == 'share_refused' and members[1].email in error['message']
    db.session.expire_all()
    refused = db.session.scalars(
        select(audit.AuditEvent).where(audit.AuditEvent.action == 'opening.share_refused')
    ).all()
    assert [e.actor_id for e in refused] == [members[1].id]
    assert _count(ShareRelease) == 0


def test_a_non_member_cannot_release_through_the_api(client, tender, bids, cast, members, token):
    share = opening_helpers.decrypted_share(tender, members[0])
    for outsider in ('pokja_other', 'pokja_agency'):
        response = client.post(
            f'/api/v1/tenders/{tender.code}/opening/shares',
            json={'share': share},
            headers=token(cast[outsider]),
        )
        _assert_forbidden(response)
    for role in ('ppk', 'auditor', 'vendor'):
        response = client.post(
            f'/api/v1/tenders/{tender.code}/opening/shares',
            json={'share': share},
            headers=token(cast[role]),
        )
        _assert_forbidden(response)
    assert _count(ShareRelease) == 0


def test_state_bids_and_key_through_the_api(client, tender, bids, cast, members, token):
    url = f'/api/v1/tenders/{tender.code}'
    pokja = token(members[0])
    state = client.get(url + '/opening', headers=pokja).get_json()
    assert (state['threshold'], state['members'], state['opened']) == (2, 3, False)
    assert state['you']['may_release'] is True and state['you']['custody'] == 'self'
    assert client.get(url + '/bids', headers=pokja).status_code == 409
    assert client.get(url + '/key.pem').status_code == 404
    for member in members[:2]:
        share = opening_helpers.decrypted_share(tender, member)
        made = client.post(url + '/opening/shares', json={'share': share}, headers=token(member))
        assert made.status_code == 201
    state = made.get_json()
    assert state['opened'] is True and state['ceremonies'][0]['shares_received'] == 2
    assert state['ceremonies'][0]['results'] == {'opened': 3, 'not_openable': 0, 'not_opened': 0}
    listing = client.get(url + '/bids', headers=token(cast['ppk'])).get_json()['bids']
    assert [b['vendor']['name'] for b in listing] == [
        'PT Maju Jaya',
        'CV Saingan',
        'CV Ketiga Karya',
    ]
    assert all(b['result'] == 'opened' and b['signature_valid'] for b in listing)
    assert listing[0]['declared_total'] == '1300000000.00'
    assert listing[0]['price_lines'][0]['unit_price'] == '400000'
    assert client.get(url + '/bids', headers=token(cast['auditor'])).status_code == 200
    # vendors never see each other's bids, nor the key, before the winner announcement
    _assert_forbidden(client.get(url + '/bids', headers=token(cast['vendor'])))
    _assert_forbidden(client.get(url + '/key.pem', headers=token(cast['vendor'])))
    assert client.get(url + '/key.pem').status_code == 401
    key = client.get(url + '/key.pem', headers=pokja)
    assert key.status_code == 200 and b'BEGIN PRIVATE KEY' in key.data
    envelope = client.get(url + f'/bids/{bids[0].id}/envelope', headers=pokja)
    assert envelope.headers['X-Content-SHA256'] == bids[0].sha256
    tender.winner_announced_at = clock.now()
    db.session.commit()
    assert client.get(url + '/key.pem').status_code == 200
    assert client.get(url + f'/bids/{bids[1].id}/envelope').status_code == 200
    assert client.get(url + '/bids', headers=token(cast['vendor'])).status_code == 200


def test_server_held_release_needs_the_passphrase_and_the_second_factor(
    client, create_tender, cast, bidder, rival, token
):
    """pokja's share is encrypted to a server-held key; TOTP is enabled on the account."""
    pokja, pokja2 = cast['pokja'], cast['pokja2']
    pki_helpers.certify(pokja, 1, server_held=True)
    tender = create_tender(Stage.bid_submission)
    submit_sealed(tender, bidder, VENDOR_KEY)
    submit_sealed(tender, rival, OTHER_KEY)
    clock.set_now(tender.bid_deadline)
    assert shares.server_held(tender, pokja) and not shares.server_held(tender, pokja2)
    secret = pyotp.random_base32()
    pokja.totp_secret = secret
    db.session.commit()
    url = f'/api/v1/tenders/{tender.code}/opening/shares'
    headers = token(pokja)
    wrong = client.post(
        url, json={'passphrase': 'salah sama sekali', 'totp': _code(secret)}, headers=headers
    )
    assert wrong.status_code == 422 and 'Frasa sandi' in wrong.get_json()['error']['message']
    no_code = client.post(url, json={'passphrase': pki_helpers.SIGNING_PASSPHRASE}, headers=headers)
    assert no_code.status_code == 422
    assert no_code.get_json()['error']['code'] == 'second_factor_required'
    clock.set_now(tender.bid_deadline + 60 * MS * 1000)
    made = client.post(
        url,
        json={'passphrase': pki_helpers.SIGNING_PASSPHRASE, 'totp': _code(secret)},
        headers=headers,
    )
    assert made.status_code == 201, made.get_json()
    db.session.expire_all()
    release = db.session.scalar(select(ShareRelease))
    assert release.via == 'server' and release.user_id == pokja.id
    failed = db.session.scalars(
        select(audit.AuditEvent).where(audit.AuditEvent.action == 'key.unlock_failed')
    ).all()
    assert len(failed) == 1  # the wrong passphrase was recorded although the request failed
    opening_helpers.open_all(tender, [pokja2])
    assert _count(OpenedBid) == 2


def _code(secret):
    return pyotp.TOTP(secret).at(clock.now())


def test_a_share_of_another_tender_or_version_is_refused(
    client, create_tender, tender, bids, members, token
):
    from lpse.crypto import shamir
    from lpse.crypto.errors import ShareError
    from lpse.tenders.keys import share_context
    from lpse.tenders.stages import Stage as TenderStage

    other = create_tender(TenderStage.bid_submission)
    clock.set_now(tender.bid_deadline)
    foreign = opening_helpers.decrypted_share(other, members[0])
    response = client.post(
        f'/api/v1/tenders/{tender.code}/opening/shares',
        json={'share': foreign},
        headers=token(members[0]),
    )
    assert response.status_code == 422
    assert response.get_json()['error']['code'] == 'share_refused'
    db.session.expire_all()
    assert _count(ShareRelease) == 0
    # The commitment binds the tender version too: this tender's own share, presented as the
    # share of the next version (after an addendum re-keys the tender), does not match.
    own = opening_helpers.decrypted_share(tender, members[0])
    row = state.share_of(tender, members[0])
    assert row.context == share_context(tender, members[0].id)
    shamir.check_share(own, row.commitment, context=row.context)
    next_version = f'{tender.code}/{tender.version + 1}/{members[0].id}'
    with pytest.raises(ShareError):
        shamir.check_share(own, row.commitment, context=next_version)


def test_wrong_totp_codes_through_the_api_are_counted_until_refused(
    client, create_tender, cast, bidder, token
):
    from lpse.auth.models import LoginThrottle

    pokja = cast['pokja']
    pki_helpers.certify(pokja, 1, server_held=True)
    tender = create_tender(Stage.bid_submission)
    submit_sealed(tender, bidder, VENDOR_KEY)
    clock.set_now(tender.bid_deadline)
    pokja.totp_secret = pyotp.random_base32()
    db.session.commit()
    url = f'/api/v1/tenders/{tender.code}/opening/shares'
    answers = [
        client.post(
            url,
            json={'passphrase': pki_helpers.SIGNING_PASSPHRASE, 'totp': '000000'},
            headers=token(pokja),
        )
        for _ in range(12)
    ]
    assert answers[0].status_code == 422
    assert answers[0].get_json()['error']['code'] == 'second_factor_required'
    assert answers[-1].status_code == 429, [a.status_code for a in answers]
    db.session.expire_all()
    assert _count(LoginThrottle) > 0 and _count(ShareRelease) == 0
    failed = db.session.scalars(
        select(audit.AuditEvent).where(audit.AuditEvent.action == 'opening.totp_failed')
    ).all()
    assert failed and {e.actor_id for e in failed} == {pokja.id}


def test_only_officers_learn_which_members_have_released(
    client, tender, bids, cast, members, token
):
    opening_helpers.release(tender, members[0])
    db.session.commit()
    url = f'/api/v1/tenders/{tender.code}/opening'
    for who in (token(cast['vendor']), token(cast['pokja_other']), {}):
        answer = client.get(url, headers=who)
        if answer.status_code == 401:
            continue
        ceremony = answer.get_json()['ceremonies'][0]
        assert ceremony['shares_received'] == 1 and ceremony['released_by'] is None
    for officer in (members[1], cast['ppk'], cast['auditor']):
        ceremony = client.get(url, headers=token(officer)).get_json()['ceremonies'][0]
        assert [r['name'] for r in ceremony['released_by']] == [members[0].name]
    page = client.get(f'/tenders/{tender.code}/opening').get_data(as_text=True)
    assert '1 dari 2 bagian kunci' in page and members[0].name not in page
