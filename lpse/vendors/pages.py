"""What a vendor's pages say it is to do next (templates/vendors/_next_step.html), on its own
page (/vendors/me) and on its home (/beranda)."""

from lpse import pki_service
from lpse.vendors import registration, verification


def next_step(vendor, user, now) -> dict:
    """The template context of `_next_step.html` for ``vendor`` (None: no company yet)."""
    return {
        'problem': verification.participation_problem(vendor, now),
        'certificate': pki_service.active_certificate(user, now=now),
        'can_resend': vendor is not None and registration.can_resend_confirmation(vendor, now),
    }
