"""What opening results are called, on pages and in the opening minutes."""

from flask_babel import lazy_gettext as _l

RESULT_LABELS = {
    'opened': _l('Dibuka'),
    'not_openable': _l('Tidak dapat dibuka'),
    'not_opened': _l('Tidak dibuka'),
}
REASON_LABELS = {
    'bad_envelope': _l('sampul rusak atau telah diubah'),
    'wrong_recipient': _l('sampul tidak ditujukan ke sertifikat tender ini'),
    'signature_invalid': _l('tanda tangan tidak sah'),
    'signer_mismatch': _l('penanda tangan bukan penyedia yang mengirim'),
    'certificate_revoked': _l('sertifikat penanda tangan sudah dicabut saat pengiriman'),
    'package_malformed': _l('paket penawaran tidak sesuai format atau tender'),
    'unsafe_zip': _l('berkas ZIP berbahaya (tidak diekstrak)'),
    # not opened:
    'superseded': _l('digantikan penawaran yang lebih baru'),
    'withdrawn': _l('ditarik oleh penyedia'),
    'technical_not_passed': _l('File I tidak lulus evaluasi teknis'),
}
# What the minutes (read by every bidder) say about an envelope that could not be opened: the
# reason in general terms only. The technical detail (which may name another company's
# certificate) stays on the officers' and auditors' pages.
PUBLIC_DETAILS = {
    'bad_envelope': _l(
        'Sampul tidak dapat dibaca sebagai sampul CMS yang utuh, atau tidak lagi sama dengan '
        'sidik SHA-256 pada tanda terimanya.'
    ),
    'wrong_recipient': _l('Kunci sampul tidak dapat dibuka dengan kunci privat tender ini.'),
    'signature_invalid': _l(
        'Tanda tangan di dalam sampul tidak dapat diverifikasi, atau sertifikatnya tidak sah '
        'saat penawaran diterima.'
    ),
    'signer_mismatch': _l(
        'Penawaran di dalam sampul ditandatangani dengan sertifikat yang bukan milik akun '
        'penyedia pengirim.'
    ),
    'certificate_revoked': _l(
        'Sertifikat penanda tangan telah dicabut sebelum penawaran diterima.'
    ),
    'package_malformed': _l('Isi sampul bukan paket penawaran yang sah untuk tender ini.'),
    'unsafe_zip': _l('Paket penawaran berisi arsip ZIP berbahaya dan tidak diekstrak.'),
}
KIND_LABELS = {
    'single': _l('Penawaran (satu file)'),
    'technical': _l('File I (administrasi dan teknis)'),
    'price': _l('File II (harga)'),
}
VIA_LABELS = {'server': _l('frasa sandi di server'), 'cli': _l('lpse open-share')}


def reason_label(row) -> str:
    """The result in words: "Tidak dapat dibuka: tanda tangan tidak sah"."""
    label = str(RESULT_LABELS[row.result])
    key = row.reason or (row.reason_detail if row.result == 'not_opened' else None)
    return f'{label}: {REASON_LABELS[key]}' if key in REASON_LABELS else label
