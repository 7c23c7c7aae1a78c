"""Registering a company, confirming its email, editing and resubmitting. No request, no commit."""

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from lpse import audit
from lpse.auth import operations as auth_ops
from lpse.errors import Conflict, NotAllowed, ValidationFailed, collect
from lpse.extensions import db, savepoint
from lpse.vendors import blacklist
from lpse.vendors.models import (
    MAX_DIRECTORS,
    MAX_LICENCES,
    PROFILE_FIELDS,
    LegalForm,
    SbuGrade,
    SizeClass,
    Vendor,
    VendorDirector,
    VendorLicence,
    VendorStatus,
)
from lpse.vendors.validators import (
    InvalidIdentifier,
    is_construction_kbli,
    normalise_bank_account,
    normalise_kbli,
    normalise_nib,
    normalise_nik,
    normalise_npwp,
    normalise_phone,
    npwp_key,
)

EMAIL_SALT = 'vendor-email'
# One message for a taken NPWP and a taken NIB: it must not tell which, nor whose.
DUPLICATE = _l(
    'NPWP atau NIB ini sudah terdaftar. Jika ini perusahaan Anda, hubungi admin LPSE untuk '
    'memulihkan akses.'
)


def _text(data, name, *, max_len, label, field=None):
    """A required text; a row's field is named `<row>-<name>` (as the form names it)."""
    field = f'{field}-{name}' if field else name
    value = data.get(name)
    if value is not None and not isinstance(value, str):
        raise ValidationFailed(_l('%(label)s bertipe salah: kirim teks.', label=label), field=field)
    value = (value or '').strip()
    if not value:
        raise ValidationFailed(_l('%(label)s wajib diisi.', label=label), field=field)
    if len(value) > max_len:
        raise ValidationFailed(
            _l('%(label)s maksimal %(n)s karakter.', label=label, n=max_len), field=field
        )
    return value


def _identifier(normalise, data, name, field=None):
    try:
        return normalise(data.get(name))
    except InvalidIdentifier as exc:
        raise ValidationFailed(exc.message, field=field or name) from None


def _choice(data, name, enum_cls, label):
    value = data.get(name)
    try:
        return enum_cls(value).value
    except (ValueError, TypeError):
        raise ValidationFailed(
            _l('Pilih %(label)s yang tersedia.', label=label), field=name
        ) from None


# The rows of a profile: (name, cap, what an empty list says, the texts of a row and the
# identifier of a row). Each text is (key, max length, label).
ROWS = {
    'directors': (
        MAX_DIRECTORS,
        _l('Isi minimal satu pengurus/pemilik.'),
        (('name', 200, _l('Nama pengurus')), ('position', 100, _l('Jabatan'))),
        ('nik', normalise_nik),
    ),
    'licences': (
        MAX_LICENCES,
        _l('Isi minimal satu izin usaha dengan KBLI.'),
        (('name', 200, _l('Jenis izin')), ('number', 100, _l('Nomor izin'))),
        ('kbli', normalise_kbli),
    ),
}


def _parse_rows(data, name) -> list[dict]:
    """Directors or licences: a list of objects, at most the cap, at least one."""
    maximum, empty, texts, (id_name, normalise) = ROWS[name]
    rows = data.get(name) or []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ValidationFailed(_l('Kolom "%(name)s" bertipe salah.', name=name), field=name)
    if len(rows) > maximum:
        raise ValidationFailed(_l('Terlalu banyak baris (maksimal %(n)s).', n=maximum), field=name)
    parsed = []
    for i, row in enumerate(rows):
        index = row.get('row')
        where = f'{name}-{index if isinstance(index, int) and not isinstance(index, bool) else i}'
        values = {
            key: _text(row, key, max_len=max_len, label=label, field=where)
            for key, max_len, label in texts
        }
        values[id_name] = _identifier(normalise, row, id_name, field=f'{where}-{id_name}')
        parsed.append(values)
    if not parsed:
        raise ValidationFailed(empty, field=name)
    return parsed


