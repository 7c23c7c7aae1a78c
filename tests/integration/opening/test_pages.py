"""The opening pages: the ceremony page with its release form, the opened bids and their
attachments for the Pokja, the minutes PDF (parsed back: every bidder and every hash) for the
Pokja, PPK, auditors and bidders — and nothing of another bid for vendors."""

import hashlib
import io

import opening_helpers
import pki_helpers
import pypdf
from sqlalchemy import func, select

from lpse import audit, checkpoints, clock, pki_service
from lpse.extensions import db
from lpse.opening import shares, state
from lpse.opening.models import ShareRelease
from lpse.pdf import verify_pdf
from lpse.tenders.stages import Stage

from .conftest import OTHER_KEY, PDF_MARK, VENDOR_KEY, submit_sealed


def _text(pdf: bytes) -> str:
    return ' '.join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def test_the_minutes_name_every_bidder_and_hash_and_are_signed(
    client, tender, bids, cast, members, as_user, bidder
):
    opening_helpers.open_all(tender, members)
    ceremony = state.ceremony_of(tender, 'single')
    as_user(cast['ppk'])
    response = client.get(f'/tenders/{tender.code}/opening/minutes/single.pdf')
    assert response.status_code == 200 and response.data.startswith(b'%PDF-')
    text = _text(response.data)
    flat = text.replace('\n', '').replace(' ', '')
    for name in ('PT Maju Jaya', 'CV Saingan', 'CV Ketiga Karya'):
        assert name in text
    for bid in bids:
        assert bid.sha256 in flat and bid.receipt_number in flat
    assert 'Berita Acara Pembukaan Penawaran' in text
    for member in members[:2]:
        assert member.name.replace(' ', '') in flat
    assert members[2].name.replace(' ', '') not in flat  # only the members whose shares opened it
    assert not any(member.email in flat for member in members)  # names and roles, no emails
    assert 'WITA' in text and 'WIB' in text
    assert f'#{ceremony.checkpoint.seq}' in text and ceremony.checkpoint.hash in flat
    assert 'Rp1.300.000.000,00' in text
    authority = pki_service.authority()
    assert verify_pdf(
        response.data, ca_cert=authority.ca_cert, system_certs=checkpoints.system_certificates()
    ).valid
    document = ceremony.minutes_document
    assert document.sha256 == hashlib.sha256(response.data).hexdigest()
    # bidders of the tender see it too; other vendors and outsiders do not
    as_user(bidder)
    assert client.get(f'/tenders/{tender.code}/opening/minutes/single.pdf').data == response.data
    as_user(cast['pokja_other'])
    assert client.get(f'/tenders/{tender.code}/opening/minutes/single.pdf').status_code == 403


def test_the_pokja_sees_opened_bids_and_downloads_attachments(
    client, tender, bidder, rival, cast, members, as_user
):
    mine = submit_sealed(tender, bidder, VENDOR_KEY, marker=PDF_MARK)
    theirs = submit_sealed(tender, rival, OTHER_KEY)
    clock.set_now(tender.bid_deadline)
    opening_helpers.open_all(tender, members)
    as_user(members[2])
    page = client.get(f'/tenders/{tender.code}/opening').get_data(as_text=True)
    assert 'PT Maju Jaya' in page and 'CV Saingan' in page and 'Rp1.300.000.000' in page
    detail = client.get(f'/tenders/{tender.code}/opening/bids/{mine.id}')
    assert detail.status_code == 200
    body = detail.get_data(as_text=True)
    assert 'surat-penawaran.pdf' in body and '400.000' in body
    assert '>40%<' in body and '90 hari' in body
    file = client.get(f'/tenders/{tender.code}/opening/bids/{mine.id}/files/surat-penawaran.pdf')
    assert file.status_code == 200 and PDF_MARK.encode() in file.data
    # vendors see neither each other's bids nor the results before the winner announcement
    as_user(bidder)
    assert client.get(f'/tenders/{tender.code}/opening/bids/{theirs.id}').status_code == 403
    assert client.get(f'/tenders/{tender.code}/opening/bids/{mine.id}').status_code == 403
    assert (
        client.get(
            f'/tenders/{tender.code}/opening/bids/{theirs.id}/files/surat-penawaran.pdf'
        ).status_code
        == 403
    )
    own_page = client.get(f'/tenders/{tender.code}/opening').get_data(as_text=True)
    assert 'CV Saingan' not in own_page and 'Rp1.300.000.000' not in own_page
    assert client.get(f'/tenders/{tender.code}/opening/key.pem').status_code == 403
    tender_page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'BA Pembukaan' in tender_page


