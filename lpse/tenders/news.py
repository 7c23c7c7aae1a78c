"""A tender's news: who hears of what happens to it, and what they are told.

Each event that concerns the people of a tender calls `tell` once, in the operation that makes
it happen, right after its audit record: the inbox rows and the queued mail are committed with
the action (or not at all), and mail goes out after the commit (lpse/notify/outbox.py).

The audience of a tender's news is its followers (tenders/follows.py) and the vendors who bid
(the bids floor adds them through `audience_source`, this floor being below it). Each person
gets a message of their own: nobody learns who else follows or bid."""

from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from lpse.extensions import db
from lpse.i18n import in_zone
from lpse.notify import inbox
from lpse.tenders import follows
from lpse.tenders.models import Tender, TenderStatus

AUDIENCE_SOURCES = []  # functions tender -> users, registered by higher floors


def audience_source(fn):
    AUDIENCE_SOURCES.append(fn)
    return fn


def audience(tender):
    """The followers and bidders of ``tender``, each once, by id."""
    people = {u.id: u for u in follows.followers(tender)}
    for source in AUDIENCE_SOURCES:
        people |= {u.id: u for u in source(tender)}
    return [people[k] for k in sorted(people)]


# Functions (tender, users) -> users narrowing who hears of a bid deadline to who may still bid
# (a prequalified tender's shortlist registers one: tenders.prequalification.shortlist).
DEADLINE_AUDIENCE = []


def deadline_audience(fn):
    DEADLINE_AUDIENCE.append(fn)
    return fn


# What each kind of news says: (title, body), rendered in each reader's language.
MESSAGES = {
    'question_answered': lambda p: (
        _('Pertanyaan dijawab: %(code)s', **p),
        _('Pokja menjawab pertanyaan pada tender %(code)s — %(title)s.', **p),
    ),
    'addendum': lambda p: (
        _('Adendum %(number)s tender %(code)s', **p),
        _(
            'Adendum %(number)s diterbitkan untuk tender %(code)s — %(title)s. Alasan: %(reason)s',
            **p,
        ),
    ),
    'schedule_changed': lambda p: (
        _('Jadwal tender %(code)s berubah', **p),
        _('Jadwal tender %(code)s — %(title)s diubah. Alasan: %(reason)s', **p),
    ),
    'deadline': lambda p: (
        _('Batas akhir penawaran %(code)s mendekat', **p),
        _('Pemasukan penawaran tender %(code)s — %(title)s ditutup pada %(deadline)s.', **p),
    ),
    'opening_done': lambda p: (
        _('Pembukaan penawaran %(code)s selesai', **p),
        _(
            'Penawaran tender %(code)s — %(title)s telah dibuka; hasilnya ada di halaman tender.',
            **p,
        ),
    ),
    'announced': lambda p: (
        _('Pemenang tender %(code)s diumumkan', **p),
        _(
            'Pemenang tender %(code)s — %(title)s telah diumumkan. Masa sanggah berakhir %(ends)s.',
            **p,
        ),
    ),
    'shortlisted': lambda p: (
        _('Anda masuk daftar pendek tender %(code)s', **p),
        _(
            'Hasil prakualifikasi tender %(code)s — %(title)s diumumkan: perusahaan Anda masuk '
            'daftar pendek. Unduh dokumen pemilihan dan kirim penawaran sebelum %(deadline)s.',
            **p,
        ),
    ),
    'not_shortlisted': lambda p: (
        _('Hasil prakualifikasi tender %(code)s', **p),
        _(
            'Hasil prakualifikasi tender %(code)s — %(title)s diumumkan: perusahaan Anda tidak '
            'masuk daftar pendek. Alasannya ada di halaman tender; sanggah dapat diajukan sampai '
            '%(ends)s.',
            **p,
        ),
    ),
    'objection_filed': lambda p: (
        _('Sanggah baru pada tender %(code)s', **p),
        _(
            'Sanggah diajukan pada tender %(code)s — %(title)s; jawab paling lambat %(due)s.',
            **p,
        ),
    ),
    'objection_against_win': lambda p: (
        _('Sanggah atas hasil tender %(code)s', **p),
        _(
            'Sebuah sanggah diajukan atas hasil pemilihan tender %(code)s — %(title)s, yang '
            'menetapkan perusahaan Anda sebagai pemenang. Pokja menjawabnya paling lambat %(due)s; '
            'bila sanggah diterima, pengumuman pemenang ditarik.',
            **p,
        ),
    ),
    'announcement_withdrawn': lambda p: (
        _('Pengumuman pemenang tender %(code)s ditarik', **p),
        _(
            'Pokja menerima sanggah atas hasil tender %(code)s — %(title)s, dan pengumuman '
            'pemenang ditarik. Jawaban sanggah dan langkah berikutnya ada di halaman tender.',
            **p,
        ),
    ),
    'objection_answered': lambda p: (
        _('Sanggah Anda pada tender %(code)s dijawab', **p),
        _('Pokja menjawab sanggah Anda pada tender %(code)s — %(title)s: %(outcome)s.', **p),
    ),
    'award_issued': lambda p: (
        _('SPPBJ tender %(code)s diterbitkan untuk Anda', **p),
        _(
            'PPK menerbitkan SPPBJ nomor %(number)s untuk tender %(code)s — %(title)s kepada '
            'perusahaan Anda. Langkah berikutnya: PPK menyusun draf kontrak untuk Anda tinjau.',
            **p,
        ),
    ),
    'contract_drafted': lambda p: (
        _('Draf %(what)s tender %(code)s siap ditinjau', **p),
        _(
            'PPK menyusun draf %(what)s tender %(code)s — %(title)s. Tinjau, lalu setujui atau '
            'minta perubahan.',
            **p,
        ),
    ),
    'contract_changes_requested': lambda p: (
        _('Penyedia meminta perubahan draf %(what)s tender %(code)s', **p),
        _(
            'Penyedia pemenang tender %(code)s — %(title)s meminta perubahan draf %(what)s; '
            'catatannya ada di halaman kontrak.',
            **p,
        ),
    ),
    'contract_vendor_signed': lambda p: (
        _('Penyedia menandatangani %(what)s tender %(code)s', **p),
        _(
            'Penyedia pemenang tender %(code)s — %(title)s telah menandatangani %(what)s. '
            'Giliran Anda menandatanganinya.',
            **p,
        ),
    ),
    'contract_signed': lambda p: (
        _('Tanda tangan lengkap: %(what)s tender %(code)s', **p),
        _(
            'PPK menandatangani %(what)s tender %(code)s — %(title)s; dokumennya, dengan kedua '
            'tanda tangan, dapat diunduh di halaman kontrak.',
            **p,
        ),
    ),
    'spmk_issued': lambda p: (
        _('SPMK tender %(code)s diterbitkan', **p),
        _(
            'PPK menerbitkan Surat Perintah Mulai Kerja untuk tender %(code)s — %(title)s; '
            'tanggal mulai kerja ada di halaman kontrak.',
            **p,
        ),
    ),
    'handed_over': lambda p: (
        _('Serah terima pekerjaan tender %(code)s tercatat', **p),
        _(
            'PPK mencatat Berita Acara Serah Terima (BAST) pekerjaan tender %(code)s — '
            '%(title)s. Tender selesai.',
            **p,
        ),
    ),
}
# Moments in a message: shown in the tender's zone, in the reader's language.
MOMENTS = ('deadline', 'ends', 'due')


