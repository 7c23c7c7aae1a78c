"""A retendered package's earlier versions in the bundle: each under `versions/N/`, with the
same items and paths as the current version (its announcement, documents and addenda, schedule
history, Q&A, tender certificate and key, sealed envelopes with their signatures and receipts,
commitment, opening, evaluation, award, issued PDFs, prequalification — whatever that version
reached), plus `versions/N/tender/end.json`: how and why it ended. Their log events are in
the bundle's one log slice; `lpse verify-bundle` runs the current version's checks on each
folder (verify.check_versions)."""

import dataclasses

from lpse.auditor.bundle import contents, layout, qualification

PARTS = (
    contents.tender_items,
    contents.bid_items,
    contents.opening_items,
    contents.evaluation_items,
    contents.after_award_items,
    contents.issued_pdf_items,
    qualification.qualification_items,
)
END_FIELDS = ('code', 'version', 'status', 'published_at', 'failed_at', 'cancelled_at')
END_FIELDS += ('end_reason', 'superseded')


def _end(version) -> contents.Item:
    data = {name: contents.row_value(getattr(version, name)) for name in END_FIELDS}
    return contents.Item(
        'tender/end.json',
        'version_end',
        'how this version ended (failed or cancelled) and why',
        contents.json_bytes(data),
    )


def earlier_items(tender):
    """The items of every earlier version of `tender`, each moved under its version's folder
    and marked with its number."""
    for version in contents.earlier_versions(tender):
        folder = layout.version_folder(version.version)
        items = [_end(version)]
        for part in PARTS:
            items.extend(part(version))
        for item in items:
            yield dataclasses.replace(
                item,
                path=folder + item.path,
                what=f'version {version.version}: {item.what}',
                version=version.version,
            )