def test_a_server_held_member_releases_on_the_page(client, create_tender, cast, bidder, as_user):
    pokja = cast['pokja']
    pki_helpers.certify(pokja, 1, server_held=True)
    tender = create_tender(Stage.bid_submission)
    submit_sealed(tender, bidder, VENDOR_KEY)
    clock.set_now(tender.bid_deadline)
    as_user(pokja)
    page = client.get(f'/tenders/{tender.code}/opening').get_data(as_text=True)
    assert 'id="release-form"' in page and '0 dari 2 bagian kunci' in page
    wrong = client.post(f'/tenders/{tender.code}/opening/release', data={'passphrase': 'salah!'})
    assert wrong.status_code == 422 and 'Frasa sandi penandatanganan salah' in wrong.get_data(
        as_text=True
    )
    done = client.post(
        f'/tenders/{tender.code}/opening/release',
        data={'passphrase': pki_helpers.SIGNING_PASSPHRASE},
    )
    assert done.status_code == 302
    page = client.get(f'/tenders/{tender.code}/opening').get_data(as_text=True)
    assert '1 dari 2 bagian kunci' in page and 'Menunggu anggota Pokja lainnya' in page
    assert 'id="release-form"' not in page  # released once
    # the second member uses the CLI path (self-held key)
    opening_helpers.open_all(tender, [cast['pokja2']])
    page = client.get(f'/tenders/{tender.code}/opening').get_data(as_text=True)
    assert 'Dibuka:' in page and 'PT Maju Jaya' in page


def test_the_tender_page_shows_the_opening_panel(client, tender, bids, members, as_user):
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'Pembukaan penawaran' in page and '0 dari 2 bagian kunci' in page
    opening_helpers.open_all(tender, members)
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'dibuka' in page
    assert db.session.scalar(select(shares.OpeningCeremony.opened_at)) is not None


def test_the_release_form_requires_its_csrf_token(
    client, app, monkeypatch, create_tender, cast, bidder, as_user
):
    from helpers import csrf_token

    pokja = cast['pokja']
    pki_helpers.certify(pokja, 1, server_held=True)
    tender = create_tender(Stage.bid_submission)
    submit_sealed(tender, bidder, VENDOR_KEY)
    clock.set_now(tender.bid_deadline)
    as_user(pokja)
    monkeypatch.setitem(app.config, 'WTF_CSRF_ENABLED', True)
    url = f'/tenders/{tender.code}/opening'
    forged = client.post(url + '/release', data={'passphrase': pki_helpers.SIGNING_PASSPHRASE})
    assert forged.status_code == 400
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ShareRelease)) == 0
    token = csrf_token(client, url)
    done = client.post(
        url + '/release',
        data={'passphrase': pki_helpers.SIGNING_PASSPHRASE, 'csrf_token': token},
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ShareRelease)) == 1


def test_wrong_totp_codes_on_the_page_are_counted_until_refused(
    client, create_tender, cast, bidder, as_user
):
    import pyotp

    pokja = cast['pokja']
    pki_helpers.certify(pokja, 1, server_held=True)
    tender = create_tender(Stage.bid_submission)
    submit_sealed(tender, bidder, VENDOR_KEY)
    clock.set_now(tender.bid_deadline)
    as_user(pokja)
    pokja.totp_secret = pyotp.random_base32()
    db.session.commit()
    url = f'/tenders/{tender.code}/opening/release'
    statuses = []
    for _ in range(12):
        form = {'passphrase': pki_helpers.SIGNING_PASSPHRASE, 'totp': '000000'}
        statuses.append(client.post(url, data=form).status_code)
    assert statuses[0] == 422 and statuses[-1] == 429, statuses
    db.session.expire_all()
    failed = db.session.scalars(
        select(audit.AuditEvent).where(audit.AuditEvent.action == 'opening.totp_failed')
    ).all()
    assert failed and all(e.actor_id == pokja.id for e in failed)
    assert db.session.scalar(select(func.count()).select_from(ShareRelease)) == 0