def parse_profile(data: dict) -> dict:
    """Validate and normalise a company profile (everything but the login account)."""
    # Every field is checked, and all refusals are reported together (errors.collect).
    found = collect(
        {
            'company_name': lambda: _text(
                data, 'company_name', max_len=200, label=_l('Nama perusahaan')
            ),
            'legal_form': lambda: _choice(data, 'legal_form', LegalForm, _l('bentuk usaha')),
            'npwp': lambda: _identifier(normalise_npwp, data, 'npwp'),
            'nib': lambda: _identifier(normalise_nib, data, 'nib'),
            'address': lambda: _text(data, 'address', max_len=500, label=_l('Alamat')),
            'province': lambda: _text(data, 'province', max_len=100, label=_l('Provinsi')),
            'city': lambda: _text(data, 'city', max_len=100, label=_l('Kabupaten/kota')),
            'phone': lambda: _identifier(normalise_phone, data, 'phone'),
            'bank': lambda: _bank(data),
            'size_class': lambda: _choice(data, 'size_class', SizeClass, _l('kualifikasi usaha')),
            'directors': lambda: _parse_rows(data, 'directors'),
            'licences': lambda: _parse_rows(data, 'licences'),
            'sbu_grade': lambda: _sbu_grade(data),
        }
    )
    bank = found.pop('bank')
    return found | bank


def _kbli_or_blank(value) -> str:
    """A licence's KBLI as parsed, or '' where it is wrong (its row reports that itself)."""
    try:
        return normalise_kbli(value)
    except (ValidationFailed, InvalidIdentifier, TypeError, ValueError):
        return ''