def tell(tender, kind, *, now, to=None, dedupe=None, endpoint='tenders.detail', **params):
    """Tell ``to`` (default: the tender's audience) of ``kind``, each in their own language."""
    people = audience(tender) if to is None else to

    def render():
        values = {'code': tender.code, 'title': tender.title}
        for key, value in params.items():
            values[key] = in_zone(value, tender.timezone) if key in MOMENTS else value
        if 'outcome' in values:
            values['outcome'] = _('diterima') if values['outcome'] else _('ditolak')
        return MESSAGES[kind](values)

    return inbox.send(
        people,
        kind=kind,
        render=render,
        link=inbox.site_path(endpoint, code=tender.code),
        dedupe=dedupe,
        now=now,
    )


def remind_deadlines(*, now) -> int:
    """The clock's round: the audience of every tender whose bid deadline falls within the
    next LPSE_DEADLINE_REMINDER_HOURS hears of it once (per person and tender)."""
    hours = int(current_app.config.get('LPSE_DEADLINE_REMINDER_HOURS') or 0)
    if hours <= 0:
        return 0
    tenders = select(Tender).where(
        Tender.status == TenderStatus.published.value,
        Tender.superseded.is_(False),
        Tender.bid_deadline > now,
        Tender.bid_deadline <= now + timedelta(hours=hours),
    )
    told = 0
    for tender in db.session.scalars(tenders).all():
        people = audience(tender)
        for narrow in DEADLINE_AUDIENCE:
            people = narrow(tender, people)
        told += len(
            tell(
                tender,
                'deadline',
                to=people,
                now=now,
                dedupe=f'deadline:{tender.id}',
                deadline=tender.bid_deadline,
            )
        )
    return told
