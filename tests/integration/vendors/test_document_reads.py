"""Reading a vendor's supporting document is an audit event (issue 14.5); a refused one is not."""

from sqlalchemy import select

from lpse.audit import AuditEvent
from lpse.extensions import db
from lpse.vendors.models import VendorDocument


def test_a_document_read_is_logged_with_reader_ip_and_document(
    client, as_user, create_vendor, make_user
):
    vendor = create_vendor()
    doc = db.session.scalars(
        select(VendorDocument).where(VendorDocument.vendor_id == vendor.id)
    ).first()
    url = f'/vendors/{vendor.id}/documents/{doc.id}'
    stranger = make_user('penyedia.lain@contoh.co.id', 'vendor', with_agency=False)
    as_user(stranger)
    assert client.get(url).status_code == 404
    auditor = make_user('auditor.dok@bpkp.go.id', 'auditor', with_agency=False)
    as_user(auditor)
    response = client.get(url)
    assert response.status_code == 200 and response.data.startswith(b'%PDF')
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == 'read.vendor_document')
    ).all()
    assert len(events) == 1
    event = events[0]
    assert (event.actor_id, event.actor_ip) == (auditor.id, '127.0.0.1')
    assert (event.object_type, event.object_id) == ('vendor_document', str(doc.id))
    assert doc.sha256 in event.payload
