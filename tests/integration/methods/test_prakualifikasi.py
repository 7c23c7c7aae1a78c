"""Prakualifikasi (issue 18.1), through the operations: the signed (never encrypted) form, the
Pokja's verdicts and scores, the approvals that announce the shortlist (BA and announcement
issued, the audit log naming the shortlist), the gate that keeps everyone else out, the
objection that withdraws a result, and every refusal writing nothing."""

import io
import json
from datetime import timedelta

import pki_helpers
import pytest
from evaluation.test_award import pdf_text
from pyhanko.pdf_utils.reader import PdfFileReader
from sqlalchemy import func, select

from lpse import clock, storage
from lpse.audit import AuditEvent
from lpse.errors import Conflict, InvalidTransition, NotAllowed, ValidationFailed
from lpse.extensions import db
from lpse.tenders import schedule as tender_schedule
from lpse.tenders.prequalification import operations as prequalification
from lpse.tenders.prequalification import shortlist as shortlists
from lpse.tenders.prequalification.models import QualificationSubmission
from lpse.tenders.stages import Stage, Window
from lpse.vendors.verification import vendor_of

from .prequal_helpers import ANSWERS, at, evaluate, firm, send, shortlist


@pytest.fixture
def firms(person):
    return [firm(person, n) for n in range(1, 6)]


def events(prefix='qualification.'):
    return db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like(f'{prefix}%')).order_by(AuditEvent.seq)
    ).all()


def stored(sha):
    with storage.blob_store().open(sha) as fh:
        return fh.read()


def test_the_method_has_the_prequalification_stages(konstruksi, seleksi):
    assert konstruksi.method.key == 'tender_prakualifikasi'
    assert seleksi.method.key == 'seleksi_prakualifikasi' and seleksi.method.negotiates
    for tender in (konstruksi, seleksi):
        stages = list(tender.method.stages)
        assert stages.index(Stage.qualification_objection) < stages.index(Stage.download)
        assert set(tender.schedule) == set(stages)


def test_tender_cepat_knows_no_prakualifikasi(create_tender, cast):
    from lpse.tenders import operations

    draft = create_tender('draft')
    with pytest.raises(ValidationFailed) as refused:
        operations.update_draft(
            draft,
            data={'selection_method': 'tender_cepat', 'qualification_method': 'prakualifikasi'},
            actor=cast['pokja'],
            now=clock.now(),
        )
    assert refused.value.field == 'qualification_method'


def test_a_firm_sends_a_signed_form_never_encrypted(konstruksi, firms):
    row = send(konstruksi, firms[0])
    assert row.is_submitted and row.document is not None
    signed = stored(row.document.blob_sha256)
    # Two PAdES signatures: the firm's, then the system's receipt; the text is readable.
    reader = PdfFileReader(io.BytesIO(signed))
    assert len(reader.embedded_signatures) == 2
    assert signed[:5] == b'%PDF-'
    (event,) = events('qualification.submitted')
    data = json.loads(event.payload)
    assert data['sha256'] == row.document.sha256 and data['via'] == 'server'
    # Sent: signing again without a new form is refused; a new form, once signed and sent,
    # replaces the one sent (a draft alone changes nothing).
    with pytest.raises(Conflict):
        prequalification.submit(
            konstruksi, actor=firms[0], now=clock.now(), passphrase=pki_helpers.SIGNING_PASSPHRASE
        )
    first = row.document_id
    changed = {**ANSWERS, 'pengalaman': 'Jalan provinsi 2025'}
    prequalification.prepare(konstruksi, changed, actor=firms[0], now=clock.now())
    assert row.document_id == first and row.answers['pengalaman'] == ANSWERS['pengalaman']
    prequalification.submit(
        konstruksi, actor=firms[0], now=clock.now(), passphrase=pki_helpers.SIGNING_PASSPHRASE
    )
    db.session.commit()
    assert row.document_id != first and row.answers['pengalaman'] == 'Jalan provinsi 2025'
    assert json.loads(events('qualification.submitted')[-1].payload)['replaces'] == first
    # A wrong passphrase is refused and writes no submission.
    now = at(konstruksi, Stage.qualification_submission)
    prequalification.prepare(konstruksi, ANSWERS, actor=firms[1], now=now)
    db.session.commit()
    from lpse.vendors.enrolment import WrongSigningPassphrase

    with pytest.raises(WrongSigningPassphrase):
        prequalification.submit(konstruksi, actor=firms[1], now=now, passphrase='salah')
    db.session.rollback()
    assert not prequalification.submission_of(konstruksi, vendor_of(firms[1])).is_submitted


