"""The building blocks of the OCDS releases: dates with the tender's offset, amounts, absolute
URLs, organisation references and the parties of vendors, issued PDFs as release documents."""

import re
from decimal import Decimal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app

from lpse.documents.models import IssuedDocument
from lpse.extensions import db

CURRENCY = 'IDR'
NPWP_SCHEME = 'ID-NPWP'  # docs/OPEN_DATA.md: the vendor's NPWP, digits only


def stamp(moment, zone) -> str:
    """RFC 3339 with the tender's offset: `2026-03-02T10:00:00+08:00`."""
    return moment.astimezone(ZoneInfo(zone)).isoformat(timespec='seconds')


def number(amount) -> int | float:
    """A JSON number (OCDS amounts and quantities are numbers, never strings)."""
    value = Decimal(amount)
    return int(value) if value == value.to_integral_value() else float(value)


def money(amount) -> dict:
    return {'amount': number(amount), 'currency': CURRENCY}


def url(endpoint, **values) -> str:
    """An absolute URL under LPSE_BASE_URL, built without a request (jobs and the CLI too)."""
    base = urlsplit(current_app.config['LPSE_BASE_URL'])
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or '/')
    return adapter.build(endpoint, values, url_scheme=base.scheme, force_external=True)


def ref(party) -> dict:
    return {'id': party['id'], 'name': party['name']}


def vendor_party(vendor) -> dict:
    npwp = re.sub(r'\D', '', vendor['npwp'])
    party = {
        'id': f'{NPWP_SCHEME}-{npwp}',
        'name': vendor['name'],
        'identifier': {'scheme': NPWP_SCHEME, 'id': npwp, 'legalName': vendor['name']},
    }
    if vendor.get('address'):
        party['address'] = {'streetAddress': vendor['address'], 'countryName': 'Indonesia'}
    return party


def issued(document_id, *, title, document_type, link) -> dict | None:
    row = db.session.get(IssuedDocument, document_id) if document_id else None
    if row is None:
        return None
    return {
        'id': row.id,
        'documentType': document_type,
        'title': title,
        'description': f'SHA-256: {row.sha256}',
        'url': link,
        'format': 'application/pdf',
        'language': 'id',
    }
