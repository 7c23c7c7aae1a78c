"""Winner decision (penetapan pemenang): propose, approve (at least half the Pokja), reopen as
a new evaluation version, or declare the tender failed. No request, no commit."""

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from lpse import audit
from lpse.crypto.canonical import canonical_json
from lpse.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from lpse.evaluation import award_documents, export, permissions, worksheets
from lpse.evaluation.models import (
    EvaluationVersion,
    Negotiation,
    ProposalStatus,
    ResultApproval,
    ResultProposal,
    WorksheetEntry,
)
from lpse.extensions import db
from lpse.scoring.types import Ranking
from lpse.tenders import operations as tender_ops
from lpse.tenders import rules
from lpse.tenders.models import TenderStatus


@dataclass(frozen=True)
class Decision:
    """The approved result of one evaluation version, or the tender's failure.

    ``winner_bid_id`` / ``reserve_bid_ids`` are ``bid.id`` values of each vendor's first
    envelope (single, or technical = File I); ``result`` is the ranking it was decided on and
    ``result_dict`` the same as ``lpse evaluate`` prints it; ``approvals`` are the approving
    members (User rows); ``failed_reason`` is set (and the rest empty) when declared failed."""

    version: int
    decided_at: datetime
    winner_bid_id: int | None = None
    reserve_bid_ids: list[int] = field(default_factory=list)
    result: Ranking | None = None
    result_dict: dict | None = None
    case: dict | None = None
    approvals: list = field(default_factory=list)
    failed_reason: str | None = None
    proposal: object | None = None


def approvals_needed(tender) -> int:
    """At least half the Pokja: ⌈n / 2⌉ approvals."""
    return (len(tender.members) + 1) // 2


def pending_proposal(tender) -> ResultProposal | None:
    version = worksheets.current_version(tender)
    if version is None:
        return None
    return next((p for p in version.proposals if p.status == ProposalStatus.pending), None)


def approved_proposal(tender) -> ResultProposal | None:
    version = worksheets.current_version(tender)
    if version is None:
        return None
    return next((p for p in version.proposals if p.status == ProposalStatus.approved), None)


def propose(tender, *, actor, now, winner=None, note='', ip=None) -> ResultProposal:
    """A member proposes the ranking's winner and reserves; the proposer's approval is
    recorded with it. ``winner`` (a bid id), when given, must be the ranking's winner."""
    _check_member(tender, actor)
    worksheets.check_open_for_entries(tender, now)
    worksheets.lock(tender)
    if pending_proposal(tender) is not None:
        raise Conflict(_l('Sudah ada usulan hasil yang menunggu persetujuan.'))
    data = export.build_case(tender)
    ranking = export.rank_case(data)
    _check_ready(tender, ranking, data)
    if winner is not None and str(winner) != ranking.winner:
        raise ValidationFailed(
            _l('Calon pemenang yang diusulkan bukan peringkat pertama hasil evaluasi.'),
            field='winner',
        )
    note = (note or '').strip()
    if len(note) > rules.MAX_TEXT:
        raise ValidationFailed(_l('Teks paling panjang 5000 karakter.'), field='note')
    version = worksheets.ensure_version(tender, actor=actor, now=now)
    proposal = ResultProposal(
        version=version,
        status=ProposalStatus.pending.value,
        winner_bid_id=int(ranking.winner),
        reserves=json.dumps([int(r) for r in ranking.reserves]),
        case_json=canonical_json(data),
        result_json=json.dumps(export.result_of(data), ensure_ascii=False),
        note=note,
        proposed_by_id=actor.id,
        proposed_at=now,
    )
    db.session.add(proposal)
    db.session.flush()
    audit.record(
        'evaluation.result_proposed',
        proposal,
        actor=actor,
        now=now,
        ip=ip,
        version=version.number,
        winner=proposal.winner_bid_id,
        reserves=proposal.reserve_bid_ids,
        case_sha256=_sha256(proposal.case_json),
    )
    _approve(tender, proposal, actor=actor, now=now, ip=ip)
    return proposal


