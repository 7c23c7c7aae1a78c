"""Bid pages: the bid form (sealed on the server), uploading an envelope sealed elsewhere,
withdrawing, receipts; the tender certificate and the bid-set commitment (public)."""

import io
import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from lpse import clock
from lpse.auth.access import role_required
from lpse.bids import commitment, keys, receipts_service, sealing, submission
from lpse.bids.errors import EnvelopeRejected
from lpse.bids.forms import BidForm, UploadForm, WithdrawForm, parse_amount
from lpse.bids.models import Bid, EnvelopeKind, kinds_for
from lpse.errors import DomainError, ValidationFailed
from lpse.extensions import db
from lpse.formflow import show_error
from lpse.tenders.views import load_tender
from lpse.vendors import enrolment, verification

bp = Blueprint('bids', __name__, url_prefix='/tenders/<code>')


def _page(tender, now, *, form=None, upload_form=None, status=200):
    user = current_user
    vendor = verification.vendor_of(user)
    kinds = kinds_for(tender)
    problem = submission.submission_problem(tender, user, now)
    return (
        render_template(
            'bids/form.html',
            tender=tender,
            now=now,
            vendor=vendor,
            problem=problem.message if problem else None,
            bids=submission.bids_of(tender, vendor) if vendor else [],
            form=form or BidForm().setup(kinds),
            upload_form=upload_form or UploadForm().setup(kinds),
            withdraw_form=WithdrawForm().setup(kinds),
            server_held=_server_held(user, now),
            prices=request.form if request.method == 'POST' else {},
        ),
        status,
    )


def _server_held(user, now):
    cert = submission.signing_certificate(user, now)
    return cert is not None and cert.custody == 'server'


def _prices(tender):
    prices, bad = {}, []
    for item in tender.boq_items:
        try:
            prices[item.position] = parse_amount(request.form.get(f'price-{item.position}'))
        except ValueError:
            bad.append(str(item.position))
    if bad:
        raise ValidationFailed(
            _('Harga satuan tidak valid pada item %(items)s.', items=', '.join(bad)), field='form'
        )
    return prices


@bp.route('/bid', methods=['GET', 'POST'])
@role_required('vendor')
def submit(code):
    """The bid form: the server builds, signs and seals the bid in memory, then submits it."""
    tender = load_tender(code)
    now = clock.now()
    form = BidForm().setup(kinds_for(tender))
    if not form.is_submitted():
        return _page(tender, now, form=form)
    vendor = submission.require_submission(tender, current_user, now)
    if not form.validate():
        return _page(tender, now, form=form, status=422)
    try:
        kind = submission.resolve_kind(tender, form.kind.data)
        prices = _prices(tender) if kind != EnvelopeKind.technical else {}
        tkdn = form.tkdn.data.strip().replace(',', '.') if form.tkdn.data else None
        bid = sealing.bid_document(
            tender, vendor, kind, prices=prices, tkdn=tkdn, validity_days=form.validity_days.data
        )
        files = [(f.filename, f.read()) for f in form.attachments.data or [] if f and f.filename]
        sealed = sealing.seal_for_vendor(
            tender,
            current_user,
            vendor,
            bid,
            files,
            passphrase=form.passphrase.data,
            now=now,
            ip=request.remote_addr,
        )
        del files, bid
    except enrolment.WrongSigningPassphrase as exc:
        db.session.commit()  # the failure count and `key.unlock_failed` stand
        form.passphrase.errors = [exc.message]
        return _page(tender, now, form=form, status=exc.status)
    except DomainError as exc:
        return _page(tender, now, form=form, status=show_error(form, exc))
    received = _receive(tender, vendor, sealed.envelope, sealed.signature, kind.value, now, form)
    if not isinstance(received, submission.Received):
        return received
    receipts_service.issue_after_commit(received.bid, files=sealed.files)
    flash(_('Penawaran terkirim. Nomor tanda terima %(n)s.', n=received.bid.receipt_number), 'info')
    return redirect(url_for('bids.submit', code=tender.code, receipt=received.bid.id))


