"""Steps the browser journeys share (import as `journey_steps`): signing in and out, a company's
sign-up form, its documents, the verifier's approval, a server-held key, a tender drafted,
scheduled and published, a bid, a key share released at the opening, an evaluation worksheet,
an objection and its answer, a contract drafted, accepted and signed by both sides, SPMK and
BAST, the signed contract checked, and a way around pyHanko's asyncio.run beside Playwright."""

import asyncio
import io
import re
from contextlib import contextmanager
from pathlib import Path

from helpers import PASSWORD
from page_checks import check_page, on_phone_screen
from pki_helpers import SIGNING_PASSPHRASE
from playwright.sync_api import expect
from pyhanko.pdf_utils.reader import PdfFileReader

from lpse.documents import operations as documents

PDF = b'%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n'
PNG = b'\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00'
# The worksheet parts the Pokja records; the prequalified methods decide the qualification and
# its proof themselves (the shortlist), so their Pokja records only the first two.
WORKSHEET_PARTS = ('administration', 'qualification', 'technical', 'pembuktian')
PREQUALIFIED_PARTS = ('administration', 'technical')
# A schedule as a Pokja member types it (WITA), meeting the default minimum durations.
SCHEDULE = {
    'announcement': ('2026-11-02T10:00', '2026-11-09T10:00'),
    'download': ('2026-11-02T10:00', '2026-11-18T10:00'),
    'clarification': ('2026-11-05T10:00', '2026-11-09T10:00'),
    'bid_submission': ('2026-11-09T10:00', '2026-11-19T10:00'),
    'bid_opening': ('2026-11-19T10:00', '2026-11-19T15:00'),
    'evaluation': ('2026-11-20T08:00', '2026-11-24T16:00'),
    'qualification_proof': ('2026-11-24T08:00', '2026-11-24T16:00'),
    'winner_decision': ('2026-11-25T08:00', '2026-11-25T16:00'),
    'winner_announcement': ('2026-11-26T08:00', '2026-11-26T16:00'),
    'objection': ('2026-11-27T08:00', '2026-12-02T08:00'),
    'award': ('2026-12-03T08:00', '2026-12-04T16:00'),
    'contract': ('2026-12-07T08:00', '2026-12-11T16:00'),
}


@contextmanager
def outside_playwright_loop():
    """pyHanko signs and validates with asyncio.run, which refuses to start while Playwright's
    event loop is marked running on this thread: hide that loop for the call, then restore it."""
    loop = asyncio.events._get_running_loop()
    asyncio.events._set_running_loop(None)
    try:
        yield
    finally:
        asyncio.events._set_running_loop(loop)


def login(page, email, password=PASSWORD):
    page.goto('/auth/login')
    page.get_by_label('Email').fill(email)
    page.get_by_label('Kata sandi').fill(password)
    page.get_by_role('button', name='Masuk').click()
    expect(page.get_by_role('button', name='Keluar')).to_be_visible()


def logout(page):
    page.get_by_role('button', name='Keluar').click()
    expect(page.get_by_role('button', name='Keluar')).to_have_count(0)


