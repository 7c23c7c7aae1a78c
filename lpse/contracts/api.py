"""API of the contract (e-Kontrak): read it, and each step the PPK or the winning vendor may
take — draft, review, the two signatures, SPMK, amendments, BAST. A vendor with a self-held
key downloads the to-be-signed PDF, signs it locally (`lpse sign-contract`) and uploads it."""

from flask import abort, g, jsonify, request, send_file
from flask_babel import gettext as _

from lpse import clock
from lpse.api.base import api_auth, bp, field, json_body
from lpse.contracts import operations as contracts
from lpse.contracts import terms
from lpse.contracts.api_docs import describe
from lpse.errors import NotAllowed
from lpse.extensions import db
from lpse.proxies import client_ip
from lpse.tenders.views import load_tender
from lpse.vendors import enrolment

BASE = '/tenders/<code>/contract'
AMENDMENT = BASE + '/amendments/<int:seq>'


def _iso(moment):
    return moment.isoformat() if moment else None


def _signing_json(row) -> dict:
    return {
        'number': row.number,
        'status': row.status,
        'draft_id': row.draft_id,
        'draft_sha256': row.draft_sha256,
        'drafted_at': _iso(row.drafted_at),
        'review_note': row.review_note,
        'reviewed_at': _iso(row.reviewed_at),
        'vendor_signed_at': _iso(row.vendor_signed_at),
        'signed_at': _iso(row.signed_at),
        'document_id': row.document_id,
    }


def contract_json(contract, tender) -> dict:
    return {
        **_signing_json(contract),
        'tender': tender.code,
        'form': contract.form,
        'vendor': contract.vendor.company_name,
        'value': str(contract.value),
        'performance_bond': {
            'amount': str(contract.bond_amount),
            'base': contract.bond_base,
            'number': contract.bond_number,
            'issuer': contract.bond_issuer,
            'valid_until': contract.bond_valid_until.isoformat(),
        },
        'starts_on': contract.starts_on.isoformat(),
        'ends_on': contract.ends_on.isoformat(),
        'payment_terms': contract.payment_terms,
        'boq': contract.boq_rows,
        'needs_spmk': terms.needs_spmk(tender.category),
        'spmk': {
            'document_id': contract.spmk_document_id,
            'issued_at': _iso(contract.spmk_issued_at),
            'work_starts_on': contract.work_starts_on.isoformat()
            if contract.work_starts_on
            else None,
        },
        'amendments': [
            {
                **_signing_json(a),
                'seq': a.seq,
                'reason': a.reason,
                'scope': a.scope,
                'new_value': str(a.new_value) if a.new_value is not None else None,
                'new_ends_on': a.new_ends_on.isoformat() if a.new_ends_on else None,
            }
            for a in contract.amendments
        ],
        'bast': {
            'document_id': contract.bast_document_id,
            'handed_over_at': _iso(contract.handed_over_at),
        },
    }


def _tender_for(code):
    tender = load_tender(code)
    if not contracts.can_view(tender, g.api_user):
        raise NotAllowed(
            _('Kontrak hanya terlihat oleh PPK, penyedia pemenang, Pokja dan auditor.')
        )
    return tender


def _party(code, party):
    """The tender, if the token's user is its PPK (`ppk`) or winner (`winner`): checked before
    the body is read."""
    tender = load_tender(code)
    if party == 'ppk' and not contracts.is_ppk(tender, g.api_user):
        raise NotAllowed(_('Hanya PPK paket ini yang dapat melakukan langkah kontrak ini.'))
    if party == 'winner' and not contracts.is_winner(tender, g.api_user):
        raise NotAllowed(_('Hanya penyedia pemenang yang dapat melakukan langkah kontrak ini.'))
    return tender


def _answer(tender, status=200):
    db.session.commit()
    return jsonify(contract_json(contracts.require_contract(tender), tender)), status


@bp.get(BASE)
@api_auth()
def contract_get(code):
    tender = _tender_for(code)
    return jsonify(contract_json(contracts.require_contract(tender), tender))


