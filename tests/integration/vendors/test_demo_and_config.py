"""`make run`: demo vendors are verified; development CA passphrases live in the instance folder."""

from lpse import clock, config
from lpse.extensions import db
from lpse.vendors import verification
from lpse.vendors.models import Vendor


def test_demo_vendors_are_verified_and_may_take_part(app):
    result = app.test_cli_runner().invoke(args=['lpse', 'seed-demo'])
    assert result.exit_code == 0, result.output
    vendors = db.session.scalars(db.select(Vendor).order_by(Vendor.id)).all()
    assert [v.company_name for v in vendors] == ['PT Maju Jaya', 'CV Karya Mandiri']
    assert all(verification.may_participate(v.user, clock.now()) for v in vendors)


def test_development_passphrases_are_kept_in_the_instance_folder(tmp_path):
    first = config.instance_defaults(tmp_path, 'development')
    second = config.instance_defaults(tmp_path, 'development')
    assert first['LPSE_CA_PASSPHRASE'] == second['LPSE_CA_PASSPHRASE']
    assert (
        len({first['LPSE_CA_PASSPHRASE'], first['LPSE_SYSTEM_KEY_PASSPHRASE'], first['SECRET_KEY']})
        == 3
    )
    assert len(first['LPSE_CA_PASSPHRASE']) >= 16
    assert oct((tmp_path / 'ca_passphrase').stat().st_mode & 0o777) == '0o600'
    assert 'LPSE_CA_PASSPHRASE' not in config.instance_defaults(tmp_path, 'production')


def test_demo_data_is_consistent(app):
    """#16 point 6: a vendor shown "Terverifikasi" has the documents a verifier requires (real,
    readable PDFs), its directors are people (not the company), and the officers who sign
    documents have a NIP."""
    import io

    from pypdf import PdfReader

    from lpse import storage
    from lpse.auth.models import User
    from lpse.vendors.validators import normalise_nik

    assert app.test_cli_runner().invoke(args=['lpse', 'seed-demo']).exit_code == 0
    vendors = db.session.scalars(db.select(Vendor).order_by(Vendor.id)).all()
    for vendor in vendors:
        assert vendor.status == 'verified'
        assert vendor.missing_documents() == []
        for document in vendor.documents:
            with storage.blob_store().open(document.sha256) as fh:
                text = PdfReader(io.BytesIO(fh.read())).pages[0].extract_text()
            assert vendor.company_name in text
        assert vendor.directors
        for director in vendor.directors:
            assert director.name != vendor.company_name and director.name != vendor.user.name
            assert not director.name.startswith(('PT ', 'CV '))
            assert normalise_nik(director.nik) == director.nik
    officers = db.session.scalars(db.select(User).where(User.email.like('p%@demo.lpse.id'))).all()
    signers = [u for u in officers if u.has_role('ppk', 'pokja')]
    assert len(signers) == 4
    assert all(u.nip and len(u.nip) == 18 and u.nip.isdigit() for u in signers)