def _sbu_grade(data):
    """The SBU grade: required of a construction firm (a KBLI 41–43 licence), refused of others."""
    rows = data.get('licences')
    rows = [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
    construction = any(is_construction_kbli(_kbli_or_blank(r.get('kbli'))) for r in rows)
    grade = data.get('sbu_grade') or None
    if construction and grade is None:
        raise ValidationFailed(
            _l('Badan usaha konstruksi (KBLI 41–43) wajib mengisi kualifikasi SBU.'),
            field='sbu_grade',
        )
    if not construction and grade is not None:
        raise ValidationFailed(
            _l('Kualifikasi SBU hanya untuk badan usaha konstruksi (KBLI 41–43).'),
            field='sbu_grade',
        )
    return _choice(data, 'sbu_grade', SbuGrade, 'SBU') if grade else None


def _bank(data) -> dict:
    """The payment account: both the bank and the number, or neither."""
    account = _identifier(normalise_bank_account, data, 'bank_account')
    name = (data.get('bank_name') or '').strip() if isinstance(data.get('bank_name'), str) else ''
    if account and not name:
        raise ValidationFailed(_l('Isi nama bank untuk nomor rekening ini.'), field='bank_name')
    if name and not account:
        raise ValidationFailed(_l('Isi nomor rekening di bank ini.'), field='bank_account')
    if len(name) > 100:
        raise ValidationFailed(
            _l('%(label)s maksimal %(n)s karakter.', label=_l('Nama bank'), n=100),
            field='bank_name',
        )
    return {'bank_name': name or None, 'bank_account': account}


def _check_ids_free(profile, *, now, except_vendor=None):
    key = npwp_key(profile['npwp'])
    stmt = select(Vendor.id).where(or_(Vendor.npwp_key == key, Vendor.nib == profile['nib']))
    if except_vendor is not None:
        stmt = stmt.where(Vendor.id != except_vendor.id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise Conflict(DUPLICATE, field='npwp')
    entry = blacklist.active_entry(npwp=profile['npwp'], nib=profile['nib'], now=now)
    if entry is not None:
        raise NotAllowed(
            _l(
                'NPWP/NIB ini tercantum dalam Daftar Hitam (SK %(decree)s) sampai %(end)s.',
                decree=entry.decree_number,
                end=entry.ends_on.isoformat(),
            )
        )


def _apply(vendor, profile):
    for key in PROFILE_FIELDS:
        setattr(vendor, key, profile[key])
    vendor.npwp_key = npwp_key(profile['npwp'])
    vendor.directors = [VendorDirector(**d) for d in profile['directors']]
    vendor.licences = [VendorLicence(**lic) for lic in profile['licences']]


def _flush_unique():
    """Flush; a concurrent registration that took the same NPWP/NIB is the same refusal."""
    try:
        with savepoint():
            db.session.flush()
    except IntegrityError:
        raise Conflict(DUPLICATE, field='npwp') from None


def check_registration(data: dict) -> dict:
    """Every field of a sign-up checked, all refusals together (errors.Problems); writes
    nothing: the page runs it on an incomplete form too."""
    return collect(
        {
            'profile': lambda: parse_profile(data),
            'contact': lambda: _text(
                data,
                'contact_name',
                max_len=auth_ops.MAX_NAME_LENGTH,
                label=_l('Nama penanggung jawab akun'),
            ),
            'email': lambda: _text(
                data, 'email', max_len=auth_ops.MAX_EMAIL_LENGTH, label=_l('Email')
            ),
            'password': lambda: _password(data),
        }
    )


def register_vendor(data: dict, *, now, ip=None) -> Vendor:
    """A new company and its login user; it waits for its email to be confirmed."""
    found = check_registration(data)
    profile, contact, email = found['profile'], found['contact'], found['email']
    password = found['password']
    _check_ids_free(profile, now=now)
    user, _pw = auth_ops.create_user(
        email=email, name=contact, roles=['vendor'], password=password, actor=None, now=now, ip=ip
    )
    vendor = Vendor(
        user=user,
        email=user.email,
        status=VendorStatus.unconfirmed.value,
        registered_at=now,
    )
    _apply(vendor, profile)
    db.session.add(vendor)
    _flush_unique()
    audit.record(
        'vendor.registered',
        vendor,
        actor=user,
        now=now,
        ip=ip,
        company=vendor.company_name,
        npwp=vendor.npwp,
        nib=vendor.nib,
    )
    return vendor


def _password(data) -> str:
    password = data.get('password')
    if password is not None and not isinstance(password, str):
        raise ValidationFailed(_l('Kata sandi bertipe salah: kirim teks.'), field='password')
    if len(password or '') > auth_ops.MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            _l('Kata sandi maksimal %(n)s karakter.', n=auth_ops.MAX_PASSWORD_LENGTH),
            field='password',
        )
    auth_ops.check_password_strength(password or '')
    return password


def update_vendor(vendor, data: dict, *, actor, now, ip=None):
    """The vendor corrects its data; after a rejection or a request for changes this
    resubmits it to the verifier's queue."""
    if not vendor.can_edit(actor):
        raise NotAllowed(_l('Data penyedia yang sudah diverifikasi tidak dapat diubah.'))
    profile = parse_profile(data)
    _check_ids_free(profile, now=now, except_vendor=vendor)
    _apply(vendor, profile)
    resubmit = vendor.status in (VendorStatus.changes_requested, VendorStatus.rejected)
    if resubmit:
        vendor.status = VendorStatus.submitted.value
        vendor.submitted_at = now
    _flush_unique()
    audit.record(
        'vendor.resubmitted' if resubmit else 'vendor.updated', vendor, actor=actor, now=now, ip=ip
    )


# --- email confirmation ----------------------------------------------------------------------


def _serializer(now):
    class _ClockSigner(TimestampSigner):
        def get_timestamp(self):  # the token's age is measured on our clock, not the host's
            return int(now.timestamp())

    return URLSafeTimedSerializer(
        current_app.config['SECRET_KEY'], salt=EMAIL_SALT, signer=_ClockSigner
    )


def confirmation_token(vendor, *, now) -> str:
    return _serializer(now).dumps({'vendor': vendor.id, 'email': vendor.email})


def confirm_email(token, *, now, ip=None) -> Vendor:
    """Accept a confirmation link: signed by us, not older than the configured age, for the
    vendor's current email. The registration then enters the verifier's queue."""
    max_age = int(current_app.config.get('LPSE_EMAIL_CONFIRM_MAX_AGE', 48 * 3600))
    try:
        payload = _serializer(now).loads(token or '', max_age=max_age)
    except SignatureExpired:
        raise ValidationFailed(
            _l('Tautan konfirmasi sudah kedaluwarsa. Masuk lalu minta tautan baru.')
        ) from None
    except BadSignature:
        raise ValidationFailed(_l('Tautan konfirmasi tidak sah.')) from None
    vendor = db.session.get(Vendor, payload.get('vendor') if isinstance(payload, dict) else None)
    if vendor is None or vendor.email != payload.get('email'):
        raise ValidationFailed(_l('Tautan konfirmasi tidak sah.'))
    if vendor.email_confirmed_at is not None:
        return vendor
    vendor.email_confirmed_at = now
    vendor.status = VendorStatus.submitted.value
    vendor.submitted_at = now
    db.session.flush()
    audit.record('vendor.email_confirmed', vendor, actor=vendor.user, now=now, ip=ip)
    return vendor


def can_resend_confirmation(vendor, now) -> bool:
    if vendor.email_confirmed_at is not None:
        return False
    sent = vendor.confirmation_sent_at
    return sent is None or (now - sent).total_seconds() >= 300


def note_confirmation_sent(vendor, *, now, resend=False, ip=None):
    """Mark the link as sent (it is mailed after the commit); a resend is audited."""
    vendor.confirmation_sent_at = now
    db.session.flush()
    if resend:
        audit.record('vendor.confirmation_resent', vendor, actor=vendor.user, now=now, ip=ip)


def note_confirmation_failed(vendor):
    """The link could not be mailed: the vendor may ask for a new one at once."""
    vendor.confirmation_sent_at = None
    db.session.flush()