def _receive(tender, vendor, data, signature, kind, now, form):
    token = submission.begin_upload(tender, vendor, now=now)
    try:
        upload = submission.Upload(
            io.BytesIO(data) if isinstance(data, bytes) else data,
            signature,
            kind,
            len(data) if isinstance(data, bytes) else request.content_length,
            request.remote_addr,
            request.user_agent.string,
        )
        received = submission.receive(tender, current_user, vendor, upload, now=now)
        db.session.commit()
        return received
    except DomainError as exc:
        return _page(tender, now, form=form, status=show_error(form, exc))
    finally:
        submission.end_upload(tender.id, vendor.id, token)


@bp.post('/bid/upload')
@role_required('vendor')
def upload(code):
    """An envelope sealed elsewhere, with its detached submission signature."""
    tender = load_tender(code)
    now = clock.now()
    vendor = submission.require_submission(tender, current_user, now)
    form = UploadForm().setup(kinds_for(tender))
    if not form.validate():
        return _page(tender, now, upload_form=form, status=422)
    try:
        signature = submission.decode_signature(form.signature.data.read(64 * 1024 + 1))
    except EnvelopeRejected as exc:
        return _page(tender, now, upload_form=form, status=show_error(form, exc))
    received = _receive(
        tender, vendor, form.envelope.data.stream, signature, form.kind.data, now, form
    )
    if not isinstance(received, submission.Received):
        return received
    receipts_service.issue_after_commit(received.bid)
    flash(_('Penawaran terkirim. Nomor tanda terima %(n)s.', n=received.bid.receipt_number), 'info')
    return redirect(url_for('bids.submit', code=tender.code, receipt=received.bid.id))


@bp.post('/bid/withdraw')
@role_required('vendor')
def withdraw(code):
    tender = load_tender(code)
    now = clock.now()
    vendor = verification.vendor_of(current_user)
    if vendor is None:
        abort(403)
    form = WithdrawForm().setup(kinds_for(tender))
    if not form.validate():
        return _page(tender, now, status=422)
    submission.withdraw(
        tender, current_user, vendor, kind=form.kind.data, now=now, ip=request.remote_addr
    )
    db.session.commit()
    flash(_('Penawaran ditarik.'), 'info')
    return redirect(url_for('bids.submit', code=tender.code))


def _own_bid(tender, bid_id) -> Bid:
    bid = db.session.get(Bid, bid_id)
    if bid is None or bid.tender_id != tender.id:
        abort(404)
    if bid.vendor.user_id != current_user.id:
        abort(403)
    return bid


@bp.get('/bid/<int:bid_id>/receipt.json')
@role_required('vendor')
def receipt_json(code, bid_id):
    bid = _own_bid(load_tender(code), bid_id)
    return Response(
        bid.receipt_json,
        mimetype='application/json',
        headers={'Content-Disposition': f'attachment; filename="{bid.receipt_number}.json"'},
    )


@bp.get('/bid/<int:bid_id>/receipt.pdf')
@role_required('vendor')
def receipt_pdf(code, bid_id):
    """The PDF receipt (issued now if the issuing after the commit had failed)."""
    bid = _own_bid(load_tender(code), bid_id)
    if bid.receipt_document_id is None:
        receipts_service.issue_receipt_pdf(bid, now=clock.now())
        db.session.commit()
    return redirect(url_for('documents.download', document_id=bid.receipt_document_id))


@bp.get('/certificate.pem')
def certificate(code):
    """The tender certificate every envelope is encrypted to (public)."""
    tender = load_tender(code)
    row = keys.require_key(tender)
    return send_file(
        io.BytesIO(row.certificate_pem.encode()),
        mimetype='application/x-pem-file',
        as_attachment=True,
        download_name=f'{tender.code}-v{tender.version}-tender.pem',
    )


@bp.get('/commitment.json')
def commitment_json(code):
    """The signed bid-set commitment, from the deadline on (404 before: nothing to reveal)."""
    tender = load_tender(code)
    row = commitment.ensure_commitment(tender, now=clock.now())
    if row is None:
        abort(404)
    return Response(json.dumps(json.loads(row.document), indent=2), mimetype='application/json')
