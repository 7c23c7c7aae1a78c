"""Who may act on a tender beyond the `can_*` questions on the Tender model: the refusal that
says why, and who counts as a vendor allowed to take part."""

from flask_babel import lazy_gettext as _l

from lpse.errors import NotAllowed
from lpse.vendors.verification import may_participate


def vendor_may_participate(user, now) -> bool:
    """A vendor whose company is verified, not suspended, and not on the Daftar Hitam at `now`
    (its account active): the rule lives in lpse.vendors.verification."""
    return may_participate(user, now)


def require_officer(tender, user, allowed: bool) -> None:
    """Refuse an action on ``tender`` that ``allowed`` denies ``user``, saying why. Its Pokja
    may do whatever its PPK may, so a member is refused only for the point the tender is at
    (published, ended, past the bid deadline…); anyone else, the PPK included, is told who may."""
    if allowed:
        return
    if not tender.is_member(user):
        raise NotAllowed(
            _l('Hanya Pokja (atau PPK, bila disebutkan) tender ini yang dapat melakukannya.')
        )
    raise NotAllowed(_l('Tindakan ini tidak tersedia untuk tender ini pada tahapnya sekarang.'))