def test_the_form_is_checked_and_the_window_kept(konstruksi, firms):
    now = at(konstruksi, Stage.qualification_submission)
    with pytest.raises(ValidationFailed) as missing:
        prequalification.prepare(
            konstruksi, {**ANSWERS, 'pengalaman': ' '}, actor=firms[0], now=now
        )
    assert missing.value.field == 'pengalaman'
    with pytest.raises(ValidationFailed) as undeclared:
        prequalification.prepare(
            konstruksi, {**ANSWERS, 'pernyataan': False}, actor=firms[0], now=now
        )
    assert undeclared.value.field == 'pernyataan'
    with pytest.raises(ValidationFailed):
        prequalification.prepare(konstruksi, ['not', 'a', 'dict'], actor=firms[0], now=now)
    late = konstruksi.schedule[Stage.qualification_submission].end
    with pytest.raises(InvalidTransition) as closed:
        prequalification.prepare(konstruksi, ANSWERS, actor=firms[0], now=late)
    assert 'berakhir' in str(closed.value.message)
    assert db.session.scalar(select(func.count(QualificationSubmission.id))) == 0


def test_the_pokja_evaluates_every_requirement_with_reasons(konstruksi, firms, pokja):
    row = send(konstruksi, firms[0])
    now = at(konstruksi, Stage.qualification_evaluation)
    with pytest.raises(NotAllowed):
        prequalification.record_verdicts(konstruksi, row.id, {}, actor=firms[1], now=now)
    with pytest.raises(ValidationFailed):
        prequalification.record_verdicts(
            konstruksi, row.id, {'requirements': {'sbu': {'passed': True}}}, actor=pokja[0], now=now
        )
    # Construction asks for the SBU and the SKP besides the common requirements.
    assert {'sbu', 'skp', 'izin_usaha'} <= set(
        konstruksi.method.qualification_requirements(konstruksi)
    )
    evaluate(konstruksi, pokja[0], row, failing=('sbu',))
    assert row.passed is False
    _result, problems = prequalification.provisional_result(konstruksi)
    assert any('kurang dari 1' in str(p) for p in problems)


def test_approval_by_half_the_pokja_announces_the_shortlist(konstruksi, firms, pokja, client):
    failing = {firms[2]: ('pengalaman',)}
    result, _rows = shortlist(konstruksi, pokja, firms[:3], failing=failing)
    assert konstruksi.shortlist_announced_at is not None
    listed = [s.vendor.company_name for s in shortlists.shortlisted(konstruksi)]
    # A tender takes every firm that passes, in the order they sent their data.
    assert listed == ['PT Konsultan Prima 1', 'PT Konsultan Prima 2']
    assert shortlists.is_shortlisted(konstruksi, vendor_of(firms[0]))
    assert not shortlists.is_shortlisted(konstruksi, vendor_of(firms[2]))
    # The BA and the announcement are signed PDFs naming the shortlist.
    for document in (result.report_document, result.notice_document):
        pdf = stored(document.blob_sha256)
        assert len(PdfFileReader(io.BytesIO(pdf)).embedded_signatures) == 1
        assert 'PT Konsultan Prima 1' in document.data
    assert 'Tidak ada bukti' in result.report_document.data  # the failing reason, in the BA
    # The audit log names the shortlist.
    (announced,) = events('qualification.announced')
    data = json.loads(announced.payload)
    assert [e['name'] for e in data['shortlist']] == listed
    # The stage moves on to the prequalification's objection window.
    clock.set_now(konstruksi.schedule[Stage.qualification_objection].start + timedelta(minutes=1))
    assert konstruksi.stage(clock.now()) is Stage.qualification_objection


