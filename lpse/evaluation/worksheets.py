"""The Pokja's worksheets: per opened bid, verdicts (administration, qualification, technical
with scores, pembuktian), the price-clarification outcome and a tie-break order — who takes
part, the evaluation versions, the entries and how a form's values are parsed. Recording an
entry is lpse.evaluation.recording."""

import json
import re
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lpse import audit
from lpse.bids.models import Bid, EnvelopeKind
from lpse.crypto.canonical import canonical_json
from lpse.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from lpse.evaluation.models import (
    EntryKind,
    EvaluationVersion,
    Negotiation,
    ProposalStatus,
    WorksheetEntry,
)
from lpse.extensions import db
from lpse.i18n import with_wib
from lpse.opening.models import OpenedBid, OpeningCeremony, OpenResult
from lpse.tenders.locking import lock_tenders
from lpse.tenders.stages import Stage
from lpse.vendors.models import Vendor

SCORED_METHODS = ('merit_point', 'qcbs', 'quality', 'fixed_budget', 'least_cost')
SCORE_RE = re.compile(r'^(0|[1-9][0-9]{0,2})(\.[0-9]{1,2})?$')
MAX_REASON = 5000
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Participant:
    """A vendor's opened bid: its first envelope (single / File I) and, when opened, its price
    envelope (the same row for one-file tenders)."""

    bid: Bid
    first: OpenedBid
    price: OpenedBid | None
    vendor: Vendor

    @property
    def bid_json(self) -> dict:
        return json.loads(self.first.bid_json)

    @property
    def price_json(self) -> dict | None:
        return json.loads(self.price.bid_json) if self.price is not None else None


def participants(tender) -> list[Participant]:
    """Every vendor whose first envelope was opened, by bid id."""
    rows = db.session.scalars(
        select(OpenedBid)
        .join(Bid, Bid.id == OpenedBid.bid_id)
        .where(OpenedBid.tender_id == tender.id, OpenedBid.result == OpenResult.opened.value)
        .order_by(OpenedBid.bid_id)
    ).all()
    firsts = [r for r in rows if r.bid.kind != EnvelopeKind.price]
    prices = {r.vendor_id: r for r in rows if r.bid.kind == EnvelopeKind.price}
    result = []
    for first in firsts:
        price = first if first.bid.kind == EnvelopeKind.single else prices.get(first.vendor_id)
        result.append(Participant(first.bid, first, price, first.vendor))
    return result


def participant(tender, bid_id) -> Participant:
    """The participant a bid id names (either envelope of it); 404 when not of this tender,
    409 when that bid was not opened."""
    bid = db.session.get(Bid, bid_id) if isinstance(bid_id, int) else None
    if bid is None or bid.tender_id != tender.id:
        raise NotFound(_l('Penawaran itu tidak ditemukan pada tender ini.'))
    for p in participants(tender):
        if p.vendor.id == bid.vendor_id:
            return p
    raise Conflict(_l('Penawaran ini tidak dibuka, sehingga tidak dapat dievaluasi.'))


def current_version(tender) -> EvaluationVersion | None:
    return db.session.scalar(
        select(EvaluationVersion).where(
            EvaluationVersion.tender_id == tender.id, EvaluationVersion.superseded_at.is_(None)
        )
    )


def versions(tender) -> list[EvaluationVersion]:
    return db.session.scalars(
        select(EvaluationVersion)
        .where(EvaluationVersion.tender_id == tender.id)
        .order_by(EvaluationVersion.number)
    ).all()


def lock(tender) -> None:
    """Serialise evaluation writes of one tender (a row lock on PostgreSQL; SQLite has one
    writer): two approvals or two proposals at once cannot both count on a stale state."""
    lock_tenders(db.session, [tender.id])


def ensure_version(tender, *, actor, now) -> EvaluationVersion:
    """The current version, starting version 1 on the first entry after opening."""
    version = current_version(tender)
    if version is None:
        version = EvaluationVersion(
            tender_id=tender.id, number=1, created_at=now, created_by_id=actor.id, reason=''
        )
        db.session.add(version)
        db.session.flush()
        audit.record('evaluation.version_started', version, actor=actor, now=now, number=1)
    return version


