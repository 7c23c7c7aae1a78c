"""Configuration: safe production defaults, environment overrides, a refusal to run unsafely."""

import pytest

from lpse import config, create_app


def test_production_refuses_the_default_secret_key(monkeypatch):
    monkeypatch.delenv('LPSE_SECRET_KEY', raising=False)
    with pytest.raises(RuntimeError, match='LPSE_SECRET_KEY'):
        create_app(config.Config)


def test_production_refuses_a_short_secret_key(monkeypatch):
    monkeypatch.setenv('LPSE_SECRET_KEY', 'short')
    with pytest.raises(RuntimeError):
        create_app(config.Config)


def test_production_reads_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv('LPSE_SECRET_KEY', 'x' * 40)
    monkeypatch.setenv('DATABASE_URL', f'sqlite:///{tmp_path}/prod.db')
    monkeypatch.setenv('LPSE_DATA_DIR', str(tmp_path / 'blobs'))
    monkeypatch.setenv('LPSE_REQUIRE_TOTP_ROLES', 'admin, pokja')
    app = create_app(config.Config)
    assert app.config['SQLALCHEMY_DATABASE_URI'] == f'sqlite:///{tmp_path}/prod.db'
    assert app.config['LPSE_DATA_DIR'] == str(tmp_path / 'blobs')
    assert app.config['LPSE_REQUIRE_TOTP_ROLES'] == ('admin', 'pokja')
    assert app.config['SESSION_COOKIE_SECURE'] is True
    assert app.config['SESSION_COOKIE_HTTPONLY'] is True
    assert app.config['SESSION_COOKIE_SAMESITE'] == 'Lax'
    assert not app.debug


def test_development_uses_a_random_instance_key(monkeypatch, tmp_path):
    monkeypatch.delenv('LPSE_SECRET_KEY', raising=False)
    monkeypatch.setattr(
        config,
        'instance_defaults',
        lambda path, env: {
            'SQLALCHEMY_DATABASE_URI': 'sqlite://',
            'LPSE_DATA_DIR': str(tmp_path),
            'SECRET_KEY': config._development_secret(tmp_path),
        },
    )
    first = create_app(config.DevelopmentConfig).config['SECRET_KEY']
    second = create_app(config.DevelopmentConfig).config['SECRET_KEY']
    assert first == second != config.DEFAULT_SECRET_KEY and len(first) >= 32
    assert create_app(config.DevelopmentConfig).config['SESSION_COOKIE_SECURE'] is False


def test_select_config(monkeypatch):
    monkeypatch.setenv('LPSE_ENV', 'development')
    assert config.select_config() is config.DevelopmentConfig
    monkeypatch.setenv('LPSE_ENV', 'anything-else')
    assert config.select_config() is config.Config


def test_tender_settings_default_to_domain_minimums_and_read_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv('LPSE_SECRET_KEY', 'x' * 40)
    monkeypatch.setenv('DATABASE_URL', f'sqlite:///{tmp_path}/prod.db')
    app = create_app(config.Config)
    assert app.config['LPSE_STAGE_MIN_DURATIONS'] == {
        'announcement': 120,
        'qualification_objection': 72,
        'objection': 120,
    }
    assert app.config['LPSE_STAGE_MIN_GAPS']['deadline_after_clarification'] == 72
    assert app.config['LPSE_DOCUMENT_MAX_SIZE'] == 20 * 1024 * 1024
    monkeypatch.setenv('LPSE_STAGE_MIN_DURATIONS', '{"announcement": 168}')
    monkeypatch.setenv('LPSE_STAGE_MIN_GAPS', '{}')
    monkeypatch.setenv('LPSE_DOCUMENT_MAX_SIZE', '5000000')
    app = create_app(config.Config)
    assert app.config['LPSE_STAGE_MIN_DURATIONS'] == {'announcement': 168}
    assert app.config['LPSE_STAGE_MIN_GAPS'] == {}
    assert app.config['LPSE_DOCUMENT_MAX_SIZE'] == 5_000_000


