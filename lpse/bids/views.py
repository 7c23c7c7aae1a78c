"""Bid pages: the bid form (sealed on the server), uploading an envelope sealed elsewhere,
withdrawing, receipts; the tender certificate and the bid-set commitment (public)."""

import io
import json

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import OperationalError

from lpse import clock
from lpse.auth.access import role_required
from lpse.bids import (
    commitment,
    kept_files,
    permissions,
    receipts_service,
    sealing,
    submission,
)
from lpse.bids.errors import EnvelopeRejected, ServerBusy
from lpse.bids.forms import BidForm, UploadForm, WithdrawForm, parse_amount, tkdn_text
from lpse.bids.models import Bid, EnvelopeKind, kinds_for
from lpse.errors import DomainError, ValidationFailed
from lpse.extensions import db
from lpse.formflow import show_error
from lpse.proxies import client_ip
from lpse.tenders import keys
from lpse.tenders.views import load_tender, viewer
from lpse.vendors import enrolment, verification
from lpse.web import json_error

bp = Blueprint('bids', __name__, url_prefix='/tenders/<code>')


def panel(tender, now) -> dict:
    """The tender page's sealed-bid part: the tender certificate, the entry to the bid form for
    vendors who may bid, and the signed bid-set commitment once the deadline job made it."""
    return {
        'tender_key': keys.key_of(tender),
        'can_bid': permissions.can_submit(tender, viewer(), now),
        'commitment': commitment.commitment_of(tender),
    }


def bids_of_vendor(vendor):
    """The vendor's own bids with their receipts (its dashboard lists them)."""
    if vendor is None:
        return []
    return db.session.scalars(
        db.select(Bid).where(Bid.vendor_id == vendor.id).order_by(Bid.id.desc())
    ).all()


@bp.app_context_processor
def _panel_helper():
    return {'bid_panel': panel, 'bids_of_vendor': bids_of_vendor}


def _page(tender, now, *, form=None, upload_form=None, status=200):
    user = current_user
    vendor = verification.vendor_of(user)
    kinds = kinds_for(tender)
    problem = permissions.submission_problem(tender, user, now)
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
            kept={
                name: kept_files.listed(session.get(_kept_key(tender)), name)
                for name in kept_files.FIELDS
            },
            prices=request.form if request.method == 'POST' else {},
        ),
        status,
    )


def _server_held(user, now):
    cert = permissions.signing_certificate(user, now)
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
    """The bid form: the server builds, signs and seals the bid in memory, then submits it —
    one envelope, or File I and File II of a two-file tender together (two receipts)."""
    tender = load_tender(code)
    now = clock.now()
    form = BidForm().setup(kinds_for(tender))
    if not form.is_submitted():
        return _page(tender, now, form=form)
    vendor = permissions.require_submission(tender, current_user, now)
    if not form.validate():
        if any(_uploaded_names(form)):
            flash(_('Perbaiki isian yang ditandai, lalu pilih kembali lampiran Anda.'), 'error')
        return _page(tender, now, form=form, status=422)
    # New files replace those kept from a refused try; without new ones the kept ones go.
    kept = session.get(_kept_key(tender))
    files = {
        name: _uploaded(getattr(form, name)) or kept_files.restore(kept, name)
        for name in kept_files.FIELDS
    }
    try:
        kinds = [submission.resolve_kind(tender, k.value) for k in form.kinds]
        prices = _prices(tender) if any(k != EnvelopeKind.technical for k in kinds) else {}
        tkdn = tkdn_text(form.tkdn.data)
        items = []
        for kind in kinds:
            bid = sealing.bid_document(
                tender,
                vendor,
                kind,
                prices=prices,
                tkdn=tkdn,
                validity_days=form.validity_days.data,
            )
            field = 'price_attachments' if kind == EnvelopeKind.price else 'attachments'
            items.append((bid, files[field]))
        sealed = sealing.seal_bids(
            tender,
            current_user,
            vendor,
            items,
            passphrase=form.passphrase.data,
            now=now,
            ip=client_ip(),
        )
        del items, bid
        # The unlock (`key.unlocked`, throttle reset) stands whatever becomes of the upload,
        # and the upload lock is taken in a transaction of its own: commit it now.
        db.session.commit()
    except enrolment.WrongSigningPassphrase as exc:
        db.session.commit()  # the failure count and `key.unlock_failed` stand
        _keep_files(tender, files)
        form.passphrase.errors = [exc.message]
        return _page(tender, now, form=form, status=exc.status)
    except DomainError as exc:
        # Nothing is stored for a form that does not fit; the page says the files must be
        # chosen again (never dropped silently).
        if any(_uploaded_names(form)):
            flash(_('Perbaiki isian yang ditandai, lalu pilih kembali lampiran Anda.'), 'error')
        return _page(tender, now, form=form, status=show_error(form, exc))
    del files
    session.pop(_kept_key(tender), None)
    envelopes = [(s.envelope, s.signature, k.value) for s, k in zip(sealed, kinds, strict=True)]
    received = _receive(tender, vendor, envelopes, now, form)
    if not isinstance(received, list):
        return received
    numbers = ', '.join(r.bid.receipt_number for r in received)
    flash(_('Penawaran terkirim. Nomor tanda terima %(n)s.', n=numbers), 'info')
    response = redirect(url_for('bids.submit', code=tender.code))
    # The PDF receipts, listing the attachments (in memory only now), once the answer is sent.
    fresh = [(r.bid.id, s.files) for r, s in zip(received, sealed, strict=True) if r.created]
    return receipts_service.issue_after_response(
        response, [i for i, _f in fresh], files=[f for _i, f in fresh]
    )


