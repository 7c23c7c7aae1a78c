"""/beranda, what next per role (#16 point 4): each role sees what waits for it, and only its
own tenders and bids — a vendor never learns of another vendor's bid."""

from datetime import timedelta

import pytest
from helpers import login

from lpse import clock
from lpse.extensions import db
from lpse.i18n import with_wib
from lpse.tenders import publication, questions
from lpse.tenders.stages import Stage

from .sanggah_fixtures import announcement_time, approve, evaluate, vendor_user


def home(client, user):
    client.get('/auth/login')  # a fresh CSRF token for the login form
    response = login(client, user.email)
    assert response.headers['Location'] == '/beranda'
    page = client.get('/beranda')
    assert page.status_code == 200
    return page.get_data(as_text=True)


def row_of(page, code):
    """The table row of tender ``code`` on the page ('' when the tender is not listed)."""
    start = page.find(f'>{code}</a>')
    if start < 0:
        return ''
    return page[start : page.find('</tr>', start)]


def test_anonymous_is_sent_to_login(client):
    response = client.get('/beranda')
    assert response.status_code == 302
    assert '/auth/login' in response.headers['Location']


def test_pokja_sees_unanswered_questions_and_ppk_the_draft(app, client, create_tender, cast):
    tender = create_tender(Stage.clarification)
    questions.ask_question(
        tender, body='Apakah boleh konsorsium?', actor=cast['vendor'], now=clock.now()
    )
    draft = create_tender('draft')
    db.session.commit()
    page = home(client, cast['pokja'])
    assert '1 pertanyaan belum dijawab.' in row_of(page, tender.code)
    assert 'belum lengkap sebelum diumumkan' in row_of(page, draft.code)
    for problem in publication.publication_problems(draft, clock.now())[:5]:
        assert str(problem) in row_of(page, draft.code)  # says which, not only how many
    # Another member of the same agency who is not in this Pokja sees neither.
    client.post('/auth/logout', data={})
    other = home(client.application.test_client(), cast['pokja_other'])
    assert row_of(other, tender.code) == '' and row_of(other, draft.code) == ''
    ppk_page = home(client.application.test_client(), cast['ppk'])
    assert 'periksa data paket' in row_of(ppk_page, draft.code)


def test_evaluation_tasks_follow_the_proposal(app, opened_tender, pokja):
    tender, bids = opened_tender()
    page = home(app.test_client(), pokja[1])
    assert 'Isi lembar evaluasi' in row_of(page, tender.code)
    evaluate(tender, bids, pokja)  # pokja[0] proposes
    assert 'Setujui atau tolak' in row_of(home(app.test_client(), pokja[1]), tender.code)
    assert 'Setujui atau tolak' not in row_of(home(app.test_client(), pokja[0]), tender.code)
    approve(tender, pokja)
    # Decided before the announcement's window: the task says when it can be done (the
    # announcement is refused until then), then simply to do it.
    window = tender.schedule[Stage.winner_announcement]
    clock.set_now(window.start - timedelta(minutes=5))
    early = row_of(home(app.test_client(), pokja[2]), tender.code)
    assert 'Umumkan pemenang mulai ' in early and 'sesuai jadwal' in early
    assert with_wib(window.start, tender.timezone) in early
    clock.set_now(window.start)
    assert 'Umumkan pemenang.' in row_of(home(app.test_client(), pokja[2]), tender.code)


def test_vendor_sees_its_own_bid_only(app, opened_tender, cast):
    tender, bids = opened_tender()
    mine, others = bids[0], bids[1:]
    page = home(app.test_client(), vendor_user(mine))
    assert mine.receipt_number in page
    for bid in others:
        assert bid.receipt_number not in page
    # A vendor who did not bid, follow or download does not see the tender at all.
    stranger = home(app.test_client(), cast['vendor'])
    assert row_of(stranger, tender.code) == ''
    assert tender.code not in stranger


def test_vendor_deadline_countdown_is_server_rendered(app, create_tender, cast):
    from lpse.tenders import follows

    tender = create_tender(Stage.bid_submission)
    follows.follow(tender, actor=cast['vendor'], now=clock.now())
    db.session.commit()
    row = row_of(home(app.test_client(), cast['vendor']), tender.code)
    left = tender.bid_deadline - clock.now()
    hours = left.seconds // 3600
    expected = (
        f'{left.days} hari {hours} jam lagi'
        if left.days
        else f'{hours} jam {left.seconds % 3600 // 60} menit lagi'
    )
    assert expected in row
    assert 'Kirim penawaran' in row


def test_news_since_the_last_visit(app, decided, pokja, cast):
    tender, bids = decided
    user = vendor_user(bids[0])
    client = app.test_client()
    assert 'Pemenang diumumkan.' not in home(client, user)
    from lpse.evaluation import announcement

    announcement.announce_winner(tender, actor=pokja[0], now=announcement_time(tender))
    db.session.commit()
    page = client.get('/beranda').get_data(as_text=True)
    assert 'Pemenang diumumkan.' in page
    assert 'Hasil pemilihan' in row_of(page, tender.code)
    later_page = client.get('/beranda').get_data(as_text=True)
    assert 'Pemenang diumumkan.' not in later_page  # seen on the previous visit


