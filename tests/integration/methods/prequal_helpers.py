"""Steps of a prequalification for the method tests (import as `methods.prequal_helpers`):
firms with server-held signing keys, a qualification form sent and signed, the Pokja's
verdicts, the approvals that announce the shortlist."""

from datetime import timedelta

import pki_helpers
from vendor_helpers import verify_vendor

from lpse import clock
from lpse.extensions import db
from lpse.tenders.prequalification import operations as prequalification
from lpse.tenders.stages import Stage

FIRST_FIRM_KEY = 30  # firms sign with keys 30, 31, …
ANSWERS = {
    'pengalaman': 'Pengawasan jalan kabupaten 2024, nilai Rp2.000.000.000',
    'tenaga_ahli': 'Ir. Budi (ahli jalan, 12 tahun)',
    'peralatan': '',
    'pernyataan': True,
}


def firm(person, n, *, company=None, category_kbli=None):
    """A verified firm (user ``firma<n>@konsultan.co.id``) with a server-held signing key."""
    user = person(f'firma{n}@konsultan.co.id', 'vendor')
    verify_vendor(user, company=company or f'PT Konsultan Prima {n}')
    pki_helpers.certify(user, FIRST_FIRM_KEY + n, server_held=True)
    return user


def at(tender, stage, minutes=30):
    clock.set_now(tender.schedule[stage].start + timedelta(minutes=minutes))
    return clock.now()


def send(tender, user, answers=None):
    """The firm fills its qualification form and signs it on the server."""
    now = at(tender, Stage.qualification_submission)
    prequalification.prepare(tender, dict(answers or ANSWERS), actor=user, now=now)
    row = prequalification.submit(
        tender, actor=user, now=now, passphrase=pki_helpers.SIGNING_PASSPHRASE
    )
    db.session.commit()
    return row


def verdicts(tender, *, failing=(), score=None):
    requirements = tender.method.qualification_requirements(tender)
    data = {
        'requirements': {
            key: {
                'passed': key not in failing,
                'reason': 'Tidak ada bukti' if key in failing else 'Sesuai dokumen',
            }
            for key in requirements
        }
    }
    if score is not None:
        data['score'] = score
    return data


def evaluate(tender, pokja_user, row, *, failing=(), score=None):
    now = at(tender, Stage.qualification_evaluation)
    prequalification.record_verdicts(
        tender, row.id, verdicts(tender, failing=failing, score=score), actor=pokja_user, now=now
    )
    db.session.commit()


def announce(tender, pokja_users):
    """Approvals by the Pokja members in turn until the result is announced."""
    now = at(tender, Stage.qualification_announcement)
    for member in pokja_users:
        result, _count, _needed = prequalification.approve(tender, actor=member, now=now)
        db.session.commit()
        if result is not None:
            return result
    raise AssertionError('the result was not announced')


def shortlist(tender, pokja_users, firms, *, failing=None, scores=None):
    """Send, evaluate and announce: every firm passes unless named in `failing`
    ({user: (requirement, …)}); `scores` ({user: '80'}) where the method scores."""
    rows = {user: send(tender, user) for user in firms}
    for user, row in rows.items():
        evaluate(
            tender,
            pokja_users[0],
            row,
            failing=(failing or {}).get(user, ()),
            score=(scores or {}).get(user),
        )
    return announce(tender, pokja_users), rows