def _check_ready(tender, ranking, data) -> None:
    """A winner, every bid that could be the winner or a reserve evaluated, and the winner's
    pembuktian passed."""
    if ranking.unresolved_tie:
        raise Conflict(
            _l('Peringkat pertama seri: catat urutan keputusan Pokja untuk penawaran yang seri.')
        )
    if ranking.unresolved_reserve_tie:
        names = sorted(ranking.result(b).vendor.name for b in ranking.unresolved_reserve_tie)
        raise Conflict(
            _l(
                'Peringkat cadangan seri: catat urutan keputusan Pokja untuk %(names)s.',
                names=', '.join(names),
            )
        )
    unclarified = [
        bid['vendor']['name']
        for bid in data['bids']
        if bid.get('clarification') is None
        and _needs_clarification(ranking, ranking.result(bid['id']))
    ]
    if unclarified:
        raise Conflict(
            _l(
                'Klarifikasi kewajaran harga belum dicatat untuk: %(names)s (harga terkoreksi di '
                'bawah ambang kewajaran HPS). Penawaran itu belum selesai dievaluasi.',
                names=', '.join(sorted(unclarified)),
            )
        )
    if ranking.winner is None:
        raise Conflict(
            _l(
                'Tidak ada penawaran yang memenuhi syarat (%(reason)s): nyatakan tender gagal.',
                reason=ranking.failure_reason,
            )
        )
    winner = ranking.result(ranking.winner)
    unopened = [
        bid['vendor']['name']
        for bid in data['bids']
        if tender.submission_files == 2
        and ranking.method != 'quality'
        and 'price_lines' not in bid
        and all(
            ranking.result(bid['id']).stages[s].status == 'passed'
            for s in ('administration', 'qualification', 'technical')
        )
    ]
    if unopened and worksheets.price_opened(tender):
        raise Conflict(
            _l(
                'File I lulus tetapi File II (harga) belum dibuka untuk: %(names)s.',
                names=', '.join(sorted(unopened)),
            )
        )
    missing = [
        bid['vendor']['name']
        for bid in data['bids']
        if any(v.get('reason') == export.NOT_YET for v in bid['verdicts'].values())
        and not _may_stay_unevaluated(ranking, ranking.result(bid['id']))
    ]
    if missing:
        raise Conflict(
            _l('Evaluasi belum lengkap untuk: %(names)s.', names=', '.join(sorted(missing)))
        )
    if winner.stages['pembuktian'].status != 'passed':
        raise Conflict(
            _l('Catat hasil pembuktian kualifikasi calon pemenang sebelum mengusulkan hasil.')
        )
    talk = winner.negotiation
    if tender.method.negotiates and (talk is None or talk.status != 'agreed'):
        raise Conflict(
            _l(
                'Negosiasi dengan calon pemenang %(name)s belum disepakati: catat hasil '
                'klarifikasi dan negosiasi sebelum mengusulkan hasil.',
                name=winner.vendor.name,
            )
        )


def _needs_clarification(ranking, other) -> bool:
    """A bid below the reasonableness floor whose clarification is not recorded counts as not
    yet evaluated when it could change the result: it passed the other stages and, for lowest
    price, it is not dearer than the last of the winner and reserves."""
    if not any(f.code == 'below_reasonable_price' for f in other.flags):
        return False
    if any(
        other.stages[s].status == 'failed' for s in ('administration', 'qualification', 'technical')
    ):
        return False
    ranked = [ranking.result(r) for r in (ranking.winner, *ranking.reserves) if r is not None]
    if ranking.method == 'lowest_price' and len(ranked) >= 3 and other.corrected_total is not None:
        return other.corrected_total <= ranked[-1].evaluated_price
    return True


