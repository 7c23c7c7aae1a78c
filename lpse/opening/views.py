"""Opening pages: the ceremony (release a share, watch k of n arrive), the opened bids and
their attachments, the published key and envelopes, and the opening minutes."""

import io

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lpse import clock, storage
from lpse.auth.access import role_required
from lpse.bids import commitment
from lpse.bids.models import Bid
from lpse.documents import operations as documents
from lpse.errors import DomainError
from lpse.extensions import db, login_manager
from lpse.formflow import show_error
from lpse.opening import ceremony, labels, permissions, present, shares, state
from lpse.opening.forms import ReleaseForm
from lpse.opening.models import OpenedBid
from lpse.proxies import client_ip
from lpse.tenders.keys import key_of
from lpse.tenders.views import load_tender, viewer
from lpse.vendors import enrolment

bp = Blueprint('opening', __name__, url_prefix='/tenders/<code>/opening')


def panel(tender, user, now) -> dict:
    """What the tender page's opening panel shows (templates/opening/_tender_panel.html)."""
    member = tender.is_member(user)
    return {
        'state': present.opening_state(
            tender, user if member else None, now, full=permissions.is_overseer(tender, user)
        ),
        'member': member,
        'can_see_bids': permissions.can_see_bids(tender, user),
        'can_see_minutes': permissions.can_see_minutes(tender, user),
        'can_download_key': permissions.can_download_key(tender, user),
        'ceremonies': state.ceremonies_of(tender),
        'KIND_LABELS': labels.KIND_LABELS,
    }


@bp.app_context_processor
def _panel_helper():
    return {'opening_panel': panel}


def _opening_job(tender):
    """The opening job of the pending ceremony while it waits or runs (the page shows its
    progress and refreshes itself), else None."""
    kind = state.pending_kind(tender)
    job = ceremony.opening_job(state.ceremony_of(tender, kind)) if kind else None
    return job if job is not None and not job.finished else None


def _page(tender, now, *, form=None, status=200):
    user = viewer()
    return (
        render_template(
            'opening/index.html',
            tender=tender,
            now=now,
            opening_job=_opening_job(tender),
            form=form or ReleaseForm(),
            server_held=tender.is_member(user) and shares.server_held(tender, user),
            second_factor=_authenticated(user) and shares.needs_second_factor(user),
            rows=present.opened_rows(tender) if permissions.can_see_bids(tender, user) else [],
            can_read=permissions.can_read_bid(tender, user),
            labels=labels,
            **panel(tender, user, now),
        ),
        status,
    )


def _authenticated(user) -> bool:
    return user is not None and getattr(user, 'is_authenticated', False)


@bp.get('')
def index(code):
    """The ceremony: state for everyone; the release form for members; results for those
    who may see them."""
    tender = load_tender(code)
    return _page(tender, clock.now())


@bp.post('/release')
@role_required('pokja')
def release(code):
    """A member with a server-held key: the signing passphrase (and TOTP) release the share."""
    tender = load_tender(code)
    now = clock.now()
    form = ReleaseForm()
    kind = permissions.require_release(tender, current_user, now)
    if not form.validate():
        return _page(tender, now, form=form, status=422)
    commitment.commit_bid_set(tender, now=now)  # the first write that needs it
    try:
        shares.release_with_passphrase(
            tender,
            current_user,
            form.passphrase.data,
            form.totp.data or None,
            now=now,
            ip=client_ip(),
        )
    except (
        shares.ShareRefused,
        shares.WrongSecondFactor,
        enrolment.WrongSigningPassphrase,
    ) as exc:
        db.session.commit()  # the refusal's audit event and failure count stand
        target = form.totp if isinstance(exc, shares.WrongSecondFactor) else form.passphrase
        target.errors = [exc.message]
        return _page(tender, now, form=form, status=exc.status)
    except DomainError as exc:
        return _page(tender, now, form=form, status=show_error(form, exc))
    db.session.commit()
    # The ceremony released into, not the one pending now: File I's k-th share opens File I
    # and leaves File II pending, without a ceremony yet.
    released = state.ceremony_of(tender, kind)
    if released.opened_at is not None:
        flash(_('Bagian kunci diterima. Penawaran telah dibuka.'), 'info')
    elif ceremony.opening_job(released) is not None:
        flash(_('Bagian kunci diterima dan sudah lengkap. Penawaran sedang dibuka.'), 'info')
    else:
        flash(_('Bagian kunci Anda diterima. Menunggu anggota Pokja lainnya.'), 'info')
    return redirect(url_for('opening.index', code=tender.code))


