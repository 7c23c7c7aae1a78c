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
