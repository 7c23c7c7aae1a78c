"""Prakualifikasi on the pages: the vendor sends its signed form, the Pokja records verdicts and
scores and approves, the shortlist and its two PDFs appear on the public tender page, an
objection withdraws the result; hostile input gets a 4xx with its message and writes nothing;
every route answers each visitor as tests/integration/matrix_prequalification.py says."""

import io
import json

import pki_helpers
import pytest
from matrix import walk
from matrix_prequalification import MATRIX, WHO_P
from sqlalchemy import func, select
from tenders.factories import login as sign_in

from lpse import clock, pki_service
from lpse.audit import AuditEvent
from lpse.extensions import db
from lpse.pdf import COUNTERPARTY_FIELD, sign_pdf
from lpse.tenders import documents
from lpse.tenders.prequalification import operations as prequalification
from lpse.tenders.prequalification.models import QualificationApproval, QualificationSubmission
from lpse.tenders.stages import Stage
from lpse.vendors.verification import vendor_of

from .prequal_helpers import ANSWERS, FIRST_FIRM_KEY, announce, at, evaluate, firm, send


@pytest.fixture
def firms(person):
    return [firm(person, n) for n in range(1, 5)]


def count(model):
    return db.session.scalar(select(func.count(model.id)))


def text(response):
    return response.get_data(as_text=True)


def form_data(**changes):
    data = {**ANSWERS, 'pernyataan': 'y', 'passphrase': pki_helpers.SIGNING_PASSPHRASE}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def verdict_data(tender, *, failing=(), score=None, **changes):
    data = {}
    for key in tender.method.qualification_requirements(tender):
        data[key] = 'failed' if key in failing else 'passed'
        data[f'{key}_reason'] = 'Tidak ada bukti' if key in failing else 'Sesuai dokumen'
    if score is not None:
        data['score'] = score
    data.update(changes)
    return data


def login(client, email):
    """Sign out whoever is signed in, then sign in as `email`."""
    client.post('/auth/logout')
    response = sign_in(client, email)
    assert response.status_code == 302
    return response


def base(tender):
    return f'/tenders/{tender.code}/prakualifikasi'


def test_a_vendor_sends_its_signed_form_on_the_page(client, konstruksi, firms):
    at(konstruksi, Stage.qualification_submission)
    login(client, firms[0].email)
    page = client.get(f'{base(konstruksi)}/formulir')
    assert page.status_code == 200 and 'Formulir Isian Kualifikasi' in text(page)
    detail = client.get(f'/tenders/{konstruksi.code}')
    assert 'Kirim data kualifikasi' in text(detail)

    sent = client.post(f'{base(konstruksi)}/formulir', data=form_data())
    assert sent.status_code == 302
    row = prequalification.submission_of(konstruksi, vendor_of(firms[0]))
    assert row.is_submitted and row.document_id
    page = client.get(f'{base(konstruksi)}/formulir')
    assert 'Data kualifikasi terkirim' in text(page)
    assert f'/documents/{row.document_id}.pdf' in text(page)
    assert client.get(f'/documents/{row.document_id}.pdf').status_code == 200
    # While the stage is open the firm may change its data and send again: the new signed
    # form replaces the one sent (which stays issued and verifiable), both in the log.
    assert 'Ubah dan kirim ulang' in text(page)
    first = row.document_id
    again = client.post(
        f'{base(konstruksi)}/formulir',
        data=form_data(pengalaman='Jalan provinsi 2025, Rp3.000.000.000'),
    )
    assert again.status_code == 302
    db.session.expire_all()
    row = prequalification.submission_of(konstruksi, vendor_of(firms[0]))
    assert row.document_id != first and 'Jalan provinsi 2025' in row.answers['pengalaman']
    assert client.get(f'/documents/{first}.pdf').status_code == 200
    sent_events = db.session.scalars(
        db.select(AuditEvent).where(AuditEvent.action == 'qualification.submitted')
    ).all()
    assert [json.loads(e.payload)['replaces'] for e in sent_events] == [None, first]
    # After the stage the form stays as sent, and the page no longer offers to resend.
    clock.set_now(konstruksi.schedule[Stage.qualification_submission].end)
    page = client.get(f'{base(konstruksi)}/formulir')
    assert 'Data kualifikasi terkirim' in text(page) and 'Ubah dan kirim ulang' not in text(page)
    late = client.post(f'{base(konstruksi)}/formulir', data=form_data())
    assert late.status_code == 409 and 'berakhir' in text(late)


