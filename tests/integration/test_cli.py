"""Operator commands: clear errors, nothing half-written."""

from lpse.agencies.models import Agency
from lpse.auth.models import User
from lpse.extensions import db


def count(model):
    db.session.expire_all()
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_create_agency_with_work_units(app):
    result = app.test_cli_runner().invoke(
        args=[
            'lpse',
            'create-agency',
            '--code',
            'kab-maros',
            '--name',
            'Kabupaten Maros',
            '--timezone',
            'Asia/Makassar',
            '--work-unit',
            'DPU=Dinas PU',
            '--work-unit',
            'DINKES=Dinas Kesehatan',
        ]
    )
    assert result.exit_code == 0, result.output
    agency = db.session.scalar(db.select(Agency).where(Agency.code == 'KAB-MAROS'))
    assert [u.code for u in agency.work_units] == ['DINKES', 'DPU']


def test_create_agency_failure_writes_nothing(app):
    before = count(Agency)
    result = app.test_cli_runner().invoke(
        args=[
            'lpse',
            'create-agency',
            '--code',
            'KAB-X',
            '--name',
            'X',
            '--work-unit',
            'A=a',
            '--work-unit',
            'A=again',
        ]
    )
    assert result.exit_code == 1
    assert 'Kode satuan kerja sudah dipakai' in result.output
    assert count(Agency) == before


def test_create_user_prints_password_once(app, agency):
    result = app.test_cli_runner().invoke(
        args=[
            'lpse',
            'create-user',
            '--email',
            'PPK2@uji.go.id',
            '--name',
            'PPK Dua',
            '--role',
            'ppk',
            '--agency',
            'KOTAUJI',
        ]
    )
    assert result.exit_code == 0, result.output
    password = result.output.rsplit(': ', 1)[1].strip()
    user = db.session.scalar(db.select(User).where(User.email == 'ppk2@uji.go.id'))
    assert user.must_change_password and password not in user.password_hash


def test_create_user_errors(app, agency):
    runner = app.test_cli_runner()
    before = count(User)
    result = runner.invoke(
        args=['lpse', 'create-user', '--email', 'a@b.id', '--name', 'A', '--role', 'pokja']
    )
    assert result.exit_code == 1 and 'instansi' in result.output
    result = runner.invoke(
        args=[
            'lpse',
            'create-user',
            '--email',
            'a@b.id',
            '--name',
            'A',
            '--role',
            'pokja',
            '--agency',
            'NOPE',
        ]
    )
    assert result.exit_code == 1 and 'Instansi tidak ditemukan' in result.output
    result = runner.invoke(
        args=['lpse', 'create-user', '--email', 'a@b.id', '--name', 'A', '--role', 'king']
    )
    assert result.exit_code == 2
    assert count(User) == before


def test_seed_demo_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=['lpse', 'seed-demo'])
    assert first.exit_code == 0
    assert first.output.count('@demo.lpse.id') == 9
    roles = {r for u in db.session.scalars(db.select(User)) for r in u.roles}
    assert {r.value for r in roles} == {'admin', 'verifier', 'ppk', 'pokja', 'vendor', 'auditor'}
    agency = db.session.scalar(db.select(Agency))
    assert len(agency.work_units) == 2
    second = runner.invoke(args=['lpse', 'seed-demo'])
    assert second.exit_code == 0 and 'already present' in second.output
    assert count(User) == 9


def test_demo_logins_work(app, client):
    from helpers import login

    output = app.test_cli_runner().invoke(args=['lpse', 'seed-demo']).output
    line = next(x for x in output.splitlines() if x.strip().startswith('admin@'))
    email, _roles, password = line.split()
    assert login(client, email, password).status_code == 302