@pytest.mark.parametrize('who', ['ppk'])
def test_ppk_is_told_to_wait_for_the_objection_period_then_award(app, announced, cast, who):
    tender, _bids, row = announced
    page = home(app.test_client(), cast[who])
    assert 'Menunggu masa sanggah berakhir' in row_of(page, tender.code)
    clock.set_now(row.objection_ends_at)
    assert 'Terbitkan SPPBJ.' in row_of(home(app.test_client(), cast[who]), tender.code)


def test_verifier_sees_vendors_waiting(app, client, cast, person):
    from vendor_helpers import verify_vendor

    from lpse.vendors.models import VendorStatus

    waiting = verify_vendor(
        person('cv.antre@contoh.co.id', 'vendor'), company='CV Antre', status=VendorStatus.submitted
    )
    db.session.commit()
    page = home(client, cast['verifier'])
    assert f'/vendors/{waiting.id}' in page and 'CV Antre' in page
    assert 'PT Maju Jaya' not in page.split('Penyedia menunggu verifikasi')[1]  # verified


def test_admin_sees_the_ca_failed_jobs_and_the_last_reconciliation(app, client, person):
    from lpse.jobs.models import Job, JobStatus
    from lpse.notify import outbox
    from lpse.statelog import ReconcileRun

    admin = person('admin.beranda@lpse.go.id', 'admin')
    db.session.commit()
    page = home(client, admin)
    section = page.split('id="home-admin"')[1].split('</section>')[0]
    assert 'Tidak ada pekerjaan latar belakang yang gagal.' in section
    assert 'CA instansi belum dibuat' in section and 'flask lpse init-ca' in section
    assert 'belum pernah dijalankan' in section
    for link in ('/admin/users', '/admin/agencies', '/admin/jobs', '/admin/mail', '/audit/'):
        assert f'href="{link}"' in section, link
    now = clock.now()
    db.session.add(Job(kind='test.failing', key='1', status=JobStatus.failed, created_at=now))
    mail = outbox.queue('budi@contoh.co.id', 'Uji', 'isi', now=now)
    mail.state, mail.attempts = outbox.FAILED, 3
    db.session.add(
        ReconcileRun(
            started_at=now, finished_at=now, status='differ', tables_total=3, difference_count=2
        )
    )
    db.session.commit()
    section = home(app.test_client(), admin).split('id="home-admin"')[1].split('</section>')[0]
    assert '1 pekerjaan latar belakang gagal.' in section
    assert 'menemukan 2 perbedaan' in section
    assert '1 email belum terkirim setelah dicoba.' in section
    assert 'Tidak ada pekerjaan latar belakang yang gagal.' not in section
    from pki_helpers import install_authority

    install_authority()
    db.session.commit()
    page = home(app.test_client(), admin)
    assert 'CA instansi belum dibuat' not in page and 'CA instansi aktif' in page


def test_only_the_admin_sees_the_administration_and_a_new_ppk_learns_what_comes(client, cast):
    page = home(client, cast['ppk'])
    assert 'id="home-admin"' not in page
    assert 'Paket dengan Anda sebagai PPK tampil di sini sampai serah terima' in page
    assert 'href="/tenders/new"' in page.split('id="home-ppk"')[1]


def test_a_ppk_whose_tender_was_handed_over_is_not_told_it_has_none(app, create_tender, cast):
    tender = create_tender(Stage.clarification)
    tender.handed_over_at = clock.now()  # BAST recorded: the tender is finished
    db.session.commit()
    card = home(app.test_client(), cast['ppk']).split('id="home-ppk"')[1].split('</section>')[0]
    assert row_of(card, tender.code) == ''
    assert 'Tidak ada paket berjalan dengan Anda sebagai PPK' in card
    assert 'Belum ada paket' not in card


def test_a_new_vendor_is_told_what_is_missing_and_its_first_news_window(app, client, person):
    from vendor_helpers import verify_vendor

    from lpse.vendors.models import VendorStatus

    user = person('cv.baru@contoh.co.id', 'vendor')
    verify_vendor(user, company='CV Baru', status=VendorStatus.submitted)
    db.session.commit()
    page = home(client, user)
    card = page.split('id="home-vendor-status"')[1].split('</section>')[0]
    assert 'Dokumen wajib yang belum diunggah' in card and 'NPWP' in card
    assert 'href="/vendors/me"' in card
    assert 'Kabar 30 hari terakhir' in page  # no earlier visit to count from
    again = home(app.test_client(), user)
    assert 'Kabar sejak kunjungan terakhir' in again


def test_a_pokja_member_without_a_pokja_certificate_is_told_to_make_one(app, client, cast, person):
    from pki_helpers import certify_pokja

    member = person('pokja.baru@uji.go.id', 'pokja', agency=cast['pokja'].agency)
    db.session.commit()
    page = home(client, member)
    assert 'id="pokja-key"' in page and 'href="/keys/"' in page.split('id="pokja-key"')[1]
    certify_pokja([member], first_key=1)
    db.session.commit()
    assert 'id="pokja-key"' not in home(app.test_client(), member)