@pytest.mark.parametrize(
    ('changes', 'status', 'message'),
    [
        ({'pengalaman': ' '}, 422, 'Isian ini wajib diisi.'),
        ({'pernyataan': None}, 422, 'Centang pernyataan'),
        ({'passphrase': ''}, 422, 'Isi frasa sandi'),
        ({'passphrase': 'salah'}, 422, 'Frasa sandi penandatanganan salah.'),
        ({'pengalaman': 'x' * 5001}, 422, 'Paling banyak 5000 karakter.'),
    ],
)
def test_a_refused_form_writes_nothing(client, konstruksi, firms, changes, status, message):
    at(konstruksi, Stage.qualification_submission)
    login(client, firms[0].email)
    refused = client.post(f'{base(konstruksi)}/formulir', data=form_data(**changes))
    assert refused.status_code == status
    assert message in text(refused)
    assert count(QualificationSubmission) == 0
    if changes.get('passphrase') == 'salah':
        # The failed unlock stands (throttling), the draft of the request does not.
        failed = select(func.count(AuditEvent.seq)).where(AuditEvent.action == 'key.unlock_failed')
        assert db.session.scalar(failed) == 1


def test_the_form_is_refused_outside_its_window_and_to_unverified(
    client, konstruksi, firms, person
):
    at(konstruksi, Stage.qualification_evaluation)
    login(client, firms[0].email)
    page = client.get(f'{base(konstruksi)}/formulir')
    assert 'tidak sedang berlangsung' in text(page)
    late = client.post(f'{base(konstruksi)}/formulir', data=form_data())
    assert late.status_code == 409 and 'berakhir' in text(late)
    at(konstruksi, Stage.qualification_submission)
    stranger = person('belum.verifikasi@contoh.co.id', 'vendor')
    login(client, stranger.email)
    refused = client.post(f'{base(konstruksi)}/formulir', data=form_data())
    assert refused.status_code == 403
    assert count(QualificationSubmission) == 0


def test_the_self_signed_path_downloads_the_draft_and_checks_the_upload(client, konstruksi, firms):
    at(konstruksi, Stage.qualification_submission)
    login(client, firms[0].email)
    assert client.get(f'{base(konstruksi)}/formulir/draf.pdf').status_code == 404
    prepared = client.post(f'{base(konstruksi)}/formulir/draf', data=form_data(passphrase=''))
    assert prepared.status_code == 302
    draft = client.get(f'{base(konstruksi)}/formulir/draf.pdf')
    assert draft.status_code == 200 and draft.data.startswith(b'%PDF-')
    assert 'Unggah dan kirim' in text(client.get(f'{base(konstruksi)}/formulir'))
    bad = client.post(
        f'{base(konstruksi)}/formulir/unggah',
        data={'file': (io.BytesIO(draft.data), 'ditandatangani.pdf')},
        content_type='multipart/form-data',
    )
    assert bad.status_code == 422 and 'Tanda tangan ditolak' in text(bad)
    missing = client.post(f'{base(konstruksi)}/formulir/unggah', data={})
    assert missing.status_code == 422
    assert not prequalification.submission_of(konstruksi, vendor_of(firms[0])).is_submitted
    # The draft signed with the firm's own key is taken.
    signed = sign_pdf(
        draft.data,
        key=pki_helpers.key(FIRST_FIRM_KEY + 1),
        cert=pki_service.active_certificate(firms[0], now=clock.now()).x509,
        chain=(pki_service.require_authority().ca_cert,),
        field_name=COUNTERPARTY_FIELD,
        now=clock.now(),
    )
    good = client.post(
        f'{base(konstruksi)}/formulir/unggah',
        data={'file': (io.BytesIO(signed), 'ditandatangani.pdf')},
        content_type='multipart/form-data',
    )
    assert good.status_code == 302
    db.session.expire_all()
    assert prequalification.submission_of(konstruksi, vendor_of(firms[0])).is_submitted