def register_company(page, company, email, password, *, shot):
    """Fill and send the sign-up form from the home page's link (a PT, small, Makassar);
    ``company`` is (name, NPWP, NIB, director's name, director's NIK)."""
    company, npwp, nib, director, nik = company
    page.goto('/')
    page.get_by_role('link', name='Daftar sebagai penyedia').click()
    expect(page.get_by_role('heading', name='Pendaftaran penyedia')).to_be_visible()
    check_page(page, shot)
    page.get_by_label('Nama perusahaan').fill(company)
    page.get_by_label('Bentuk usaha').select_option('pt')
    page.get_by_label('NPWP').fill(npwp)
    page.get_by_label('NIB').fill(nib)
    page.get_by_label('Alamat').fill('Jl. Pettarani No. 10')
    page.get_by_label('Provinsi').fill('Sulawesi Selatan')
    page.get_by_label('Kabupaten/kota').fill('Makassar')
    page.get_by_label('Telepon').fill(f'0411 {nib[-6:]}')
    page.get_by_label('Kualifikasi usaha').select_option('kecil')
    page.locator('#directors-0-name').fill(director)
    page.locator('#directors-0-position').fill('Direktur')
    page.locator('#directors-0-nik').fill(nik)
    page.locator('#licences-0-name').fill('Izin Usaha Perdagangan')
    page.locator('#licences-0-number').fill(f'IUP-{nib[-2:]}')
    page.locator('#licences-0-kbli').fill('46100')
    page.get_by_label('Nama penanggung jawab akun').fill(director)
    page.get_by_label('Email perusahaan').fill(email)
    page.get_by_label('Kata sandi', exact=True).fill(password)
    page.get_by_label('Ulangi kata sandi').fill(password)
    page.get_by_role('button', name='Daftar').click()
    expect(page.get_by_text('Menunggu konfirmasi email').first).to_be_visible()


def upload_company_documents(page):
    """On the vendor's page: the akta, NIB and NPWP a verifier requires."""
    for kind, name, data in (
        ('akta', 'akta.pdf', PDF),
        ('nib', 'nib.png', PNG),
        ('npwp', 'npwp.pdf', PDF),
    ):
        page.get_by_label('Jenis dokumen').select_option(kind)
        page.get_by_label('Berkas (PDF, PNG atau JPEG)').set_input_files(
            files=[{'name': name, 'mimeType': 'application/octet-stream', 'buffer': data}]
        )
        page.get_by_role('button', name='Unggah').click()
        # The form uploads with a progress bar and the answer replaces the page: wait for
        # this file's row (the flash of the previous upload says the same words).
        expect(page.get_by_role('link', name=name)).to_be_visible()
        expect(page.get_by_text('Dokumen diunggah.')).to_be_visible()


def approve_company(page, company, *, shots):
    """The signed-in verifier approves ``company`` from the queue; shots: (queue, review)."""
    page.get_by_role('link', name='Verifikasi penyedia').click()
    check_page(page, shots[0])
    page.get_by_role('link', name=company).click()
    check_page(page, shots[1])
    expect(page.get_by_role('link', name='akta.pdf')).to_be_visible()
    page.get_by_label('Keputusan').select_option('approve')
    page.get_by_role('button', name='Simpan keputusan').click()
    expect(page.get_by_text('Keputusan disimpan.')).to_be_visible()


def enrol_server_key(page, passphrase, *, shots):
    """The signed-in vendor makes a server-held key and tests its passphrase; shots:
    (keys page, enrolled)."""
    page.get_by_role('link', name='Kunci & sertifikat').first.click()
    expect(page.get_by_text('serialNumber (NPWP)', exact=True)).to_be_visible()
    check_page(page, shots[0])
    page.get_by_label('Frasa sandi penandatanganan', exact=True).fill(passphrase)
    page.get_by_label('Ulangi frasa sandi').fill(passphrase)
    page.get_by_role('button', name='Buat kunci di server').click()
    expect(page.get_by_text('Sertifikat aktif')).to_be_visible()
    page.locator('#unlock-passphrase').fill(passphrase)
    page.get_by_role('button', name='Uji').click()
    expect(page.get_by_text('Frasa sandi benar')).to_be_visible()
    check_page(page, shots[1])