def test_seleksi_shortlists_the_best_scores_between_three_and_seven(seleksi, firms, pokja, app):
    scores = dict(zip(firms, ['71', '88.5', '90', '65', '80'], strict=True))
    app.config['LPSE_SELEKSI_SHORTLIST_MAX'] = 4
    result, _rows = shortlist(seleksi, pokja, firms, scores=scores)
    ranked = [(s.vendor.company_name, str(s.score)) for s in shortlists.shortlisted(seleksi)]
    assert ranked == [
        ('PT Konsultan Prima 3', '90.00'),
        ('PT Konsultan Prima 2', '88.50'),
        ('PT Konsultan Prima 5', '80.00'),
        ('PT Konsultan Prima 1', '71.00'),
    ]
    assert result.result['shortlist_bounds'] == [3, 4]
    # The BA in Indonesian figures, signed off by the members who approved (not the whole Pokja).
    ba = pdf_text(result.report_document)
    assert 'nilai 88,5' in ba and '88.50' not in ba and '90.00' not in ba
    approvers = {a.user_id for a in prequalification.approvals_of(seleksi, result.result_sha256)}
    for member in pokja:
        assert (member.name in ba) == (member.id in approvers), member.name


def test_seleksi_refuses_a_shortlist_under_three(seleksi, firms, pokja):
    rows = {user: send(seleksi, user) for user in firms[:3]}
    evaluate(seleksi, pokja[0], rows[firms[0]], score='80')
    evaluate(seleksi, pokja[0], rows[firms[1]], score='75')
    evaluate(seleksi, pokja[0], rows[firms[2]], failing=('tenaga_ahli',), score='10')
    # A score is required where the method scores, 0–100.
    with pytest.raises(ValidationFailed) as bad:
        prequalification.record_verdicts(
            seleksi,
            rows[firms[2]].id,
            {'requirements': {}, 'score': '101'},
            actor=pokja[0],
            now=clock.now(),
        )
    assert bad.value.field in ('score', 'izin_usaha')
    now = at(seleksi, Stage.qualification_announcement)
    with pytest.raises(InvalidTransition) as few:
        prequalification.approve(seleksi, actor=pokja[0], now=now)
    assert 'kurang dari 3' in str(few.value.message)
    assert seleksi.shortlist_announced_at is None


def test_a_changed_verdict_needs_new_approvals(konstruksi, firms, pokja):
    rows = {user: send(konstruksi, user) for user in firms[:2]}
    for row in rows.values():
        evaluate(konstruksi, pokja[0], row)
    now = at(konstruksi, Stage.qualification_announcement)
    result, count, needed = prequalification.approve(konstruksi, actor=pokja[0], now=now)
    db.session.commit()
    assert (result, count, needed) == (None, 1, 2)
    with pytest.raises(Conflict):
        prequalification.approve(konstruksi, actor=pokja[0], now=now)
    db.session.rollback()
    evaluate(konstruksi, pokja[1], rows[firms[1]], failing=('pajak',))
    now = at(konstruksi, Stage.qualification_announcement)
    result, count, _needed = prequalification.approve(konstruksi, actor=pokja[1], now=now)
    assert result is None and count == 1  # the earlier approval was of another result


def test_approved_early_it_is_announced_when_its_stage_begins(konstruksi, firms, pokja):
    """Approved during the evaluation, the result waits for its announcement stage: the clock
    announces it when the stage begins (in the name of the member whose approval completed it),
    once — never earlier than the schedule says."""
    rows = {user: send(konstruksi, user) for user in firms[:2]}
    for row in rows.values():
        evaluate(konstruksi, pokja[0], row)
    now = clock.now()
    opens = konstruksi.schedule[Stage.qualification_announcement].start
    assert now < opens
    for member in pokja[:2]:
        result, count, needed = prequalification.approve(konstruksi, actor=member, now=now)
        db.session.commit()
    assert result is None and count == needed
    assert konstruksi.shortlist_announced_at is None
    assert prequalification.announce_due(now=now) == []
    assert prequalification.announce_due(now=opens) == [konstruksi.code]
    current = shortlists.current_result(konstruksi)
    assert current.announced_at == opens and current.announced_by_id == pokja[1].id
    assert len(shortlists.shortlisted(konstruksi)) == 2
    assert prequalification.announce_due(now=opens) == []  # once
    (announced,) = events('qualification.announced')
    assert announced.occurred_at == opens


