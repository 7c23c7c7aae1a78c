"""Row locks on tenders, to serialise the writes of one tender across transactions."""

from sqlalchemy import select

from lpse.tenders.models import Tender


def lock_tenders(connection, tender_ids) -> None:
    """Lock these tenders' rows until the transaction ends (PostgreSQL; SQLite has a single
    writer anyway), in id order so that two transactions never wait on each other crosswise.
    ``connection``: the session or one of its connections. Take it before the first audit
    record of an operation that changes the tender: the audit head is locked after tenders."""
    ids = sorted(set(tender_ids))
    connection.execute(
        select(Tender.id).where(Tender.id.in_(ids)).order_by(Tender.id).with_for_update()
    )