@bp.post(BASE)
@api_auth('ppk')
def contract_draft(code):
    tender = _party(code, 'ppk')
    contracts.draft_contract(tender, json_body(), actor=g.api_user, now=clock.now(), ip=client_ip())
    return _answer(tender, 201)


@bp.get(BASE + '/draft.pdf')
@bp.get(AMENDMENT + '/draft.pdf')
@api_auth()
def contract_draft_pdf(code, seq=None):
    """The exact bytes the vendor signs (the PPK and the winner only)."""
    tender = load_tender(code)
    if not (contracts.is_ppk(tender, g.api_user) or contracts.is_winner(tender, g.api_user)):
        raise NotAllowed(_('Hanya PPK dan penyedia pemenang yang dapat mengunduh draf ini.'))
    instrument = contracts.instrument_of(tender, seq)
    response = send_file(
        contracts.draft_stream(instrument),
        mimetype='application/pdf',
        as_attachment=True,
        download_name=f'{instrument.draft_id}-draft.pdf',
        etag=instrument.draft_sha256,
    )
    response.headers['X-Content-Type-Options'] = 'nosniff'
    return response


@bp.post(BASE + '/review')
@bp.post(AMENDMENT + '/review')
@api_auth('vendor')
def contract_review(code, seq=None):
    tender = _party(code, 'winner')
    body = json_body()
    accept = field(body, 'accept', kind=bool)
    note = field(body, 'note', required=not accept)
    instrument = contracts.instrument_of(tender, seq)
    contracts.review(
        tender,
        instrument,
        actor=g.api_user,
        accept=accept,
        note=note,
        now=clock.now(),
        ip=client_ip(),
    )
    return _answer(tender)


@bp.post(BASE + '/vendor-signature')
@bp.post(AMENDMENT + '/vendor-signature')
@api_auth('vendor')
def contract_vendor_signature(code, seq=None):
    """Body: the signed PDF (application/pdf, a self-held key), or JSON {"passphrase"} to sign
    on the server with the vendor's server-held key."""
    tender = _party(code, 'winner')
    instrument = contracts.instrument_of(tender, seq)
    if (request.content_length or 0) > contracts.MAX_SIGNED_PDF:
        abort(413)
    signed_pdf = passphrase = None
    if request.mimetype == 'application/pdf':
        signed_pdf = request.stream.read(contracts.MAX_SIGNED_PDF + 1)
        if len(signed_pdf) > contracts.MAX_SIGNED_PDF:
            abort(413)
    else:
        passphrase = field(json_body(), 'passphrase')
    try:
        contracts.vendor_sign(
            tender,
            instrument,
            actor=g.api_user,
            passphrase=passphrase,
            signed_pdf=signed_pdf,
            now=clock.now(),
            ip=client_ip(),
        )
    except enrolment.WrongSigningPassphrase:
        db.session.commit()  # the failure count and its audit event stand
        raise
    return _answer(tender)


@bp.post(BASE + '/ppk-signature')
@bp.post(AMENDMENT + '/ppk-signature')
@api_auth('ppk')
def contract_ppk_signature(code, seq=None):
    tender = _party(code, 'ppk')
    instrument = contracts.instrument_of(tender, seq)
    contracts.ppk_sign(tender, instrument, actor=g.api_user, now=clock.now(), ip=client_ip())
    return _answer(tender)


@bp.post(BASE + '/spmk')
@api_auth('ppk')
def contract_spmk(code):
    tender = _party(code, 'ppk')
    contracts.issue_spmk(tender, json_body(), actor=g.api_user, now=clock.now(), ip=client_ip())
    return _answer(tender, 201)


@bp.post(BASE + '/amendments')
@api_auth('ppk')
def contract_amend(code):
    tender = _party(code, 'ppk')
    contracts.draft_amendment(
        tender, json_body(), actor=g.api_user, now=clock.now(), ip=client_ip()
    )
    return _answer(tender, 201)


@bp.post(BASE + '/bast')
@api_auth('ppk')
def contract_bast(code):
    tender = _party(code, 'ppk')
    body = json_body() if request.content_length else {}
    contracts.hand_over(tender, body, actor=g.api_user, now=clock.now(), ip=client_ip())
    return _answer(tender, 201)


describe()