def entries_of(version, bid_id=None) -> dict:
    """{bid id: {kind: entry}} (or {kind: entry} for one bid)."""
    table: dict[int, dict[str, WorksheetEntry]] = {}
    for entry in version.entries if version else ():
        table.setdefault(entry.bid_id, {})[entry.kind] = entry
    return table.get(bid_id, {}) if bid_id is not None else table


def negotiations_of(version) -> dict:
    """{bid id: Negotiation} of a version (seleksi)."""
    if version is None:
        return {}
    rows = db.session.scalars(select(Negotiation).where(Negotiation.version_id == version.id))
    return {row.bid_id: row for row in rows}


def price_opened(tender) -> bool:
    """Two-file tenders: has the File II ceremony opened the price envelopes?"""
    return price_opened_at(tender) is not None


def price_opened_at(tender):
    """When the File II ceremony opened the price envelopes (None before)."""
    return db.session.scalar(
        select(OpeningCeremony.opened_at).where(
            OpeningCeremony.tender_id == tender.id,
            OpeningCeremony.kind == 'price',
            OpeningCeremony.opened_at.is_not(None),
        )
    )


def file_one_frozen(tender) -> bool:
    """File I verdicts are frozen once File II is opened — in the version that was evaluated
    when it opened. A version started afterwards (the evaluation reopened, after an
    announcement only by an accepted objection) may correct File I verdicts: that is what the
    re-evaluation is for. Its ranking then uses the price envelopes already opened; a bid that
    passes File I only in the new version and whose File II was never opened blocks the
    proposal (decision._check_ready) until its price envelope is opened."""
    if tender.submission_files != 2:
        return False
    opened_at = price_opened_at(tender)
    if opened_at is None:
        return False
    version = current_version(tender)
    return version is None or version.created_at <= opened_at


# --- the state entries may change ---------------------------------------------------------


def check_open_for_entries(tender, now) -> None:
    """Worksheets, proposals and approvals are open from the scheduled start of the Evaluasi
    stage, once the bids are opened, until the winner is decided — each refusal says why."""
    if not tender.is_active:
        raise InvalidTransition(_l('Tender ini tidak sedang berjalan.'))
    if tender.bids_opened_at is None:
        raise InvalidTransition(_l('Penawaran belum dibuka.'))
    window = tender.schedule.get(Stage.evaluation)
    if window is not None and now < window.start:
        raise InvalidTransition(
            _l(
                'Tahap Evaluasi dijadwalkan mulai %(start)s: evaluasi belum dapat dilakukan.',
                start=with_wib(window.start, tender.timezone),
            )
        )
    if tender.winner_decided_at is not None:
        raise InvalidTransition(
            _l('Pemenang sudah ditetapkan: evaluasi hanya dapat diubah dengan evaluasi ulang.')
        )


def lapse_pending(version, *, reason, actor, now) -> None:
    """A pending proposal no longer matches the worksheets: it lapses (approvals with it)."""
    for proposal in version.proposals:
        if proposal.status == ProposalStatus.pending:
            proposal.status = ProposalStatus.superseded.value
            proposal.superseded_at = now
            db.session.flush()
            audit.record(
                'evaluation.proposal_lapsed', proposal, actor=actor, now=now, reason=reason
            )


# --- parsing ---------------------------------------------------------------------------------


def parse_entries(tender, data) -> dict[str, dict]:
    """The entries of a request body, checked: {kind: {column: value}}; 422 naming the field."""
    if not isinstance(data, dict) or not data:
        raise ValidationFailed(_l('Isi minimal satu hasil evaluasi.'), field='entries')
    allowed = {k.value for k in EntryKind if k != EntryKind.tie_break} | {'tie_break_order'}
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationFailed(
            _l('Kolom tidak dikenal: %(names)s.', names=', '.join(unknown)), field=unknown[0]
        )
    parsed = {}
    for kind in EntryKind:
        if kind == EntryKind.tie_break:
            continue
        if kind in data and data[kind] is not None:
            parsed[kind.value] = _verdict(tender, kind, data[kind])
    order = data.get('tie_break_order')
    if order is not None:
        if isinstance(order, bool) or not isinstance(order, int) or not 1 <= order <= 1000:
            raise ValidationFailed(
                _l('Urutan keputusan Pokja harus bilangan bulat mulai 1.'), field='tie_break_order'
            )
        parsed[EntryKind.tie_break.value] = {'tie_order': order, 'passed': None, 'reason': ''}
    if not parsed:
        raise ValidationFailed(_l('Isi minimal satu hasil evaluasi.'), field='entries')
    return parsed


