"""The contract over the API, with the vendor's self-held key through `lpse sign-contract` (its
HTTP calls routed to the test client): draft, review, upload of the signed draft, the PPK's
signature, SPMK, an addendum, BAST; refusals as JSON errors, never a 500."""

import io

import pki_helpers
import pytest
from pyhanko.pdf_utils.reader import PdfFileReader

from lpse import api_client, console, pki_service
from lpse.crypto import keystore
from lpse.extensions import db
from lpse.pki_service import Certificate

from .conftest import TERMS, WINNER_KEY

KEY_PASSPHRASE = 'kunci-penyedia-uji-12345'
BASE = '/api/v1/tenders/{code}/contract'


@pytest.fixture
def cli_server(client, monkeypatch):
    """`api_client.request_bytes` answered by the Flask test client."""

    def request_bytes(server, token, method, path, data=None, *, content_type=None, **kw):
        headers = {'Authorization': f'Bearer {token}'}
        if data is not None:
            headers['Content-Type'] = content_type
        response = client.open(path, method=method, data=data, headers=headers)
        if response.status_code >= 400:
            raise api_client.ApiError(api_client.error_text(response.status_code, response.data))
        return response.data

    monkeypatch.setattr(api_client, 'request_bytes', request_bytes)
    monkeypatch.setenv('LPSE_KEY_PASSPHRASE', KEY_PASSPHRASE)


def _self_held(user, tmp_path):
    """The winner's certificate as self-held, with its key and certificate in files."""
    cert = db.session.scalar(db.select(Certificate).where(Certificate.user_id == user.id))
    cert.custody = 'self'
    cert.locked_key = None
    db.session.commit()
    key_file = tmp_path / 'penyedia.pem'
    key_file.write_bytes(keystore.dump_key_file(pki_helpers.key(WINNER_KEY), KEY_PASSPHRASE))
    cert_file = tmp_path / 'penyedia.crt'
    cert_file.write_text(cert.pem)
    return str(key_file), str(cert_file)