def _may_stay_unevaluated(ranking, other) -> bool:
    """Lowest price lets the Pokja evaluate from the cheapest up: once a winner and two
    reserves stand, a bid dearer than the last of them cannot change the result."""
    ranked = [ranking.result(r) for r in (ranking.winner, *ranking.reserves)]
    if ranking.method != 'lowest_price' or len(ranked) < 3 or other.evaluated_price is None:
        return False
    return other.evaluated_price > ranked[-1].evaluated_price


def approve(tender, *, proposal_id, actor, now, ip=None) -> ResultProposal:
    """A member approves the pending proposal (once); it takes effect at half the Pokja.

    ``proposal_id`` is the proposal the member saw: when it is no longer the pending one (it
    lapsed, or another member proposed a different result meanwhile) nothing is approved."""
    _check_member(tender, actor)
    worksheets.check_open_for_entries(tender, now)
    worksheets.lock(tender)
    proposal = pending_proposal(tender)
    if proposal is None:
        raise Conflict(_l('Tidak ada usulan hasil yang menunggu persetujuan.'))
    if _as_id(proposal_id) != proposal.id:
        raise Conflict(
            _l(
                'Usulan yang Anda setujui (#%(seen)s) tidak lagi menunggu persetujuan; usulan '
                'yang berlaku sekarang #%(pending)s. Periksa usulan itu sebelum menyetujuinya.',
                seen=proposal_id if proposal_id not in (None, '') else '-',
                pending=proposal.id,
            )
        )
    if any(a.user_id == actor.id for a in proposal.approvals):
        raise Conflict(_l('Anda sudah menyetujui usulan ini.'))
    _approve(tender, proposal, actor=actor, now=now, ip=ip)
    return proposal


def _as_id(value) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value or '').strip()
    return int(text) if text.isascii() and text.isdecimal() else None


def _approve(tender, proposal, *, actor, now, ip) -> None:
    proposal.approvals.append(ResultApproval(user_id=actor.id, approved_at=now))
    db.session.flush()
    count = len(proposal.approvals)
    audit.record(
        'evaluation.result_approved',
        proposal,
        actor=actor,
        now=now,
        ip=ip,
        approvals=count,
        needed=approvals_needed(tender),
    )
    if count >= approvals_needed(tender):
        proposal.status = ProposalStatus.approved.value
        proposal.decided_at = now
        tender.winner_decided_at = now
        db.session.flush()
        audit.record(
            'evaluation.winner_decided',
            tender,
            actor=actor,
            now=now,
            ip=ip,
            version=proposal.version.number,
            proposal=proposal.id,
            winner=proposal.winner_bid_id,
            reserves=proposal.reserve_bid_ids,
            approved_by=sorted(a.user_id for a in proposal.approvals),
            result_sha256=_sha256(proposal.result_json),
        )


def decided_result(tender) -> Decision | None:
    """The decision of the current version, or the failure of the tender; None otherwise."""
    if tender.status == TenderStatus.failed:
        version = worksheets.current_version(tender)
        return Decision(
            version=version.number if version else 0,
            decided_at=tender.failed_at,
            failed_reason=tender.end_reason,
        )
    proposal = approved_proposal(tender)
    if proposal is None:
        return None
    data = json.loads(proposal.case_json)
    return Decision(
        version=proposal.version.number,
        decided_at=proposal.decided_at,
        winner_bid_id=proposal.winner_bid_id,
        reserve_bid_ids=proposal.reserve_bid_ids,
        result=export.rank_case(data),
        result_dict=json.loads(proposal.result_json),
        case=data,
        approvals=[a.user for a in proposal.approvals],
        proposal=proposal,
    )