def publish_tender(
    page,
    *,
    name,
    category,
    work_unit,
    ppk,
    members,
    hps,
    item,
    prefix,
    method=None,
    kbli=None,
    schedule=None,
    fields=None,
):
    """The signed-in Pokja member drafts a one-item tender with the other ``members`` (emails),
    by selection ``method`` (the form's default when None) with the ``kbli`` requirement and
    any other form ``fields`` ({field id: value}, a select's option or an input's text), sets
    ``schedule`` (SCHEDULE by default), uploads the Dokumen Pemilihan and announces it; returns
    the tender code."""
    page.get_by_role('link', name='Tender saya').click()
    check_page(page, f'{prefix}-01-mine')
    page.get_by_role('link', name='Buat tender').click()
    check_page(page, f'{prefix}-02-new')
    page.get_by_label('Nama paket').fill(name)
    page.get_by_label('Uraian pekerjaan').fill(f'{name}, sesuai spesifikasi teknis.')
    page.get_by_label('Jenis pengadaan').select_option(category)
    if method:
        page.get_by_label('Metode pemilihan').select_option(method)
    if kbli:
        page.get_by_label('KBLI yang disyaratkan').fill(kbli)
    for name, value in (fields or {}).items():
        element = page.locator(f'#{name}')
        if element.evaluate('e => e.tagName') == 'SELECT':
            element.select_option(value)
        else:
            element.fill(value)
    page.get_by_label('Satuan kerja').select_option(work_unit)
    page.get_by_label('Sumber dana').fill('APBD 2026')
    page.get_by_label('Pagu anggaran (Rp)').fill(hps)
    page.get_by_label('HPS (Rp)').fill(hps)
    page.get_by_label('Lokasi pekerjaan').fill('Kelurahan Sungai Keledang')
    page.get_by_label('PPK').select_option(label=ppk)
    for email in members:
        page.get_by_label(re.compile(re.escape(email))).check()
    page.get_by_label('Uraian', exact=True).first.fill(item)
    page.get_by_label('Volume').first.fill('1')
    page.get_by_label('Satuan', exact=True).first.fill('ls')
    page.get_by_label('Harga satuan HPS').first.fill(hps)
    page.get_by_role('button', name='Simpan draf').click()
    created = page.get_by_text(re.compile(r'Draf tender [A-Z]+-2026-\d{5} dibuat'))
    expect(created).to_be_visible()
    code = re.search(r'[A-Z]+-2026-\d{5}', created.inner_text()).group(0)
    check_page(page, f'{prefix}-03-draft')

    # On a phone every stage's start and end field is on screen (one card per stage).
    first = next(iter(schedule or SCHEDULE))
    on_phone_screen(page, page.locator(f'#{first}_start'), page.locator(f'#{first}_end'))
    for stage, (start, end) in (schedule or SCHEDULE).items():
        page.locator(f'#{stage}_start').fill(start)
        page.locator(f'#{stage}_end').fill(end)
    page.get_by_role('button', name='Simpan jadwal').click()
    expect(page.get_by_text('Jadwal disimpan.')).to_be_visible()
    check_page(page, f'{prefix}-04-schedule')

    page.get_by_role('link', name='Unggah dokumen').click()
    check_page(page, f'{prefix}-05-upload')
    page.get_by_label('Jenis dokumen').select_option('dokumen_pemilihan')
    page.get_by_label('Berkas (PDF atau dokumen perkantoran)').set_input_files(
        {'name': 'dokumen-pemilihan.pdf', 'mimeType': 'application/pdf', 'buffer': PDF}
    )
    page.get_by_role('button', name='Unggah').click()
    expect(page.get_by_text('Dokumen diunggah.')).to_be_visible()
    page.get_by_role('button', name='Umumkan tender').click()
    expect(page.get_by_text('Tender diumumkan.')).to_be_visible()
    check_page(page, f'{prefix}-06-published')
    return code