def _kept_key(tender) -> str:
    return f'kept_bid_files:{tender.id}'


def _uploaded(field) -> list[tuple[str, bytes]]:
    return [(f.filename, f.read()) for f in field.data or [] if f and f.filename]


def _uploaded_names(form):
    return [
        f.filename
        for name in kept_files.FIELDS
        for f in getattr(form, name).data or []
        if f and f.filename
    ]


def _keep_files(tender, files):
    """Keep the attachments of a refused form (encrypted; the key in this session only), so
    the vendor need not choose them again: the page lists them (lpse/bids/kept_files.py)."""
    if any(files.values()):
        session[_kept_key(tender)] = kept_files.keep(files)


@bp.post('/bid/passphrase')
@role_required('vendor')
def check_passphrase(code):
    """The bid form's check of the signing passphrase before its upload (bid-form.js):
    `{"ok": true}`, or the refusal as `{"error": …}` with its status. Counted and throttled
    like a signing: a wrong passphrase here is a failure of the same key."""
    tender = load_tender(code)
    now = clock.now()
    try:
        permissions.require_submission(tender, current_user, now)
        enrolment.unlock_signing_key(
            current_user, request.form.get('passphrase', ''), now=now, ip=client_ip()
        )
    except DomainError as exc:
        db.session.commit()  # a wrong passphrase's failure count and audit event stand
        return json_error(exc.status, exc.code, exc.message)
    db.session.commit()
    return jsonify({'ok': True})


def _receive(tender, vendor, envelopes, now, form):
    """Receive (stream, signature, kind) envelopes together under the vendor's upload lock."""
    try:
        with submission.upload_lock(tender, vendor, now=now) as lock:
            uploads = [
                submission.Upload(
                    io.BytesIO(data) if isinstance(data, bytes) else data,
                    signature,
                    kind,
                    len(data) if isinstance(data, bytes) else request.content_length,
                    client_ip(),
                    request.user_agent.string,
                )
                for data, signature, kind in envelopes
            ]
            return submission.receive_many(
                tender, current_user, vendor, uploads, now=now, lock=lock
            )
    except DomainError as exc:
        return _page(tender, now, form=form, status=show_error(form, exc))


@bp.post('/bid/upload')
@role_required('vendor')
def upload(code):
    """An envelope sealed elsewhere, with its detached submission signature."""
    tender = load_tender(code)
    now = clock.now()
    vendor = permissions.require_submission(tender, current_user, now)
    form = UploadForm().setup(kinds_for(tender))
    if not form.validate():
        return _page(tender, now, upload_form=form, status=422)
    try:
        signature = submission.decode_signature(form.signature.data.read(64 * 1024 + 1))
    except EnvelopeRejected as exc:
        return _page(tender, now, upload_form=form, status=show_error(form, exc))
    received = _receive(
        tender, vendor, [(form.envelope.data.stream, signature, form.kind.data)], now, form
    )
    if not isinstance(received, list):
        return received
    flash(
        _('Penawaran terkirim. Nomor tanda terima %(n)s.', n=received[0].bid.receipt_number),
        'info',
    )
    return redirect(url_for('bids.submit', code=tender.code))


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
    submission.withdraw(tender, current_user, vendor, kind=form.kind.data, now=now, ip=client_ip())
    db.session.commit()
    flash(_('Penawaran ditarik.'), 'info')
    return redirect(url_for('bids.submit', code=tender.code))


def _own_bid(tender, bid_id) -> Bid:
    """The caller's bid, else 404: another vendor's bid answers as a missing one, so that
    no one counts a tender's envelopes before the opening."""
    bid = db.session.get(Bid, bid_id)
    if bid is None or bid.tender_id != tender.id or bid.vendor.user_id != current_user.id:
        abort(404)
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
    """The PDF receipt: issued on its first download (stored and signed then, served as stored
    ever after), so that no submission waits for a PDF to be rendered."""
    bid = _own_bid(load_tender(code), bid_id)
    try:
        document = receipts_service.ensure_receipt_pdf(bid)
    except OperationalError:  # SQLite busy past its wait: try again, nothing was kept
        db.session.rollback()
        raise ServerBusy(_('Server sedang sibuk. Coba unduh lagi sebentar lagi.')) from None
    return redirect(url_for('documents.download', document_id=document.id))


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
    """The signed bid-set commitment once the deadline job has made it (404 before)."""
    tender = load_tender(code)
    row = commitment.commitment_of(tender)
    if row is None:
        abort(404)
    return Response(json.dumps(json.loads(row.document), indent=2), mimetype='application/json')