def test_a_result_changed_after_its_approvals_is_not_announced_by_the_clock(
    konstruksi, firms, pokja
):
    rows = {user: send(konstruksi, user) for user in firms[:2]}
    for row in rows.values():
        evaluate(konstruksi, pokja[0], row)
    for member in pokja[:2]:
        prequalification.approve(konstruksi, actor=member, now=clock.now())
        db.session.commit()
    evaluate(konstruksi, pokja[0], rows[firms[1]], failing=('pajak',))
    opens = konstruksi.schedule[Stage.qualification_announcement].start
    assert prequalification.announce_due(now=opens) == []
    assert konstruksi.shortlist_announced_at is None


def test_outside_the_shortlist_no_download_no_bid(konstruksi, firms, pokja):
    shortlist(konstruksi, pokja, firms[:3], failing={firms[2]: ('pengalaman',)})
    at(konstruksi, Stage.download, minutes=60)
    now = clock.now()
    assert konstruksi.can_download(firms[0], now)
    assert not konstruksi.can_download(firms[2], now)
    assert 'daftar pendek' in str(konstruksi.participation_problem(firms[2], now))
    assert not konstruksi.can_download(firms[3], now)  # never sent its data
    from lpse.bids import permissions

    now = at(konstruksi, Stage.bid_submission)
    assert 'daftar pendek' in str(permissions.submission_problem(konstruksi, firms[2], now))
    assert permissions.submission_problem(konstruksi, firms[0], now) is None


def test_each_firm_hears_whether_it_is_on_the_shortlist(konstruksi, firms, pokja):
    from lpse.notify.models import Mail, Notification

    firms[1].locale = 'en'
    db.session.commit()
    result, _rows = shortlist(konstruksi, pokja, firms[:3], failing={firms[2]: ('pengalaman',)})

    def news_of(user):
        return db.session.scalars(
            select(Notification).where(
                Notification.user_id == user.id,
                Notification.kind.in_(('shortlisted', 'not_shortlisted')),
            )
        ).all()

    (first,) = news_of(firms[0])
    assert first.kind == 'shortlisted' and konstruksi.code in first.title
    assert 'masuk daftar pendek' in first.body and 'kirim penawaran sebelum' in first.body
    (second,) = news_of(firms[1])  # in the reader's own language
    assert second.kind == 'shortlisted' and 'on the shortlist' in second.title
    (third,) = news_of(firms[2])
    assert third.kind == 'not_shortlisted' and 'tidak masuk daftar pendek' in third.body
    assert 'sanggah dapat diajukan sampai' in third.body
    assert news_of(firms[3]) == []  # sent nothing: told nothing
    mailed = db.session.scalars(select(Mail.to)).all()
    assert {f.email for f in firms[:3]} <= set(mailed)
    assert result.objection_ends_at is not None


def test_only_the_shortlist_hears_of_the_bid_deadline(konstruksi, firms, pokja, app):
    from lpse.notify.models import Notification
    from lpse.tenders import follows, news

    app.config['LPSE_DEADLINE_REMINDER_HOURS'] = 24
    for user in firms:
        follows.follow(konstruksi, actor=user, now=clock.now())
    db.session.commit()
    shortlist(konstruksi, pokja, firms[:3], failing={firms[2]: ('pengalaman',)})
    news.remind_deadlines(now=konstruksi.bid_deadline - timedelta(hours=1))
    db.session.commit()
    told = set(
        db.session.scalars(select(Notification.user_id).where(Notification.kind == 'deadline'))
    )
    # Firms 1 and 2 are on the shortlist; firm 3 failed, firm 4 sent nothing: neither may bid.
    assert told == {firms[0].id, firms[1].id}


