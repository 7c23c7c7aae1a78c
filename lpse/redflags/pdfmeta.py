"""The document-information fields of opened PDF attachments (author, creator, producer,
creation time) for RF-META-PDF. An opened envelope never changes, so each bid's result is kept
in memory once read (re-reading decrypts the envelope once per PDF), and kept in the database by
the flags' refresh (`keep`), so a tender's flags read later decrypt nothing (`stored`)."""

import json
from functools import lru_cache
from io import BytesIO

FIELDS = (
    ('author', '/Author'),
    ('creator', '/Creator'),
    ('producer', '/Producer'),
    ('created', '/CreationDate'),
)
MAX_PDFS = 20  # per envelope


def pdf_fields(data: bytes) -> tuple[tuple[str, str], ...]:
    """(field, value) of the PDF's Info dictionary; () when unreadable or absent."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    try:
        info = PdfFileReader(BytesIO(data), strict=False).trailer['/Info']
        return tuple((name, str(info[key])[:200]) for name, key in FIELDS if key in info)
    except Exception:  # a vendor's malformed PDF is simply not compared
        return ()


@lru_cache(maxsize=4096)
def envelope_pdfs(
    opened_bid_id: int, envelope_sha256: str
) -> tuple[tuple[str, tuple[tuple[str, str], ...]], ...]:
    """(file name, fields) of every PDF attachment of one opened envelope (cached by the
    envelope's SHA-256 too, so a reused row id never returns another envelope's fields)."""
    from lpse.extensions import db
    from lpse.opening import ceremony
    from lpse.opening.models import OpenedBid

    row = db.session.get(OpenedBid, opened_bid_id)
    package = ceremony.opened_package(row) if row is not None else None
    if package is None or row.bid.sha256 != envelope_sha256:
        return ()
    names = [a.name for a in package.attachments if a.name.lower().endswith('.pdf')][:MAX_PDFS]
    found = []
    for name in names:
        kept = ceremony.opened_package(row, want=name)
        data = next((a.data for a in kept.attachments if a.name == name), b'')
        fields = pdf_fields(data)
        if fields:
            found.append((name, fields))
    return tuple(found)


def stored(rows) -> dict[int, tuple]:
    """opened bid id → its kept fields (`envelope_pdfs`' shape), for the opened `rows` whose
    fields the flags' refresh has kept."""
    from sqlalchemy import select

    from lpse.extensions import db
    from lpse.redflags.models import OpenedPdfMeta

    envelopes = {row.id: row.bid.sha256 for row in rows}
    if not envelopes:
        return {}
    kept = db.session.scalars(
        select(OpenedPdfMeta).where(OpenedPdfMeta.opened_bid_id.in_(envelopes))
    )
    return {
        k.opened_bid_id: tuple(
            (name, tuple((field, value) for field, value in fields))
            for name, fields in json.loads(k.fields)
        )
        for k in kept
        if envelopes[k.opened_bid_id] == k.envelope_sha256
    }


def keep(rows) -> None:
    """Read and keep the fields of those opened `rows` (with a content key) not kept yet."""
    from lpse.extensions import db
    from lpse.redflags.models import OpenedPdfMeta

    rows = [row for row in rows if row.content_key is not None]
    known = stored(rows)
    for row in rows:
        if row.id not in known and db.session.get(OpenedPdfMeta, row.id) is None:
            fields = envelope_pdfs(row.id, row.bid.sha256)
            db.session.add(
                OpenedPdfMeta(
                    opened_bid_id=row.id,
                    envelope_sha256=row.bid.sha256,
                    fields=json.dumps(fields, ensure_ascii=False),
                )
            )