@pytest.mark.parametrize(
    ('value', 'message'),
    [
        ('{"anouncement": 120}', 'unknown names'),  # a typo must not drop a minimum silently
        ('[120]', 'JSON object'),
        ('{"announcement": -1}', 'hours must be'),
        ('{announcement: 120}', 'LPSE_STAGE_MIN_DURATIONS'),  # not JSON
    ],
)
def test_a_bad_stage_minimum_stops_the_start_naming_the_setting(monkeypatch, value, message):
    monkeypatch.setenv('LPSE_SECRET_KEY', 'x' * 40)
    monkeypatch.setenv('LPSE_STAGE_MIN_DURATIONS', value)
    with pytest.raises(RuntimeError, match=message) as raised:
        create_app(config.Config)
    assert 'LPSE_STAGE_MIN_DURATIONS' in str(raised.value)


def test_the_demo_runs_a_whole_tender_in_minutes(monkeypatch, tmp_path):
    """`make run` (development): no minimum durations or gaps, so a schedule of one-minute
    stages is valid; production refuses the same schedule."""
    from datetime import UTC, datetime, timedelta

    from lpse.tenders.methods import METHODS
    from lpse.tenders.stages import Window, validate_schedule

    start = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)

    def schedule(method):
        return {
            stage: Window(start + timedelta(minutes=i), start + timedelta(minutes=i + 1))
            for i, stage in enumerate(method.stages)
        }

    monkeypatch.delenv('LPSE_SECRET_KEY', raising=False)
    monkeypatch.setattr(
        config,
        'instance_defaults',
        lambda path, env: {'SQLALCHEMY_DATABASE_URI': 'sqlite://', 'LPSE_DATA_DIR': str(tmp_path)},
    )
    with create_app(config.DevelopmentConfig).app_context():
        for method in METHODS.values():  # every selection method, Tender Cepat's own minimums too
            assert validate_schedule(schedule(method), method.schedule_rules()) == [], method.key
    monkeypatch.setenv('LPSE_SECRET_KEY', 'x' * 40)
    with create_app(config.Config).app_context():
        for method in METHODS.values():
            assert validate_schedule(schedule(method), method.schedule_rules()) != [], method.key


def test_proxies_and_metrics_settings_read_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv('LPSE_SECRET_KEY', 'x' * 40)
    monkeypatch.setenv('DATABASE_URL', f'sqlite:///{tmp_path}/prod.db')
    app = create_app(config.Config)
    assert app.config['LPSE_TRUSTED_PROXIES'] == 0  # by default no forwarded header is believed
    assert app.config['LPSE_METRICS_ALLOW'] == '127.0.0.1/32,::1/128'
    monkeypatch.setenv('LPSE_TRUSTED_PROXIES', '10.0.0.0/8, 192.168.1.10')
    monkeypatch.setenv('LPSE_METRICS_ALLOW', '10.1.2.0/24')
    app = create_app(config.Config)
    assert [str(n) for n in app.config['LPSE_TRUSTED_PROXIES']] == [
        '10.0.0.0/8',
        '192.168.1.10/32',
    ]
    assert app.config['LPSE_METRICS_ALLOW'] == '10.1.2.0/24'


@pytest.mark.parametrize('name', ['LPSE_TRUSTED_PROXIES', 'LPSE_METRICS_ALLOW'])
def test_a_bad_network_stops_the_start_naming_the_setting(monkeypatch, name):
    monkeypatch.setenv('LPSE_SECRET_KEY', 'x' * 40)
    monkeypatch.setenv(name, 'balancer.internal')
    with pytest.raises(RuntimeError, match=name):
        create_app(config.Config)


def test_run_py_links_follow_the_port_it_serves(tmp_path):
    """`make run PORT=8000`: OCDS, verification and mail links point at that port."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    probe = (
        'import runpy; '
        "print(runpy.run_path('run.py', run_name='probe')['app'].config['LPSE_BASE_URL'])"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(('LPSE_', 'DATABASE_URL'))}
    env.update(PORT='8765', LPSE_ENV='development', LPSE_DATA_DIR=str(tmp_path))
    env['DATABASE_URL'] = f'sqlite:///{tmp_path / "probe.db"}'
    out = subprocess.run(
        [sys.executable, '-c', probe], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == 'http://127.0.0.1:8765'
    env['LPSE_BASE_URL'] = 'https://lpse.kotauji.go.id'  # set by the operator: kept
    out = subprocess.run(
        [sys.executable, '-c', probe], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == 'https://lpse.kotauji.go.id'