def test_the_announced_objection_period_keeps_its_end(konstruksi, firms, pokja):
    """The shortlist was announced with its sanggah deadline: "Ubah jadwal" may not move that
    stage any more (a page would show two deadlines for one period); later stages still move."""
    result, _rows = shortlist(konstruksi, pokja, firms[:3])
    now = clock.now()
    old = konstruksi.schedule
    window = old[Stage.qualification_objection]
    assert result.objection_ends_at == window.end
    for moved in (window.end - timedelta(hours=2), window.end + timedelta(days=1)):
        with pytest.raises(tender_schedule.ScheduleInvalid, match='sudah diumumkan'):
            tender_schedule.change_schedule(
                konstruksi,
                {Stage.qualification_objection: Window(window.start, moved)},
                reason='Percepat sanggah',
                actor=pokja[0],
                now=now,
            )
        db.session.rollback()
    assert konstruksi.schedule[Stage.qualification_objection] == window
    later = max(old, key=lambda s: old[s].start)  # the last stage
    tender_schedule.change_schedule(
        konstruksi,
        {later: Window(old[later].start, old[later].end + timedelta(days=1))},
        reason='Tambah waktu',
        actor=pokja[0],
        now=now,
    )
    db.session.commit()
    assert konstruksi.schedule[later].end == old[later].end + timedelta(days=1)


def test_an_accepted_objection_withdraws_the_result(konstruksi, firms, pokja):
    result, _rows = shortlist(konstruksi, pokja, firms[:3], failing={firms[2]: ('pengalaman',)})
    now = at(konstruksi, Stage.qualification_objection)
    with pytest.raises(NotAllowed):
        prequalification.file_objection(konstruksi, 'Saya juga', actor=firms[3], now=now)
    objection = prequalification.file_objection(
        konstruksi, 'Pengalaman kami ada di halaman 3.', actor=firms[2], now=now
    )
    db.session.commit()
    with pytest.raises(Conflict):
        prequalification.file_objection(konstruksi, 'Lagi', actor=firms[2], now=now)
    db.session.rollback()
    prequalification.answer_objection(
        konstruksi,
        objection.id,
        accept=True,
        answer='Benar; evaluasi kualifikasi diulang.',
        actor=pokja[0],
        now=now,
    )
    db.session.commit()
    assert result.is_withdrawn and konstruksi.shortlist_announced_at is None
    assert not shortlists.is_shortlisted(konstruksi, vendor_of(firms[0]))
    # Re-evaluated and announced again: now all three.
    evaluate_at = konstruksi.schedule[Stage.qualification_objection].start
    clock.set_now(evaluate_at)
    row = prequalification.submission_of(konstruksi, vendor_of(firms[2]))
    prequalification.record_verdicts(
        konstruksi,
        row.id,
        {
            'requirements': {
                k: {'passed': True, 'reason': 'Dibuktikan'}
                for k in konstruksi.method.qualification_requirements(konstruksi)
            }
        },
        actor=pokja[0],
        now=evaluate_at,
    )
    for member in pokja[:2]:
        second, _c, _n = prequalification.approve(konstruksi, actor=member, now=evaluate_at)
    db.session.commit()
    assert second is not None and second.result['round'] == 2
    assert len(shortlists.shortlisted(konstruksi)) == 3
    assert [e.action for e in events()][-4:] == [
        'qualification.evaluated',
        'qualification.approved',
        'qualification.approved',
        'qualification.announced',
    ]


def test_stages_drafted_to_open_with_the_announcement_move_with_it(create_tender, cast):
    """Publishing counts the announcement from now; a form stage drafted to open with it moves
    with it instead of "starting before the previous stage" (a newcomer's demo tender)."""
    from lpse.tenders import publication
    from lpse.tenders import schedule as tender_schedule
    from lpse.tenders.stages import Window

    draft = create_tender('ready', qualification_method='prakualifikasi')
    windows = dict(draft.schedule)
    start = windows[Stage.announcement].start
    windows[Stage.qualification_submission] = Window(
        start, windows[Stage.qualification_submission].end
    )
    tender_schedule.set_schedule(draft, windows, actor=cast['pokja'], now=clock.now())
    db.session.commit()
    later = start + timedelta(minutes=5)
    assert not any(
        'sebelum tahap sebelumnya' in str(p) for p in publication.publication_problems(draft, later)
    )