def _opened_bid(tender, bid_id) -> OpenedBid:
    row = db.session.scalar(db.select(OpenedBid).where(OpenedBid.bid_id == bid_id))
    if row is None or row.tender_id != tender.id:
        abort(404)
    return row


def _require(predicate):
    if not predicate:
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        abort(403)
    return None


@bp.get('/bids/<int:bid_id>')
def bid(code, bid_id):
    """One opened bid: price lines, TKDN, validity, attachments (the Pokja, PPK, auditors)."""
    tender = load_tender(code)
    denied = _require(permissions.can_read_bid(tender, viewer()))
    if denied is not None:
        return denied
    row = _opened_bid(tender, bid_id)
    return render_template(
        'opening/bid.html',
        tender=tender,
        row=row,
        entry=present.bid_entry(row),
        labels=labels,
        can_download_key=permissions.can_download_key(tender, viewer()),
    )


@bp.get('/bids/<int:bid_id>/files/<name>')
def attachment(code, bid_id, name):
    """An attached file of an opened bid, read again from its envelope's own content key."""
    tender = load_tender(code)
    denied = _require(permissions.can_read_bid(tender, viewer()))
    if denied is not None:
        return denied
    row = _opened_bid(tender, bid_id)
    package = ceremony.opened_package(row, want=name)
    if package is None or name not in {a.name for a in package.attachments}:
        abort(404)
    data = package.attachment(name).data
    permissions.record_read('bid_attachment', tender, row.bid, viewer(), ip=client_ip(), name=name)
    response = send_file(
        io.BytesIO(data),
        mimetype='application/octet-stream',
        as_attachment=True,
        download_name=name,
    )
    response.headers['Content-Security-Policy'] = 'sandbox'
    return response


@bp.get('/bids/<int:bid_id>/envelope.p7m')
def envelope(code, bid_id):
    """The sealed envelope as received, once the tender key is published."""
    tender = load_tender(code)
    if not permissions.key_published(tender):
        abort(404)
    denied = _require(permissions.can_download_key(tender, viewer()))
    if denied is not None:
        return denied
    bid = db.session.get(Bid, bid_id)
    if bid is None or bid.tender_id != tender.id:
        abort(404)
    blob = storage.blob_store().open(bid.sha256)
    permissions.record_read('bid_envelope', tender, bid, viewer(), ip=client_ip())
    return send_file(
        blob,
        mimetype='application/pkcs7-mime',
        as_attachment=True,
        download_name=f'{tender.code}-v{tender.version}-{bid.receipt_number}.p7m',
    )


@bp.get('/key.pem')
def key(code):
    """The tender private key, published at opening (PKCS#8 PEM, unencrypted)."""
    tender = load_tender(code)
    if not permissions.key_published(tender):
        abort(404)
    denied = _require(permissions.can_download_key(tender, viewer()))
    if denied is not None:
        return denied
    pem = key_of(tender).published_key_pem.encode()
    permissions.record_read('tender_key', tender, tender, viewer(), ip=client_ip())
    return send_file(
        io.BytesIO(pem),
        mimetype='application/x-pem-file',
        as_attachment=True,
        download_name=f'{tender.code}-v{tender.version}-tender.key',
    )


@bp.get('/minutes/<kind>.pdf')
def minutes(code, kind):
    """BA Pembukaan Penawaran: the Pokja, PPK, auditors and the tender's bidders."""
    tender = load_tender(code)
    row = state.ceremony_of(tender, kind)
    if row is None or row.minutes_document_id is None:
        abort(404)
    denied = _require(permissions.can_see_minutes(tender, viewer()))
    if denied is not None:
        return denied
    document = documents.find_document(row.minutes_document_id)
    response = send_file(
        documents.open_document(document),
        mimetype='application/pdf',
        as_attachment=True,
        download_name=f'BA-pembukaan-{tender.code}-v{tender.version}-{kind}.pdf',
        etag=document.sha256,
    )
    response.headers['X-Content-Type-Options'] = 'nosniff'
    return response
