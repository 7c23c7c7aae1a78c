"""Who counts as a vendor allowed to take part in a tender."""

from lpse.vendors.verification import may_participate


def vendor_may_participate(user, now) -> bool:
    """A vendor whose company is verified, not suspended, and not on the Daftar Hitam at `now`
    (its account active): the rule lives in lpse.vendors.verification."""
    return may_participate(user, now)