def test_the_pokja_evaluates_and_approves_on_the_page(client, seleksi, firms, pokja):
    rows = [send(seleksi, user) for user in firms[:3]]
    at(seleksi, Stage.qualification_evaluation)
    login(client, pokja[0].email)
    listing = client.get(f'{base(seleksi)}/evaluasi')
    assert listing.status_code == 200
    for row in rows:
        assert row.vendor.company_name in text(listing)
        assert f'/documents/{row.document_id}.pdf' in text(listing)
    form = client.get(f'{base(seleksi)}/evaluasi/{rows[0].id}')
    assert 'Tenaga ahli yang disyaratkan' in text(form) and 'Nilai kualifikasi' in text(form)
    # The firm's register facts the Pokja weighs: its size class and its licences' KBLI.
    firm_ = rows[0].vendor
    assert firm_.licences, 'the fixture firm has a licence to show'
    size = text(form).split('id="firm-size">')[1].split('</dd>')[0]
    assert size.startswith({'kecil': 'Usaha kecil', 'non_kecil': 'Non-kecil'}[firm_.size_class])
    licences = text(form).split('id="firm-licences">')[1].split('</dd>')[0]
    for lic in firm_.licences:
        assert f'KBLI {lic.kbli}' in licences
    required = seleksi.required_kbli
    seleksi.required_kbli = firm_.licences[0].kbli
    db.session.commit()
    licences = text(client.get(f'{base(seleksi)}/evaluasi/{rows[0].id}'))
    assert '(sesuai KBLI tender)' in licences.split('id="firm-licences">')[1].split('</dd>')[0]
    seleksi.required_kbli = '99999'
    db.session.commit()
    licences = text(client.get(f'{base(seleksi)}/evaluasi/{rows[0].id}'))
    assert 'Tidak ada izin dengan KBLI itu.' in licences
    seleksi.required_kbli = required
    db.session.commit()

    # Hostile input: refused with its message, nothing written.
    for data, message in (
        (verdict_data(seleksi, score='delapan puluh'), 'Nilai kualifikasi 0–100'),
        (verdict_data(seleksi, score='101'), 'Nilai kualifikasi 0–100'),
        (verdict_data(seleksi, score='80', pajak_reason=''), 'Isian ini wajib diisi.'),
        (verdict_data(seleksi, score='80', pajak='mungkin'), 'Pilih memenuhi atau tidak memenuhi.'),
    ):
        refused = client.post(f'{base(seleksi)}/evaluasi/{rows[0].id}', data=data)
        assert refused.status_code == 422, data
        assert message in text(refused)
    db.session.expire_all()
    assert rows[0].evaluated_at is None
    assert client.get(f'{base(seleksi)}/evaluasi/999999').status_code == 404
    assert client.get(f'{base(seleksi)}/evaluasi/abc').status_code == 404
    assert client.post(f'{base(seleksi)}/evaluasi/999999', data={}).status_code == 404

    for row, score in zip(rows, ('80', '90.5', '75'), strict=True):
        saved = client.post(
            f'{base(seleksi)}/evaluasi/{row.id}', data=verdict_data(seleksi, score=score)
        )
        assert saved.status_code == 302
    page = client.get(f'{base(seleksi)}/evaluasi')
    assert 'Setujui hasil prakualifikasi' in text(page)
    db.session.expire_all()
    result, problems = prequalification.provisional_result(seleksi)
    assert problems == []
    sha = prequalification.result_sha256(result)
    assert sha in text(page)

    at(seleksi, Stage.qualification_announcement)
    stale = client.post(f'{base(seleksi)}/persetujuan', data={'result_sha256': '0' * 64})
    assert stale.status_code == 409 and 'berubah sejak Anda membukanya' in text(stale)
    assert client.post(f'{base(seleksi)}/persetujuan', data={}).status_code == 422
    assert count(QualificationApproval) == 0
    approved = client.post(f'{base(seleksi)}/persetujuan', data={'result_sha256': sha})
    assert approved.status_code == 302
    page = client.get(f'{base(seleksi)}/evaluasi')
    assert 'Persetujuan atas hasil ini: 1 dari 2' in text(page)
    login(client, pokja[1].email)
    client.post(f'{base(seleksi)}/persetujuan', data={'result_sha256': sha})
    db.session.expire_all()
    assert seleksi.shortlist_announced_at is not None

    # The public tender page: the shortlist by score, the two PDFs, the objection window.
    client.post('/auth/logout')
    public = text(client.get(f'/tenders/{seleksi.code}'))
    order = [public.index(f'PT Konsultan Prima {n}') for n in (2, 1, 3)]
    assert order == sorted(order) and 'nilai 90,5' in public
    assert 'BA Hasil Prakualifikasi (PDF)' in public
    assert 'Pengumuman Hasil Prakualifikasi (PDF)' in public
    assert 'Masa sanggah prakualifikasi sampai' in public
    (announced,) = prequalification.results_of(seleksi)
    for kind in ('ba', 'pengumuman'):
        pdf = client.get(f'{base(seleksi)}/hasil/{announced.id}/{kind}.pdf')
        assert pdf.status_code == 200 and pdf.data.startswith(b'%PDF-')
    assert client.get(f'{base(seleksi)}/hasil/{announced.id}/lain.pdf').status_code == 404
    assert client.get(f'{base(seleksi)}/hasil/999999/ba.pdf').status_code == 404


