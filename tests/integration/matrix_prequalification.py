"""The prequalification pages × who is asking: the tender matrix's cast plus 'sender' (a firm
that sent its qualification data and objected to the result). Walked by
tests/integration/methods/test_prakualifikasi_pages.py.

URL values: {code} a prakualifikasi tender whose result is announced (its objection period
running) with {result}, the sender's {submission} and its pending {objection}. Empty bodies:
whoever gets through the gate meets the missing data (422) or the rule that refuses (409: the
submission stage is over; 404: no draft to download)."""

from matrix_tenders import ANON, MEMBER, WHO

WHO_P = (*WHO, 'sender')
VENDORS = ('vendor', 'sender')


def page(default, **who):
    return {w: who.get(w, 302 if w == ANON else default) for w in WHO_P}


def vendors(status, **who):
    return page(403, **dict.fromkeys(VENDORS, status), **who)


def member(status):
    return page(403, **{MEMBER: status})


BASE = '/tenders/{code}/prakualifikasi'

MATRIX = {
    ('prequalification.form', 'GET'): (f'{BASE}/formulir', vendors(200)),
    ('prequalification.send', 'POST'): (f'{BASE}/formulir', vendors(422)),
    ('prequalification.prepare', 'POST'): (f'{BASE}/formulir/draf', vendors(409)),
    ('prequalification.draft_pdf', 'GET'): (f'{BASE}/formulir/draf.pdf', vendors(404)),
    ('prequalification.upload', 'POST'): (f'{BASE}/formulir/unggah', vendors(422)),
    ('prequalification.evaluation', 'GET'): (f'{BASE}/evaluasi', member(200)),
    ('prequalification.submission', 'GET'): (f'{BASE}/evaluasi/{{submission}}', member(200)),
    ('prequalification.verdicts', 'POST'): (f'{BASE}/evaluasi/{{submission}}', member(422)),
    ('prequalification.approve', 'POST'): (f'{BASE}/persetujuan', member(422)),
    ('prequalification.answer', 'POST'): (
        f'{BASE}/sanggah/{{objection}}/jawaban',
        member(422),
    ),
    ('prequalification.file_objection', 'POST'): (f'{BASE}/sanggah', vendors(422)),
    ('prequalification.result_pdf', 'GET'): (
        f'{BASE}/hasil/{{result}}/pengumuman.pdf',
        page(200, **{ANON: 200}),
    ),
}
