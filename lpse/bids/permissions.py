"""Who may send a bid to a tender, and when: a verified, participating vendor with a usable
signing certificate, inside the bid submission window of a tender that has its key."""

from flask_babel import lazy_gettext as _l

from lpse import pki_service
from lpse.bids.errors import DeadlinePassed
from lpse.crypto import pki
from lpse.errors import NotAllowed, NotFound, StageClosed
from lpse.i18n import with_wib
from lpse.tenders import keys
from lpse.tenders.stages import Stage
from lpse.vendors import verification


def submission_problem(tender, user, now):
    """Why `user` may not submit to `tender` at `now` (a domain error), or None."""
    if not tender.is_active:
        return StageClosed(_l('Tender ini tidak menerima penawaran.'))
    window = tender.schedule.get(Stage.bid_submission)
    if window is None or now < window.start:
        start = with_wib(window.start, tender.timezone) if window else '–'
        return StageClosed(_l('Tahap pemasukan penawaran belum dimulai (mulai %(t)s).', t=start))
    if now >= window.end:
        return deadline_passed(tender)
    vendor = verification.vendor_of(user)
    if vendor is None or not user.has_role('vendor'):
        return NotAllowed(_l('Hanya penyedia yang dapat mengirim penawaran.'))
    problem = verification.participation_problem(vendor, now)
    if problem is not None:
        return NotAllowed(problem)
    problem = tender.method.participation_problem(tender, vendor, now)
    if problem is not None:
        return NotAllowed(problem)
    if signing_certificate(user, now) is None:
        return NotAllowed(_l('Anda belum memiliki sertifikat penandatanganan yang berlaku.'))
    if keys.key_of(tender) is None:
        return NotFound(_l('Tender ini belum memiliki sertifikat penawaran.'))
    return None


def can_submit(tender, user, now) -> bool:
    return user is not None and submission_problem(tender, user, now) is None


def require_submission(tender, user, now):
    problem = submission_problem(tender, user, now)
    if problem is not None:
        raise problem
    return verification.vendor_of(user)


def signing_certificate(user, now):
    rows = pki_service.certificates_of(user)
    return next(
        (c for c in rows if c.profile == pki.Profile.signing.name and c.is_usable(now)), None
    )


def deadline_passed(tender, received=None) -> DeadlinePassed:
    deadline = with_wib(tender.bid_deadline, tender.timezone)
    if received is None:
        return DeadlinePassed(
            _l(
                'Batas akhir pemasukan penawaran sudah lewat: %(d)s. Penawaran tidak diterima.',
                d=deadline,
            )
        )
    return DeadlinePassed(
        _l(
            'Penawaran selesai diterima pada %(r)s, pada atau setelah batas akhir %(d)s. '
            'Penawaran tidak disimpan.',
            r=received.strftime('%Y-%m-%d %H:%M:%S.%f')[:-3] + ' UTC',
            d=deadline,
        )
    )
