"""Forms: registration and profile, documents, verification, suspension, blacklist, keys.

The forms only shape input; the rules (NPWP, NIB, NIK, KBLI…) live in the operations, whose
errors the views attach to the fields they name."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional

from lpse.pki_service import RevocationReason
from lpse.vendors.models import (
    MAX_DIRECTORS,
    MAX_LICENCES,
    PROFILE_FIELDS,
    DocumentKind,
    LegalForm,
    SbuGrade,
    SizeClass,
)

LEGAL_FORM_LABELS = {
    LegalForm.pt: _l('PT (Perseroan Terbatas)'),
    LegalForm.cv: _l('CV (Persekutuan Komanditer)'),
    LegalForm.firma: _l('Firma'),
    LegalForm.koperasi: _l('Koperasi'),
    LegalForm.perorangan: _l('Perorangan'),
}
SIZE_LABELS = {SizeClass.kecil: _l('Usaha kecil'), SizeClass.non_kecil: _l('Non-kecil')}
SBU_LABELS = {
    SbuGrade.K: _l('K (kecil)'),
    SbuGrade.M: _l('M (menengah)'),
    SbuGrade.B: _l('B (besar)'),
}
DOCUMENT_LABELS = {
    DocumentKind.akta: _l('Akta pendirian/perubahan'),
    DocumentKind.nib: _l('NIB'),
    DocumentKind.npwp: _l('NPWP'),
    DocumentKind.izin: _l('Izin usaha'),
    DocumentKind.lainnya: _l('Lainnya'),
}
STATUS_LABELS = {
    'unconfirmed': _l('Menunggu konfirmasi email'),
    'submitted': _l('Menunggu verifikasi'),
    'changes_requested': _l('Perlu perbaikan'),
    'rejected': _l('Ditolak'),
    'verified': _l('Terverifikasi'),
    'suspended': _l('Dibekukan'),
}
REVOCATION_LABELS = {
    RevocationReason.key_compromise: _l('Kunci bocor atau hilang'),
    RevocationReason.affiliation_changed: _l('Tidak lagi mewakili perusahaan/instansi'),
    RevocationReason.cessation_of_operation: _l('Tidak dipakai lagi'),
    RevocationReason.unspecified: _l('Lainnya'),
}
CERT_STATE_LABELS = {
    'valid': _l('Berlaku'),
    'revoked': _l('Dicabut'),
    'expired': _l('Kedaluwarsa'),
    'not_yet_valid': _l('Belum berlaku'),
}
# What a certificate is for (crypto.pki.Profile), as its owner reads it.
CERT_PROFILE_LABELS = {
    'signing': _l('Tanda tangan (penawaran, formulir)'),
    'pokja': _l('Pokja (tanda tangan, bagian kunci tender)'),
    'tender': _l('Kunci tender'),
}
DECISION_LABELS = {
    'approve': _l('Setujui'),
    'request_changes': _l('Minta perbaikan'),
    'reject': _l('Tolak'),
}


def _choices(labels, blank=None):
    items = [SelectChoice(str(k.value if hasattr(k, 'value') else k), v) for k, v in labels.items()]
    return ([SelectChoice('', blank)] if blank else []) + items


class DirectorForm(Form):
    name = StringField(_l('Nama'), validators=[Optional(), Length(max=200)])
    position = StringField(_l('Jabatan'), validators=[Optional(), Length(max=100)])
    nik = StringField(_l('NIK (16 angka)'), validators=[Optional(), Length(max=30)])


class LicenceForm(Form):
    name = StringField(_l('Jenis izin'), validators=[Optional(), Length(max=200)])
    number = StringField(_l('Nomor izin'), validators=[Optional(), Length(max=100)])
    kbli = StringField(_l('KBLI (5 angka)'), validators=[Optional(), Length(max=10)])


class ProfileForm(FlaskForm):
    company_name = StringField(_l('Nama perusahaan'), validators=[DataRequired(), Length(max=200)])
    legal_form = SelectField(_l('Bentuk usaha'), choices=_choices(LEGAL_FORM_LABELS))
    npwp = StringField(
        _l('NPWP'), validators=[DataRequired(), Length(max=30)], render_kw={'inputmode': 'numeric'}
    )
    nib = StringField(
        _l('NIB'), validators=[DataRequired(), Length(max=30)], render_kw={'inputmode': 'numeric'}
    )
    address = TextAreaField(_l('Alamat'), validators=[DataRequired(), Length(max=500)])
    province = StringField(_l('Provinsi'), validators=[DataRequired(), Length(max=100)])
    city = StringField(_l('Kabupaten/kota'), validators=[DataRequired(), Length(max=100)])
    phone = StringField(
        _l('Telepon'), validators=[DataRequired(), Length(max=30)], render_kw={'type': 'tel'}
    )
    bank_name = StringField(_l('Nama bank'), validators=[Optional(), Length(max=100)])
    bank_account = StringField(
        _l('Nomor rekening'),
        validators=[Optional(), Length(max=40)],
        render_kw={'inputmode': 'numeric'},
    )
    size_class = SelectField(_l('Kualifikasi usaha'), choices=_choices(SIZE_LABELS))
    sbu_grade = SelectField(
        _l('Kualifikasi SBU (badan usaha konstruksi)'),
        choices=_choices(SBU_LABELS, blank=_l('— bukan badan usaha konstruksi —')),
    )
    # Three rows to start with; "Tambah baris" (static/js/vendor-rows.js) adds more, up to the
    # operation's own caps (registration.MAX_DIRECTORS / MAX_LICENCES, checked again there).
    directors = FieldList(FormField(DirectorForm), min_entries=3, max_entries=MAX_DIRECTORS)
    licences = FieldList(FormField(LicenceForm), min_entries=3, max_entries=MAX_LICENCES)

    def profile_data(self) -> dict:
        """The operation's input: blank director and licence rows left out."""
        data = {name: getattr(self, name).data for name in PROFILE_FIELDS}
        for name in ('directors', 'licences'):
            data[name] = [
                row | {'row': i}
                for i, row in enumerate(getattr(self, name).data)
                if any((v or '').strip() for v in row.values())
            ]
        return data