def submit_bid(page, code, *, unit_price, passphrase, attachment, shots):
    """The signed-in vendor bids ``unit_price`` on item 1 of tender ``code``, signing with its
    server-held key; returns the receipt number. shots: (form, receipt). ``attachment`` None:
    a price-only bid (Tender Cepat), whose form has no attachment field."""
    page.goto(f'/tenders/{code}')
    page.get_by_role('link', name='Kirim penawaran').click()
    check_page(page, shots[0])
    page.get_by_label('Harga satuan item 1').fill(unit_price)
    page.get_by_label('TKDN (%)').fill('40')
    page.get_by_label('Masa berlaku penawaran (hari)').fill('90')
    if attachment is None:
        expect(page.locator('#price-only')).to_contain_text('penawaran hanya harga')
        expect(page.get_by_label('Lampiran (PDF)')).to_have_count(0)
    else:
        page.get_by_label('Lampiran (PDF)').set_input_files(str(attachment))
    page.get_by_label('Frasa sandi penandatanganan').fill(passphrase)
    page.get_by_role('button', name='Tanda tangani, segel dan kirim').click()
    receipt = page.get_by_text(re.compile(r'Penawaran terkirim\. Nomor tanda terima'))
    expect(receipt).to_be_visible()
    check_page(page, shots[1])
    return receipt.inner_text()


def release_share(page, code, email, passphrase, *, password=PASSWORD, shot):
    """A Pokja member signs in and hands over its key share on the opening page."""
    login(page, email, password)
    page.goto(f'/tenders/{code}')
    page.get_by_role('link', name='Halaman pembukaan').click()
    check_page(page, shot)
    page.get_by_label('Frasa sandi penandatanganan').fill(passphrase)
    page.get_by_role('button', name='Serahkan bagian kunci').click()


def open_bids(page, code, emails, password, *, prefix):
    """Each Pokja member of ``emails`` signs in and hands over its key share (the last one's
    share opens the bids; the page is left signed in as that member)."""
    for n, email in enumerate(emails, start=1):
        release_share(
            page, code, email, SIGNING_PASSPHRASE, password=password(email), shot=f'{prefix}-{n}'
        )
        if n < len(emails):
            expect(page.get_by_text('Bagian kunci Anda diterima.')).to_be_visible()
            logout(page)
    expect(page.get_by_text('Bagian kunci diterima. Penawaran telah dibuka.')).to_be_visible()


def evaluate(page, code, bid_id, *, technical_failure=None, score=None, parts=WORKSHEET_PARTS):
    """The signed-in Pokja member fills a bid's worksheet: every part of ``parts`` passes, or
    the technical part fails for ``technical_failure``; ``score`` is the technical score (NT)."""
    page.goto(f'/tenders/{code}/evaluation/bids/{bid_id}')
    for kind in parts:
        verdict = 'fail' if kind == 'technical' and technical_failure else 'pass'
        page.locator(f'#fs-{kind} input[value="{verdict}"]').check()
    if technical_failure:
        page.locator('#technical_reason').fill(technical_failure)
    if score is not None:
        page.get_by_label('Nilai teknis (0–100)').fill(score)
    check_page(page, f'evaluation-worksheet-{bid_id}')
    page.locator('#save-worksheet').click()
    expect(page.get_by_text('disimpan')).to_be_visible()


def propose_result(page, code, *, shot):
    """The signed-in Pokja member proposes the evaluation's result for approval."""
    page.goto(f'/tenders/{code}/evaluation/')
    page.locator('#propose-result').click()
    expect(page.get_by_text('menunggu persetujuan')).to_be_visible()
    check_page(page, shot)


def approve_result(page, code, *, shot):
    """Another signed-in Pokja member approves the proposed result: the winner is decided."""
    page.goto(f'/tenders/{code}/evaluation/')
    page.locator('#approve-result').click()
    expect(page.get_by_text('Pemenang ditetapkan.')).to_be_visible()
    check_page(page, shot)


def announce_winner(page, code, *, shot):
    """The signed-in Pokja member announces the winner from the tender page."""
    page.goto(f'/tenders/{code}')
    page.locator('#announce-winner').click()
    expect(page.get_by_text('Pemenang diumumkan; masa sanggah dimulai.')).to_be_visible()
    check_page(page, shot)