def _verdict(tender, kind, value) -> dict:
    if not isinstance(value, dict):
        raise ValidationFailed(_l('Hasil evaluasi harus berupa objek.'), field=kind)
    allowed = {'passed', 'reason'}
    if kind == EntryKind.technical:
        allowed |= {'score', 'criteria'}
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ValidationFailed(
            _l('Kolom tidak dikenal: %(names)s.', names=', '.join(unknown)), field=kind
        )
    passed = value.get('passed')
    if not isinstance(passed, bool):
        raise ValidationFailed(_l('Pilih lulus atau gugur.'), field=f'{kind}.passed')
    reason = value.get('reason') or ''
    if not isinstance(reason, str):
        raise ValidationFailed(_l('Alasan harus berupa teks.'), field=f'{kind}.reason')
    reason = reason.strip()
    if not passed and not reason:
        raise ValidationFailed(_l('Hasil gugur wajib disertai alasan.'), field=f'{kind}.reason')
    if len(reason) > MAX_REASON:
        raise ValidationFailed(_l('Alasan paling panjang 5000 karakter.'), field=f'{kind}.reason')
    result = {'passed': passed, 'reason': reason, 'score': None, 'criteria': None}
    if kind == EntryKind.technical:
        result.update(_technical(tender, value, passed))
    return result


def _technical(tender, value, passed) -> dict:
    criteria = {c['id'] for c in tender_parameters(tender).get('technical_criteria', [])}
    score, scores = value.get('score'), value.get('criteria')
    if score is not None and scores is not None:
        raise ValidationFailed(
            _l('Isi nilai teknis tunggal atau nilai per kriteria, tidak keduanya.'),
            field='technical.score',
        )
    if scores is not None:
        if not criteria:
            raise ValidationFailed(
                _l('Tender ini tidak memakai kriteria teknis berbobot.'),
                field='technical.criteria',
            )
        if not isinstance(scores, dict) or set(scores) != criteria:
            raise ValidationFailed(
                _l('Isi nilai untuk setiap kriteria: %(ids)s.', ids=', '.join(sorted(criteria))),
                field='technical.criteria',
            )
        parsed = {k: _score(v, f'technical.criteria.{k}') for k, v in sorted(scores.items())}
        return {'criteria': canonical_json({k: str(v) for k, v in parsed.items()})}
    if score is not None:
        if criteria:
            raise ValidationFailed(
                _l('Isi nilai per kriteria: %(ids)s.', ids=', '.join(sorted(criteria))),
                field='technical.criteria',
            )
        return {'score': _score(score, 'technical.score')}
    if passed and tender.evaluation_method in SCORED_METHODS:
        raise ValidationFailed(
            _l('Metode evaluasi ini memerlukan nilai teknis (0–100).'), field='technical.score'
        )
    return {}


def _score(value, where) -> Decimal:
    """A score 0–100 with at most 2 decimals, from a decimal string or an integer."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValidationFailed(_l('Nilai harus angka 0–100 (teks desimal).'), field=where)
    text = str(value).strip()
    if not SCORE_RE.match(text) or Decimal(text) > HUNDRED:
        raise ValidationFailed(
            _l('Nilai harus antara 0 dan 100, paling banyak dua desimal.'), field=where
        )
    return Decimal(text).quantize(Decimal('0.01'))


def tender_parameters(tender) -> dict:
    """The evaluation parameters frozen at publication (docs/EVALUATION_FORMAT.md)."""
    return json.loads(tender.frozen_rules or '{}').get('evaluation_parameters', {})


def tender_method(tender) -> str:
    return json.loads(tender.frozen_rules or '{}').get(
        'evaluation_method', tender.evaluation_method
    )
