"""Clarification and negotiation (seleksi, DOMAIN §9): after the ranking the Pokja negotiates
with the invited firm — the first-ranked one whose negotiation has not failed — on its technical
proposal and its price. The negotiated unit price (HN) of a line never exceeds the offer's; a
failed negotiation invites the next-ranked firm. Recorded per evaluation version, carried into
the evaluation case, so `lpse evaluate` recomputes the winner and its HN (no request, no
commit)."""

import json
import re
from decimal import Decimal

from flask_babel import lazy_gettext as _l

from lpse import audit
from lpse.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from lpse.evaluation import award_documents, permissions
from lpse.evaluation.export import live_ranking
from lpse.evaluation.models import Negotiation, NegotiationStatus
from lpse.evaluation.worksheets import (
    check_open_for_entries,
    ensure_version,
    lapse_pending,
    lock,
    negotiations_of,
    participant,
)
from lpse.extensions import db
from lpse.tenders import rules

#: A unit price: a non-negative decimal string (or integer), at most 2 decimals.
PRICE_RE = re.compile(r'^(0|[1-9][0-9]{0,17})(\.[0-9]{1,2})?$')


def invited_bid_id(tender) -> int | None:
    """The firm the Pokja negotiates with now: the ranking's winner (failed negotiations
    pass it to the next-ranked firm); None when there is none (yet)."""
    winner = live_ranking(tender).winner
    return int(winner) if winner is not None else None


def record_negotiation(tender, bid_id, data, *, actor, now, ip=None):
    """Record the negotiation with the invited firm, all or nothing; pending proposals lapse
    and the BA Klarifikasi dan Negosiasi is issued. Returns (Negotiation, IssuedDocument)."""
    if not permissions.can_evaluate(tender, actor):
        raise NotAllowed(_l('Hanya Pokja tender ini yang dapat mengevaluasi.'))
    if not tender.method.negotiates:
        raise InvalidTransition(
            _l('Metode %(method)s tidak mengenal negosiasi.', method=tender.method.label)
        )
    check_open_for_entries(tender, now)
    lock(tender)
    p = participant(tender, bid_id)
    if p.price_json is None:
        raise Conflict(_l('File II (harga) penawaran ini belum dibuka: belum dapat dinegosiasi.'))
    values = parse_negotiation(p, data)
    invited = invited_bid_id(tender)
    if invited != p.bid.id:
        raise Conflict(
            _l(
                'Negosiasi dilakukan dengan peserta yang diundang (peringkat tertinggi yang '
                'negosiasinya tidak gagal); penawaran ini tidak sedang diundang.'
            )
        )
    version = ensure_version(tender, actor=actor, now=now)
    row = negotiations_of(version).get(p.bid.id)
    if row is None:
        row = Negotiation(version_id=version.id, bid_id=p.bid.id)
        db.session.add(row)
    for name, value in values.items():
        setattr(row, name, value)
    row.entered_by_id, row.entered_at = actor.id, now
    db.session.flush()
    audit.record(
        'evaluation.negotiation_recorded',
        row,
        actor=actor,
        now=now,
        ip=ip,
        version=version.number,
        bid=p.bid.id,
        status=row.status,
        lines=row.negotiated_lines,
        reason=row.reason,
        technical_notes=row.technical_notes,
        price_notes=row.price_notes,
    )
    lapse_pending(version, reason='negotiation recorded', actor=actor, now=now)
    document = award_documents.issue_negotiation_minutes(
        tender, row, participant=p, result=live_ranking(tender).result(str(p.bid.id)), now=now
    )
    return row, document


def parse_negotiation(p, data) -> dict:
    """The negotiation in a request body, checked against the offer: 422 naming the field."""
    status = data.get('status')
    if status not in tuple(NegotiationStatus):
        raise ValidationFailed(
            _l('Hasil negosiasi harus "agreed" (sepakat) atau "failed" (gagal).'), field='status'
        )
    texts = {name: _text(data, name) for name in ('technical_notes', 'price_notes', 'reason')}
    if status == NegotiationStatus.failed and not texts['reason']:
        raise ValidationFailed(_l('Alasan negosiasi gagal wajib diisi.'), field='reason')
    lines = data.get('lines') or []
    if not isinstance(lines, list):
        raise ValidationFailed(_l('Kolom "lines" harus berupa daftar.'), field='lines')
    if status == NegotiationStatus.failed and lines:
        raise ValidationFailed(
            _l('Negosiasi yang gagal tidak memiliki harga negosiasi.'), field='lines'
        )
    offered = {line['item']: line['unit_price'] for line in p.price_json.get('price_lines', [])}
    negotiated = []
    for index, line in enumerate(lines):
        negotiated.append(_line(line, index, offered, {n['item'] for n in negotiated}))
    return {'status': status, 'lines': json.dumps(negotiated), **texts}


def _text(data, name) -> str:
    value = data.get(name) or ''
    if not isinstance(value, str):
        raise ValidationFailed(_l('Kolom "%(name)s" bertipe salah.', name=name), field=name)
    value = value.strip()
    if len(value) > rules.MAX_TEXT:
        raise ValidationFailed(_l('Teks paling panjang 5000 karakter.'), field=name)
    return value


def _line(line, index, offered, seen) -> dict:
    where = f'lines[{index}]'
    item = line.get('item') if isinstance(line, dict) else None
    if not isinstance(item, str) or item not in offered:
        raise ValidationFailed(
            _l('Item negosiasi harus salah satu item penawaran.'), field=f'{where}.item'
        )
    if item in seen:
        raise ValidationFailed(
            _l('Item %(item)s dinegosiasi dua kali.', item=item), field=f'{where}.item'
        )
    offer = offered[item]
    if offer is None:
        raise ValidationFailed(
            _l('Item %(item)s tidak diberi harga dalam penawaran.', item=item),
            field=f'{where}.item',
        )
    text = line.get('unit_price')
    text = str(text).strip() if isinstance(text, str | int) and not isinstance(text, bool) else ''
    if not PRICE_RE.match(text):
        raise ValidationFailed(
            _l(
                'Harga satuan negosiasi harus angka desimal tidak negatif (paling banyak 2 '
                'desimal).'
            ),
            field=f'{where}.unit_price',
        )
    if Decimal(text) > Decimal(str(offer)):
        raise ValidationFailed(
            _l(
                'Harga negosiasi item %(item)s (%(hn)s) melebihi harga satuan penawaran '
                '(%(offer)s).',
                item=item,
                hn=text,
                offer=offer,
            ),
            field=f'{where}.unit_price',
        )
    return {'item': item, 'unit_price': text}
