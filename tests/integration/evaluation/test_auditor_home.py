"""The auditor's home page (issue 14.7): a tender with an unanswered objection is listed until
the Pokja answers; the last reconciliation's drift is shown to whole-log readers only. And an
objection's attachment, read, is an audit event on the tender's trail (issue 14.5)."""

import io

from sqlalchemy import select
from tenders.factories import PDF, login

from lpse import clock, statelog
from lpse.audit import AuditEvent
from lpse.auth import scope
from lpse.evaluation import objections
from lpse.extensions import db

from .sanggah_fixtures import LOSER, WINNER, vendor_user


def _home(client, user):
    client.post('/auth/logout')
    assert login(client, user.email).status_code == 302
    response = client.get('/audit/home')
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_open_objections_are_listed_until_answered(client, announced, cast, pokja, other_agency):
    tender, bids, _row = announced
    auditor = cast['auditor']
    assert tender.code not in _home(client, auditor)
    filed = objections.file_objection(
        tender,
        actor=vendor_user(bids[LOSER]),
        grounds='Penawaran kami dinilai gugur teknis tanpa dasar.',
        now=clock.now(),
    )
    db.session.commit()
    html = _home(client, auditor)
    section = html.split('id="objections-h"')[1].split('</section>')[0]
    assert tender.code in section and '1 sanggah' in section
    # an inspectorate of another agency does not see it
    scope.set_scope(
        auditor, national=False, agency_ids=[other_agency.id], actor=None, now=clock.now(), ip=None
    )
    db.session.commit()
    assert tender.code not in _home(client, auditor)
    scope.set_scope(auditor, national=True, actor=None, now=clock.now(), ip=None)
    db.session.commit()
    objections.answer_objection(
        filed, actor=pokja[0], accepted=False, answer='Sudah sesuai dokumen.', now=clock.now()
    )
    db.session.commit()
    section = _home(client, auditor).split('id="objections-h"')[1].split('</section>')[0]
    assert tender.code not in section


def test_reconciliation_drift_is_shown_to_national_readers(client, cast, other_agency):
    now = clock.now()
    never = _home(client, cast['admin'])  # no run yet: it says so, not "no differences"
    assert 'Rekonsiliasi belum pernah dijalankan.' in never and 'tidak menemukan' not in never
    for status, count in (('agree', 0), ('differ', 3)):
        db.session.add(
            statelog.ReconcileRun(
                started_at=now,
                finished_at=now,
                status=status,
                tables_done=1,
                tables_total=1,
                difference_count=count,
                result='[]',
            )
        )
    db.session.commit()
    html = _home(client, cast['auditor'])
    assert '3 perbedaan' in html and '/audit/reconcile' in html
    scope.set_scope(
        cast['auditor'],
        national=False,
        agency_ids=[other_agency.id],
        actor=None,
        now=now,
        ip=None,
    )
    db.session.commit()
    assert '3 perbedaan' not in _home(client, cast['auditor'])
    # a later run that agrees: no drift any more
    db.session.add(
        statelog.ReconcileRun(
            started_at=now, finished_at=now, status='agree', tables_done=1, tables_total=1
        )
    )
    db.session.commit()
    latest = _home(client, cast['admin'])
    assert '3 perbedaan' not in latest and 'tidak menemukan perbedaan' in latest


def test_an_objection_attachment_read_is_logged(client, announced, cast):
    tender, bids, _row = announced
    filed = objections.file_objection(
        tender,
        actor=vendor_user(bids[LOSER]),
        grounds='Keberatan atas hasil teknis.',
        attachments=[(io.BytesIO(PDF), 'bukti.pdf')],
        now=clock.now(),
    )
    db.session.commit()
    url = f'/tenders/{tender.code}/objections/{filed.id}/attachments/{filed.attachments[0].id}'
    client.post('/auth/logout')
    assert login(client, vendor_user(bids[WINNER]).email).status_code == 302
    assert client.get(url).status_code == 403  # another bidder: refused, nothing logged
    client.post('/auth/logout')
    assert login(client, cast['auditor'].email).status_code == 302
    assert client.get(url).status_code == 200
    events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.startswith('read.'))
    ).all()
    assert [(e.action, e.actor_id, e.object_type) for e in events] == [
        ('read.objection_attachment', cast['auditor'].id, 'objection')
    ]
    trail = client.get(f'/audit/tenders/{tender.code}').get_data(as_text=True)
    assert 'read.objection_attachment' in trail


def test_a_scoped_auditor_sees_its_assignment_and_no_link_it_may_not_follow(
    client, announced, cast, other_agency
):
    tender, _bids, _row = announced
    auditor = cast['auditor']
    scope.set_scope(
        auditor, national=False, tender_codes=[tender.code], actor=None, now=clock.now(), ip=None
    )
    db.session.commit()
    section = _home(client, auditor).split('id="assigned-h"')[1].split('</section>')[0]
    assert f'/tenders/{tender.code}"' in section and f'/audit/tenders/{tender.code}"' in section
    assert f'/audit/flags/tender/{tender.code}"' in section
    flags = f'/audit/flags/tender/{tender.code}"'
    assert flags in client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    page = client.get(f'/audit/flags/tender/{tender.code}').get_data(as_text=True)
    assert '/audit/flags/agency/' not in page  # its agency is not in the assignment
    index = client.get('/audit/flags/').get_data(as_text=True)
    assert flags in index and '>Instansi</h2>' not in index
    # assigned another agency only: the tender page offers no link that would be refused
    scope.set_scope(
        auditor, national=False, agency_ids=[other_agency.id], actor=None, now=clock.now(), ip=None
    )
    db.session.commit()
    assert flags not in client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert other_agency.name in _home(client, auditor).split('id="assigned-h"')[1]