def test_contract_over_the_api_with_a_self_held_key(
    app, client, awarded, cast, token, tmp_path, cli_server, capsys, as_user
):
    as_vendor = as_user
    tender, winner, loser = awarded
    url = BASE.format(code=tender.code)
    ppk, vendor = token(cast['ppk']), token(winner)
    key_file, cert_file = _self_held(winner, tmp_path)
    assert client.get(url, headers=ppk).status_code == 404
    # Only the PPK drafts; hostile bodies are 4xx with a JSON error.
    assert client.post(url, json=TERMS, headers=vendor).status_code == 403
    assert client.post(url, json=TERMS, headers=token(cast['ppk_other'])).status_code == 403
    for body in ({}, {**TERMS, 'starts_on': 12}, {**TERMS, 'ends_on': '2026-02-30'}, []):
        response = client.post(url, json=body, headers=ppk)
        assert response.status_code in (400, 422), body
        assert response.get_json()['error']['code']
    response = client.post(url, json=TERMS, headers=ppk)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data['form'] == 'surat_perjanjian' and data['status'] == 'draft'
    assert data['performance_bond']['amount'] == '67000000.00'
    assert client.get(url, headers=token(loser)).status_code == 403
    assert (
        client.post(f'{url}/review', json={'accept': True}, headers=token(loser)).status_code == 403
    )
    assert client.post(f'{url}/review', json={'accept': False}, headers=vendor).status_code == 422
    response = client.post(f'{url}/review', json={'accept': True}, headers=vendor)
    assert response.get_json()['status'] == 'accepted'
    # Hostile uploads: not a PDF, the draft unsigned.
    draft = client.get(f'{url}/draft.pdf', headers=vendor).data
    assert draft.startswith(b'%PDF-')
    assert client.get(f'{url}/draft.pdf', headers=token(loser)).status_code == 403
    for bad in (b'not a pdf', draft):
        response = client.post(
            f'{url}/vendor-signature',
            data=bad,
            headers={**vendor, 'Content-Type': 'application/pdf'},
        )
        assert response.status_code == 422
        assert response.get_json()['error']['code'] == 'signature_invalid'
    # The self-held key signs at the vendor's desk.
    _vendor_token = vendor['Authorization'].removeprefix('Bearer ')
    argv = ['sign-contract', '--server', 'http://127.0.0.1:1', '--token', _vendor_token]
    argv += ['--tender', tender.code, '--key', key_file, '--cert', cert_file]
    assert console.main(argv) == 0, capsys.readouterr().err
    assert 'vendor_signed' in capsys.readouterr().out
    assert client.post(f'{url}/ppk-signature', headers=vendor).status_code == 403
    response = client.post(f'{url}/ppk-signature', headers=ppk)
    assert response.get_json()['status'] == 'signed'
    issued = response.get_json()['document_id']
    as_vendor(winner)
    pdf = client.get(f'/documents/{issued}.pdf').data
    signatures = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert [s.field_name for s in signatures] == ['TandaTanganPenyedia', 'TandaTanganLPSE']
    page = client.get(f'/verify/{issued}').get_data(as_text=True)
    assert winner.name in page and 'LPSE Uji sistem' in page
    # SPMK, an addendum signed through the CLI, the BAST.
    assert (
        client.post(f'{url}/spmk', json={'work_starts_on': '2026-01-01'}, headers=ppk).status_code
        == 422
    )
    assert (
        client.post(f'{url}/spmk', json={'work_starts_on': '2026-04-06'}, headers=ppk).status_code
        == 201
    )
    for value in ('1e-5', 'NaN', True, 1.5, '9' * 30, '-5', ['1']):
        body = {'reason': 'Tambah nilai.', 'new_value': value}
        response = client.post(f'{url}/amendments', json=body, headers=ppk)
        assert response.status_code == 422, value
    assert client.post(f'{url}/amendments', json={'reason': 'x'}, headers=ppk).status_code == 422
    response = client.post(
        f'{url}/amendments',
        json={'reason': 'Tambah waktu.', 'new_ends_on': '2026-10-31'},
        headers=ppk,
    )
    assert response.status_code == 201
    assert (
        client.post(f'{url}/amendments/9/review', json={'accept': True}, headers=vendor).status_code
        == 404
    )
    assert (
        client.post(f'{url}/amendments/1/review', json={'accept': True}, headers=vendor).status_code
        == 200
    )
    assert console.main([*argv, '--amendment', '1']) == 0, capsys.readouterr().err
    assert client.post(f'{url}/amendments/1/ppk-signature', headers=ppk).status_code == 200
    response = client.post(f'{url}/bast', json={'note': 'Baik.'}, headers=ppk)
    assert response.status_code == 201
    assert response.get_json()['bast']['handed_over_at']
    tender_json = client.get(f'/api/v1/tenders/{tender.code}').get_json()
    assert tender_json['stage'] == 'completed'
    assert response.get_json()['ends_on'] == '2026-10-31'


def test_a_wrong_passphrase_over_the_api_is_a_clear_422(app, client, awarded, cast, token):
    tender, winner, _loser = awarded
    url = BASE.format(code=tender.code)
    ppk, vendor = token(cast['ppk']), token(winner)
    assert client.post(url, json=TERMS, headers=ppk).status_code == 201
    client.post(f'{url}/review', json={'accept': True}, headers=vendor)
    response = client.post(
        f'{url}/vendor-signature', json={'passphrase': 'salah salah salah'}, headers=vendor
    )
    assert response.status_code == 422
    assert response.get_json()['error']['code'] == 'wrong_passphrase'
    response = client.post(
        f'{url}/vendor-signature',
        json={'passphrase': pki_helpers.SIGNING_PASSPHRASE},
        headers=vendor,
    )
    assert response.get_json()['status'] == 'vendor_signed'
    document = client.post(f'{url}/ppk-signature', headers=ppk).get_json()['document_id']
    assert document
    assert pki_service.authority() is not None


def test_the_cli_refuses_a_key_of_another_certificate(app, awarded, tmp_path, capsys, cli_server):
    tender, winner, _loser = awarded
    key_file, cert_file = _self_held(winner, tmp_path)
    other = tmp_path / 'other.pem'
    other.write_bytes(keystore.dump_key_file(pki_helpers.key(3), KEY_PASSPHRASE))
    argv = ['sign-contract', '--server', 'http://127.0.0.1:1', '--token', 't']
    assert (
        console.main([*argv, '--tender', tender.code, '--key', str(other), '--cert', cert_file])
        == 2
    )
    assert 'does not belong' in capsys.readouterr().err
    assert (
        console.main([*argv, '--tender', tender.code, '--key', key_file, '--cert', cert_file]) == 1
    )
    assert 'lpse sign-contract:' in capsys.readouterr().err
