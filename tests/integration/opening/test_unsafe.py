"""Hostile packages inside valid, properly signed envelopes: recorded as unsafe at opening
without anything being extracted, while the honest bid next to them opens."""

import io
import json
import os
import stat
import zipfile

import opening_helpers
import pytest
from sqlalchemy import select

from lpse import clock
from lpse.bids import sealing
from lpse.bids.models import EnvelopeKind
from lpse.extensions import db
from lpse.opening.models import OpenedBid
from lpse.vendors import verification

from .conftest import OTHER_KEY, THIRD_KEY, VENDOR_KEY, seal, submit, submit_sealed

PDF = b'%PDF-1.4\n%%EOF\n'


def _bid(tender, user, attachments):
    bid = sealing.bid_document(
        tender,
        verification.vendor_of(user),
        EnvelopeKind.single,
        prices={1: 1, 2: 1},
        tkdn='10',
        validity_days=60,
    )
    bid['attachments'] = attachments
    return json.dumps(bid).encode()


def _listing(name, data):
    import hashlib

    return [{'name': name, 'sha256': hashlib.sha256(data).hexdigest(), 'size': len(data)}]


def zip_bomb(tender, user):
    """20 MB of zeros deflated to a few KB, honestly listed in bid.json."""
    zeros = bytes(20 * 1024 * 1024)
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as zf:
        zf.writestr('bid.json', _bid(tender, user, _listing('gambar.pdf', zeros)))
        zf.writestr('gambar.pdf', zeros)
    return out.getvalue()


def parent_path(tender, user):
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as zf:
        zf.writestr('bid.json', _bid(tender, user, []))
        zf.writestr(zipfile.ZipInfo('../../lolos.pdf'), PDF)
    return out.getvalue()


def symlink(tender, user):
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w') as zf:
        zf.writestr('bid.json', _bid(tender, user, _listing('surat.pdf', b'/etc/passwd')))
        info = zipfile.ZipInfo('surat.pdf')
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, b'/etc/passwd')
    return out.getvalue()


@pytest.mark.parametrize(
    ('make', 'code'),
    [(zip_bomb, 'compression_ratio'), (parent_path, 'parent_path'), (symlink, 'symlink')],
)
def test_hostile_zips_are_recorded_unsafe_without_extracting(
    tmp_path, monkeypatch, app, tender, bidder, rival, members, make, code
):
    hostile = submit(
        tender, bidder, *seal(tender, bidder, VENDOR_KEY, package=make(tender, bidder))
    )
    honest = submit_sealed(tender, rival, OTHER_KEY)
    clock.set_now(tender.bid_deadline)
    work = tmp_path / 'cwd'
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv('TMPDIR', str(work))
    before = _files(app.config['LPSE_DATA_DIR'])
    opening_helpers.open_all(tender, members)
    rows = {r.bid_id: r for r in db.session.scalars(select(OpenedBid))}
    assert rows[hostile.id].result == 'not_openable'
    assert rows[hostile.id].reason == 'unsafe_zip'
    assert rows[hostile.id].reason_detail.startswith(code)
    assert rows[hostile.id].signature_valid is True
    assert rows[honest.id].result == 'opened'
    assert os.listdir(work) == []
    added = _files(app.config['LPSE_DATA_DIR']) - before
    assert all(len(p.name) == 64 for p in added), added  # only blobs (the minutes PDF)
    assert not any('lolos' in str(p) or 'passwd' in str(p) for p in _files(tmp_path))


def _files(root):
    from pathlib import Path

    return {p for p in Path(root).rglob('*') if p.is_file()}


def test_a_package_for_another_tender_is_malformed(tender, create_tender, bidder, third, members):
    other = create_tender('bid_submission')
    wrong = submit(
        tender, bidder, *seal(tender, bidder, VENDOR_KEY, package=_package_for(other, bidder))
    )
    fine = submit_sealed(tender, third, THIRD_KEY)
    clock.set_now(tender.bid_deadline)
    opening_helpers.open_all(tender, members)
    rows = {r.bid_id: r for r in db.session.scalars(select(OpenedBid))}
    assert (rows[wrong.id].result, rows[wrong.id].reason) == ('not_openable', 'package_malformed')
    assert rows[wrong.id].reason_detail.startswith('wrong_tender')
    assert rows[fine.id].result == 'opened'


def _package_for(tender, user):
    from .conftest import make_bid

    return make_bid(tender, user)