class RegistrationForm(ProfileForm):
    contact_name = StringField(
        _l('Nama penanggung jawab akun'), validators=[DataRequired(), Length(max=200)]
    )
    email = EmailField(_l('Email perusahaan'), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l('Kata sandi'), validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        _l('Ulangi kata sandi'),
        validators=[DataRequired(), EqualTo('password', message=_l('Kata sandi tidak sama.'))],
    )

    def registration_data(self) -> dict:
        return self.profile_data() | {
            'contact_name': self.contact_name.data,
            'email': self.email.data,
            'password': self.password.data,
        }


class DocumentForm(FlaskForm):
    kind = SelectField(_l('Jenis dokumen'), choices=_choices(DOCUMENT_LABELS))
    file = FileField(_l('Berkas (PDF, PNG atau JPEG)'), validators=[FileRequired()])


class DecisionForm(FlaskForm):
    # The Vendor.content_version() the page showed: approving data that changed since is refused.
    content_version = HiddenField()
    # No decision is preselected: a careless submit must not approve.
    decision = SelectField(
        _l('Keputusan'),
        choices=_choices(DECISION_LABELS, blank=_l('— pilih keputusan —')),
        validators=[DataRequired(message=_l('Pilih keputusan.'))],
    )
    reason = TextAreaField(
        _l('Alasan (wajib untuk tolak dan minta perbaikan)'), validators=[Length(max=2000)]
    )


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l('Alasan'), validators=[DataRequired(), Length(max=2000)])


class BlacklistForm(FlaskForm):
    company_name = StringField(_l('Nama perusahaan'), validators=[DataRequired(), Length(max=200)])
    npwp = StringField(_l('NPWP'), validators=[Length(max=30)])
    nib = StringField(_l('NIB'), validators=[Length(max=30)])
    reason = TextAreaField(_l('Alasan sanksi'), validators=[DataRequired(), Length(max=2000)])
    decree_number = StringField(_l('Nomor SK'), validators=[DataRequired(), Length(max=100)])
    starts_on = DateField(_l('Mulai'), validators=[DataRequired()])
    ends_on = DateField(_l('Sampai dengan'), validators=[DataRequired()])


class CsrForm(FlaskForm):
    csr = TextAreaField(
        _l('CSR (PEM)'), validators=[DataRequired(), Length(max=16384)], render_kw={'rows': 12}
    )


class ServerKeyForm(FlaskForm):
    passphrase = PasswordField(
        _l('Frasa sandi penandatanganan'), validators=[DataRequired(), Length(max=1024)]
    )
    confirm = PasswordField(
        _l('Ulangi frasa sandi'),
        validators=[DataRequired(), EqualTo('passphrase', message=_l('Frasa sandi tidak sama.'))],
    )


class UnlockForm(FlaskForm):
    passphrase = PasswordField(
        _l('Frasa sandi penandatanganan'), validators=[DataRequired(), Length(max=1024)]
    )


class RevokeForm(FlaskForm):
    reason = SelectField(_l('Alasan pencabutan'), choices=_choices(REVOCATION_LABELS))
    note = TextAreaField(_l('Catatan'), validators=[Length(max=1000)])


class ConfirmForm(FlaskForm):
    """An empty form: a button that posts with a CSRF token."""