def reopen(tender, *, reason, actor, now, ip=None) -> int:
    """Start the next evaluation version (entries copied, attribution kept); the old version
    and its decision stay for auditors; the decision is cleared.

    Refused once the SPPBJ is issued; once the winner is announced only an accepted objection
    reopens (objections.answer_objection withdraws the announcement first, then calls this)."""
    _check_member(tender, actor)
    if not tender.is_active or tender.bids_opened_at is None:
        raise InvalidTransition(_l('Evaluasi tender ini tidak dapat dibuka kembali.'))
    if tender.award_issued_at is not None:
        raise InvalidTransition(_l('SPPBJ sudah diterbitkan: evaluasi tidak dapat dibuka kembali.'))
    if tender.winner_announced_at is not None:
        raise InvalidTransition(
            _l(
                'Pemenang sudah diumumkan: evaluasi hanya dapat dibuka kembali melalui sanggah '
                'yang diterima (pengumuman ditarik lebih dulu).'
            )
        )
    reason = rules.required_text(reason, 'reason', _l('Alasan evaluasi ulang wajib diisi.'))
    worksheets.lock(tender)
    old = worksheets.ensure_version(tender, actor=actor, now=now)
    worksheets.lapse_pending(old, reason='evaluation reopened', actor=actor, now=now)
    old.superseded_at = now
    db.session.flush()
    new = EvaluationVersion(
        tender_id=tender.id,
        number=old.number + 1,
        created_at=now,
        created_by_id=actor.id,
        reason=reason,
    )
    new.entries = [
        WorksheetEntry(
            bid_id=e.bid_id,
            kind=e.kind,
            passed=e.passed,
            reason=e.reason,
            score=e.score,
            criteria=e.criteria,
            tie_order=e.tie_order,
            entered_by_id=e.entered_by_id,
            entered_at=e.entered_at,
        )
        for e in old.entries
    ]
    db.session.add(new)
    db.session.flush()
    for talk in worksheets.negotiations_of(old).values():
        db.session.add(
            Negotiation(
                version_id=new.id,
                bid_id=talk.bid_id,
                status=talk.status,
                technical_notes=talk.technical_notes,
                price_notes=talk.price_notes,
                reason=talk.reason,
                lines=talk.lines,
                entered_by_id=talk.entered_by_id,
                entered_at=talk.entered_at,
                document_id=talk.document_id,
            )
        )
    tender.winner_decided_at = None
    db.session.flush()
    audit.record(
        'evaluation.reopened',
        new,
        actor=actor,
        now=now,
        ip=ip,
        number=new.number,
        previous=old.number,
        reason=reason,
    )
    return new.number


def declare_failed(tender, *, reason, actor, now, ip=None):
    """The tender fails (gagal) with its reason; the Pokja may then retender. The BAHP stating
    the failure (every bidder's verdicts as they stand, the reason) is issued in the same
    transaction and returned (an IssuedDocument)."""
    _check_member(tender, actor)
    version = worksheets.current_version(tender)
    if version is not None:
        worksheets.lapse_pending(version, reason='tender failed', actor=actor, now=now)
    ranking = None
    if tender.bids_opened_at is not None:
        try:
            ranking = export.live_ranking(tender)
        except Conflict:
            ranking = None  # an uncomputable evaluation: the BAHP lists no verdicts
    tender_ops.fail_tender(tender, reason=reason, actor=actor, now=now, ip=ip)
    report = award_documents.issue_failure_report(
        tender,
        decision=Decision(
            version=version.number if version else 0,
            decided_at=now,
            result=ranking,
            failed_reason=tender.end_reason,
        ),
        actor=actor,
        now=now,
    )
    audit.record(
        'evaluation.declared_failed',
        tender,
        actor=actor,
        now=now,
        ip=ip,
        version=version.number if version else None,
        reason=tender.end_reason,
        report=report.id,
    )
    return report


def _check_member(tender, actor) -> None:
    if not permissions.can_evaluate(tender, actor):
        raise NotAllowed(_l('Hanya Pokja tender ini yang dapat melakukannya.'))


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def export_case(tender) -> dict:
    """The decided case when a decision stands, else the live one."""
    proposal = approved_proposal(tender)
    if proposal is not None:
        return json.loads(proposal.case_json)
    return export.build_case(tender)
