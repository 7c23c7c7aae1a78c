"""Steps of a prequalification through the API (import as `methods.prequal_api_steps`): a
firm fills its form and sends it signed (on the server with its passphrase, or signed at its
desk and uploaded), the Pokja records verdicts and approves the result by its SHA-256."""

import pki_helpers
from evaluation.test_export_after_real_opening import _token

from lpse import clock, pki_service
from lpse.bids.permissions import signing_certificate
from lpse.pdf import COUNTERPARTY_FIELD, sign_pdf
from lpse.tenders.stages import Stage
from lpse.vendors.signing import VENDOR_REASON

from .prequal_helpers import ANSWERS, FIRST_FIRM_KEY, at


def url(tender, path=''):
    return f'/api/v1/tenders/{tender.code}/prequalification{path}'


def signed_at_the_desk(draft, user, n):
    """The draft signed with firm `n`'s own key, as `lpse` or a PDF tool at the desk would."""
    return sign_pdf(
        draft,
        key=pki_helpers.key(FIRST_FIRM_KEY + n),
        cert=signing_certificate(user, clock.now()).x509,
        chain=(pki_service.require_authority().ca_cert,),
        reason=VENDOR_REASON,
        field_name=COUNTERPARTY_FIELD,
        now=clock.now(),
    )


def send(client, tender, user, *, desk=None, answers=ANSWERS):
    """The firm fills its form and sends it: signed on the server, or at its desk when `desk`
    is its key number. Returns the submission JSON."""
    at(tender, Stage.qualification_submission)
    headers = _token(client, user)
    filled = client.put(url(tender, '/form'), json=answers, headers=headers)
    assert filled.status_code == 200, filled.get_json()
    assert filled.get_json()['status'] == 'draft'
    if desk is None:
        sent = client.post(
            url(tender, '/submission'),
            json={'passphrase': pki_helpers.SIGNING_PASSPHRASE},
            headers=headers,
        )
    else:
        draft = client.get(url(tender, '/form/draft.pdf'), headers=headers)
        assert draft.status_code == 200 and draft.mimetype == 'application/pdf'
        sent = client.post(
            url(tender, '/submission'),
            data=signed_at_the_desk(draft.data, user, desk),
            headers={**headers, 'Content-Type': 'application/pdf'},
        )
    assert sent.status_code == 201, sent.get_json()
    return sent.get_json()


def verdicts(requirements, *, failing=(), score=None):
    body = {
        'requirements': {
            key: {
                'passed': key not in failing,
                'reason': 'Tidak ada bukti' if key in failing else 'Sesuai dokumen',
            }
            for key in requirements
        }
    }
    if score is not None:
        body['score'] = score
    return body


def evaluate(client, tender, member, *, failing=None, scores=None):
    """The Pokja member records every submission's verdicts: all pass unless the firm's
    company name is in `failing` ({name: (requirement, …)}); `scores` ({name: '80'})."""
    at(tender, Stage.qualification_evaluation)
    headers = _token(client, member)
    listing = client.get(url(tender, '/submissions'), headers=headers).get_json()
    for row in listing['submissions']:
        name = row['vendor']['name']
        body = verdicts(
            listing['requirements'],
            failing=(failing or {}).get(name, ()),
            score=(scores or {}).get(name),
        )
        response = client.put(
            url(tender, f'/submissions/{row["id"]}/verdicts'), json=body, headers=headers
        )
        assert response.status_code == 200, response.get_json()
    return listing


def approve_all(client, tender, members):
    """Each member approves the provisional result (by its SHA-256) until it is announced."""
    at(tender, Stage.qualification_announcement)
    for member in members:
        headers = _token(client, member)
        provisional = client.get(url(tender, '/result'), headers=headers).get_json()
        assert provisional['problems'] == [], provisional['problems']
        response = client.post(
            url(tender, '/approvals'), json={'sha256': provisional['sha256']}, headers=headers
        )
        assert response.status_code in (200, 201), response.get_json()
        if response.status_code == 201:
            return response.get_json()
    raise AssertionError('the result was not announced')
