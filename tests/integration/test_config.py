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
