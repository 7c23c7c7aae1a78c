"""The contract page in a browser's shoes: the PPK drafts with the form, the winner reviews and
signs with its server-held key (a wrong passphrase is refused with a clear message and
nothing signed), the PPK signs, SPMK and BAST; the tender page names the stage and links it."""

import pki_helpers

from lpse.contracts import operations as contracts
from lpse.extensions import db

from .conftest import TERMS


def test_the_contract_through_the_pages(app, awarded, cast, as_user):
    tender, winner, loser = awarded
    url = f'/tenders/{tender.code}/contract'
    client = as_user(cast['ppk'])
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'Buka halaman kontrak' in page
    response = client.post(url, data={**TERMS, 'ends_on': '2026-03-01'})
    assert response.status_code == 422
    assert 'Tanggal selesai harus setelah tanggal mulai.' in response.get_data(as_text=True)
    assert contracts.contract_of(tender) is None
    assert client.post(url, data=TERMS).status_code == 302
    assert 'Menunggu tinjauan penyedia' in client.get(url).get_data(as_text=True)

    client = as_user(loser)
    assert client.get(url).status_code == 403
    assert client.post(f'{url}/review', data={'decision': 'accept'}).status_code == 403

    client = as_user(winner)
    response = client.post(f'{url}/review', data={'decision': 'changes', 'note': ''})
    assert response.status_code == 422
    assert client.post(f'{url}/review', data={'decision': 'accept'}).status_code == 302
    assert client.get(f'{url}/draft.pdf').data.startswith(b'%PDF-')
    response = client.post(f'{url}/vendor-signature', data={'passphrase': 'frasa yang keliru'})
    assert response.status_code == 422
    assert 'Frasa sandi penandatanganan salah.' in response.get_data(as_text=True)
    db.session.expire_all()
    assert contracts.contract_of(tender).status == 'accepted'
    response = client.post(
        f'{url}/vendor-signature', data={'passphrase': pki_helpers.SIGNING_PASSPHRASE}
    )
    assert response.status_code == 302

    client = as_user(cast['ppk'])
    assert client.post(f'{url}/ppk-signature').status_code == 302
    assert client.post(f'{url}/spmk', data={'work_starts_on': '2026-04-06'}).status_code == 302
    assert client.post(f'{url}/bast', data={'note': 'Baik.'}).status_code == 302
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert '<span class="badge stage">Selesai</span>' in page
    assert 'BAST (PDF)' in client.get(url).get_data(as_text=True)
    assert tender.code in client.get('/tenders/?stage=completed').get_data(as_text=True)
    assert tender.code not in client.get('/tenders/?stage=contract').get_data(as_text=True)