def file_objection(page, code, grounds, attachment=None):
    """The signed-in losing bidder files a sanggah on the tender page."""
    page.goto(f'/tenders/{code}')
    form = page.locator('#objection-form')
    form.get_by_label('Alasan sanggah').fill(grounds)
    if attachment is not None:
        form.locator('input[type=file]').set_input_files(str(attachment))
    form.get_by_role('button', name='Kirim sanggah').click()
    expect(page.get_by_text('Sanggah terkirim.')).to_be_visible()
    expect(page.locator('article.objection')).to_contain_text(grounds)


def reject_objection(page, code, answer):
    """The signed-in Pokja member answers the sanggah on the tender page: rejected, why."""
    page.goto(f'/tenders/{code}')
    form = page.locator('form.answer-objection')
    form.get_by_label('Sanggah ditolak').check()
    form.get_by_label('Jawaban dan alasannya').fill(answer)
    form.get_by_role('button', name='Kirim jawaban sanggah').click()
    expect(page.get_by_text('Jawaban sanggah disimpan.')).to_be_visible()


def draft_contract(page, terms):
    """On the contract page the PPK fills the draft's ``terms`` ({field id: value}) and saves."""
    for name, value in terms.items():
        page.locator(f'#{name}').fill(value)
    page.get_by_role('button', name='Simpan draf kontrak').click()
    expect(page.get_by_text('Draf kontrak disimpan; penyedia dapat meninjaunya.')).to_be_visible()


def accept_contract_draft(page):
    """On the contract page, the signed-in winner accepts the draft."""
    page.get_by_label('Setujui draf').check()
    page.get_by_role('button', name='Kirim tinjauan').click()
    expect(page.get_by_text('Tinjauan Anda tercatat.')).to_be_visible()


def sign_as_vendor(page, passphrase):
    """On the contract page, the signed-in winner signs with its server-held key."""
    page.get_by_label('Frasa sandi penandatanganan').fill(passphrase)
    page.get_by_role('button', name='Tandatangani', exact=True).click()
    expect(page.get_by_text('Anda telah menandatangani dokumen ini.')).to_be_visible()


def sign_as_ppk(page, code, *, shot):
    """The signed-in PPK countersigns on the contract page; returns the signed PDF downloaded."""
    page.goto(f'/tenders/{code}/contract')
    page.get_by_role('button', name='Tandatangani sebagai PPK').click()
    expect(page.get_by_text('Dokumen ditandatangani kedua pihak.')).to_be_visible()
    check_page(page, shot)
    with page.expect_download() as download:
        page.get_by_role('link', name='Unduh dokumen bertanda tangan (PDF)').first.click()
    return Path(download.value.path()).read_bytes()


def spmk_and_bast(page, code, work_starts_on, *, shots):
    """On the signed contract's page the PPK issues the SPMK and records the BAST; the tender
    page then says "Selesai". shots: (SPMK, BAST, completed tender)."""
    page.locator('#work_starts_on').fill(work_starts_on)
    page.get_by_role('button', name='Terbitkan SPMK').click()
    expect(page.get_by_text('SPMK diterbitkan.')).to_be_visible()
    check_page(page, shots[0])
    page.get_by_role('button', name='Catat serah terima').click()
    expect(page.get_by_text('BAST tercatat; tender selesai.')).to_be_visible()
    expect(page.get_by_role('link', name='BAST (PDF)')).to_be_visible()
    check_page(page, shots[1])
    page.goto(f'/tenders/{code}')
    expect(page.locator('.badge.stage').first).to_have_text('Selesai')
    check_page(page, shots[2])


def assert_signed_by_both(pdf, vendor_signer):
    """The signed contract parsed back: the vendor's signature (by ``vendor_signer``), then the
    system's for the PPK, both valid."""
    embedded = PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    assert [s.field_name for s in embedded] == ['TandaTanganPenyedia', 'TandaTanganLPSE']
    with outside_playwright_loop():
        check = documents.check_pdf(pdf)
    assert check.genuine, check.signature.reason_if_invalid
    signatures = check.signature.signatures
    assert len(signatures) == 2 and all(s.valid for s in signatures)
    assert signatures[0].signer_name == vendor_signer