def test_approved_before_its_stage_the_page_says_when_it_is_announced(
    client, konstruksi, firms, pokja
):
    for row in [send(konstruksi, user) for user in firms[:2]]:
        evaluate(konstruksi, pokja[0], row)
    result, _problems = prequalification.provisional_result(konstruksi)
    sha = prequalification.result_sha256(result)
    for member in pokja[:2]:
        login(client, member.email)
        answer = client.post(f'{base(konstruksi)}/persetujuan', data={'result_sha256': sha})
        assert answer.status_code == 302
    page = text(client.get(f'{base(konstruksi)}/evaluasi'))
    assert 'diumumkan otomatis saat tahap Pengumuman Hasil Prakualifikasi dimulai' in page
    assert 'Setujui hasil prakualifikasi' not in page  # nothing left to approve
    db.session.expire_all()
    assert konstruksi.shortlist_announced_at is None


def test_outside_the_shortlist_the_download_is_refused_with_the_reason(
    client, konstruksi, firms, pokja
):
    rows = {user: send(konstruksi, user) for user in firms[:3]}
    for user, row in rows.items():
        evaluate(konstruksi, pokja[0], row, failing=('pengalaman',) if user is firms[2] else ())
    announce(konstruksi, pokja)
    at(konstruksi, Stage.download, minutes=60)
    (document,) = documents.documents_of(konstruksi)
    login(client, firms[2].email)
    page = text(client.get(f'/tenders/{konstruksi.code}'))
    assert 'Anda tidak termasuk daftar pendek' in page
    refused = client.get(f'/tenders/{konstruksi.code}/documents/{document.id}')
    assert refused.status_code == 403 and 'daftar pendek' in text(refused)
    login(client, firms[0].email)
    assert 'Anda termasuk daftar pendek (peringkat 1)' in text(
        client.get(f'/tenders/{konstruksi.code}')
    )


def test_an_objection_on_the_tender_page_and_its_answer(client, konstruksi, firms, pokja):
    rows = {user: send(konstruksi, user) for user in firms[:3]}
    for user, row in rows.items():
        evaluate(konstruksi, pokja[0], row, failing=('pengalaman',) if user is firms[2] else ())
    announce(konstruksi, pokja)
    at(konstruksi, Stage.qualification_objection)
    login(client, firms[2].email)
    assert 'Kirim sanggah prakualifikasi' in text(client.get(f'/tenders/{konstruksi.code}'))
    empty = client.post(f'{base(konstruksi)}/sanggah', data={'text': ' '})
    assert empty.status_code == 422
    filed = client.post(f'{base(konstruksi)}/sanggah', data={'text': 'Pengalaman kami ada.'})
    assert filed.status_code == 302
    twice = client.post(f'{base(konstruksi)}/sanggah', data={'text': 'Lagi.'})
    assert twice.status_code == 409 and 'sudah menyanggah' in text(twice)
    login(client, firms[3].email)  # sent nothing
    assert (
        client.post(f'{base(konstruksi)}/sanggah', data={'text': 'Saya juga.'}).status_code == 403
    )

    login(client, pokja[0].email)
    page = text(client.get(f'/tenders/{konstruksi.code}'))
    assert 'sanggah prakualifikasi menunggu jawaban Anda' in page
    (objection,) = prequalification.current_result(konstruksi).objections
    url = f'{base(konstruksi)}/sanggah/{objection.id}/jawaban'
    prefix = f'o{objection.id}-'
    assert client.post(url, data={f'{prefix}decision': 'accepted'}).status_code == 422
    assert (
        client.post(
            f'{base(konstruksi)}/sanggah/999999/jawaban',
            data={'o999999-decision': 'accepted', 'o999999-answer': 'Ya'},
        ).status_code
        == 404
    )
    answered = client.post(
        url, data={f'{prefix}decision': 'accepted', f'{prefix}answer': 'Benar; diulang.'}
    )
    assert answered.status_code == 302
    db.session.expire_all()
    assert konstruksi.shortlist_announced_at is None
    public = text(client.get(f'/tenders/{konstruksi.code}'))
    assert 'Ditarik' in public and 'Benar; diulang.' in public


@pytest.mark.parametrize('who', WHO_P)
def test_prequalification_access_matrix(client, konstruksi, firms, pokja, cast, who):
    rows = {user: send(konstruksi, user) for user in firms[:2]}
    for row in rows.values():
        evaluate(konstruksi, pokja[0], row)
    result = announce(konstruksi, pokja)
    now = at(konstruksi, Stage.qualification_objection)
    objection = prequalification.file_objection(konstruksi, 'Keberatan', actor=firms[1], now=now)
    db.session.commit()
    user = {'sender': firms[1]}.get(who) or cast.get(who)
    if who != 'anonymous':
        assert login(client, user.email).status_code == 302
    wrong = walk(
        client,
        MATRIX,
        who,
        {},
        code=konstruksi.code,
        submission=rows[firms[1]].id,
        result=result.id,
        objection=objection.id,
    )
    assert wrong == {}, f'(got, expected) for {who}'


def test_the_pokja_home_page_says_what_the_prakualifikasi_needs(client, konstruksi, firms, pokja):
    def home(user):
        client.post('/auth/logout')
        sign_in(client, user.email)
        return text(client.get('/beranda'))

    rows = [send(konstruksi, user) for user in firms[:2]]
    assert 'data kualifikasi menunggu evaluasi' not in home(pokja[0])  # the stage is still open
    at(konstruksi, Stage.qualification_evaluation)
    assert '2 data kualifikasi menunggu evaluasi.' in home(pokja[0])
    for row in rows:
        evaluate(konstruksi, pokja[0], row)
    assert 'Setujui hasil prakualifikasi.' in home(pokja[0])
    now = at(konstruksi, Stage.qualification_announcement)
    prequalification.approve(konstruksi, actor=pokja[0], now=now)
    db.session.commit()
    assert 'Setujui hasil prakualifikasi.' not in home(pokja[0])
    assert 'Setujui hasil prakualifikasi.' in home(pokja[1])
    prequalification.approve(konstruksi, actor=pokja[1], now=now)
    db.session.commit()
    assert 'Setujui hasil prakualifikasi.' not in home(pokja[2])  # announced
    now = at(konstruksi, Stage.qualification_objection)
    prequalification.file_objection(konstruksi, 'Nilai kami?', actor=firms[0], now=now)
    db.session.commit()
    assert '1 sanggah prakualifikasi belum dijawab.' in home(pokja[2])


def test_the_vendor_home_offers_the_bid_to_the_shortlist_only(client, konstruksi, firms, pokja):
    from lpse.tenders import follows

    rows = [send(konstruksi, user) for user in firms[:2]]
    for user in firms[:2]:
        follows.follow(konstruksi, actor=user, now=clock.now())
    db.session.commit()
    sign_in(client, firms[0].email)
    page = text(client.get('/beranda'))
    assert 'belum diumumkan: hanya penyedia dalam daftar pendek' in page
    assert f'/tenders/{konstruksi.code}/bid' not in page
    evaluate(konstruksi, pokja[0], rows[0])
    evaluate(konstruksi, pokja[0], rows[1], failing=('pengalaman',))
    announce(konstruksi, pokja)
    at(konstruksi, Stage.bid_submission)
    assert f'/tenders/{konstruksi.code}/bid' in text(client.get('/beranda'))
    client.post('/auth/logout')
    sign_in(client, firms[1].email)
    page = text(client.get('/beranda'))
    assert 'Anda tidak termasuk daftar pendek' in page
    assert f'/tenders/{konstruksi.code}/bid' not in page
