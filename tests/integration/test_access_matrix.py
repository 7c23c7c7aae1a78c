"""Every registered route × every role (and anonymous): the expected status, nothing else.

A new route without an entry here fails `test_every_route_has_an_entry`."""

import importlib

import pytest
from helpers import login
from matrix import ALL, ANON, api_any, api_only, api_public, logged_in, only, public, walk

from lpse import clock
from lpse.auth import operations
from lpse.extensions import db

# (endpoint, method) -> (url template, expected status per role). Empty POST bodies: a gate that
# lets the role through then answers the missing data (422/415) or acts (302).
MATRIX = {
    ('static', 'GET'): ('/static/css/lpse.css', public(200)),
    ('main.index', 'GET'): ('/', public(200)),
    ('main.home', 'GET'): ('/beranda', logged_in(200)),
    ('main.set_language', 'GET'): ('/lang/en', public(302)),
    ('main.login_alias', 'GET'): ('/login', public(301)),
    # Test clients come from 127.0.0.1, inside LPSE_METRICS_ALLOW (test_ops.py: from elsewhere).
    ('ops.health', 'GET'): ('/health', public(200)),
    ('ops.metrics_page', 'GET'): ('/metrics', public(200)),
    ('auth.login', 'GET'): ('/auth/login', public(200, logged_in=302)),
    ('auth.login', 'POST'): ('/auth/login', public(422, logged_in=302)),
    ('auth.login_totp', 'GET'): ('/auth/login/totp', public(302)),
    ('auth.login_totp', 'POST'): ('/auth/login/totp', public(302)),
    ('auth.profile', 'GET'): ('/auth/profile', logged_in(200)),
    ('auth.password', 'GET'): ('/auth/password', logged_in(200)),
    ('auth.password', 'POST'): ('/auth/password', logged_in(422)),
    ('auth.totp_setup', 'GET'): ('/auth/totp', logged_in(200)),
    ('auth.totp_setup', 'POST'): ('/auth/totp', logged_in(422)),
    ('auth.totp_disable', 'POST'): ('/auth/totp/disable', logged_in(302)),
    ('auth.token_create', 'POST'): ('/auth/tokens', logged_in(303)),
    ('auth.token_revoke', 'POST'): ('/auth/tokens/999999/revoke', logged_in(404)),
    ('admin.users', 'GET'): ('/admin/users', only({'admin'}, 200)),
    ('admin.user_create', 'GET'): ('/admin/users/new', only({'admin'}, 200)),
    ('admin.user_create', 'POST'): ('/admin/users/new', only({'admin'}, 422)),
    ('admin.user_detail', 'GET'): ('/admin/users/{target}', only({'admin'}, 200)),
    # An empty post keeps the roles as they are (nothing to change): back to the page.
    ('admin.user_detail', 'POST'): ('/admin/users/{target}', only({'admin'}, 302)),
    ('admin.user_active', 'POST'): ('/admin/users/{target}/active', only({'admin'}, 302)),
    # An empty NIP on an account without one: nothing changes, back to the page.
    ('admin.user_nip', 'POST'): ('/admin/users/{target}/nip', only({'admin'}, 303)),
    ('admin.user_reset_password', 'POST'): (
        '/admin/users/{target}/reset-password',
        only({'admin'}, 200),
    ),
    ('admin.agencies', 'GET'): ('/admin/agencies', only({'admin'}, 200)),
    ('admin.agency_create', 'GET'): ('/admin/agencies/new', only({'admin'}, 200)),
    ('admin.agency_create', 'POST'): ('/admin/agencies/new', only({'admin'}, 422)),
    ('admin.agency_detail', 'GET'): ('/admin/agencies/KOTAUJI', only({'admin'}, 200)),
    ('admin.agency_detail', 'POST'): ('/admin/agencies/KOTAUJI', only({'admin'}, 422)),
    ('admin.user_auditor_scope', 'POST'): (
        '/admin/users/{target}/auditor-scope',
        only({'admin'}, 422),  # the target is no auditor
    ),
    ('auditor.home', 'GET'): ('/audit/home', only({'admin', 'auditor'}, 200)),
    ('auditor.events', 'GET'): ('/audit/', only({'admin', 'auditor'}, 200)),
    ('auditor.events_csv', 'GET'): ('/audit/events.csv', only({'admin', 'auditor'}, 200)),
    ('auditor.verify', 'GET'): ('/audit/verify', only({'admin', 'auditor'}, 200)),
    ('auditor.export', 'GET'): ('/audit/export.jsonl', only({'admin', 'auditor'}, 200)),
    ('auditor.reconcile', 'GET'): ('/audit/reconcile', only({'admin', 'auditor'}, 200)),
    ('auditor.reconcile_start', 'POST'): ('/audit/reconcile', only({'admin', 'auditor'}, 303)),
    ('reports.index', 'GET'): ('/auditor/reports/', only({'admin', 'auditor'}, 200)),
    ('reports.chart', 'GET'): ('/auditor/reports/bidders.svg', only({'admin', 'auditor'}, 200)),
    ('reports.table_csv', 'GET'): (
        '/auditor/reports/savings.csv',
        only({'admin', 'auditor'}, 200),
    ),
    ('reports.export', 'POST'): (
        '/auditor/reports/export/xlsx',
        only({'admin', 'auditor'}, 303),
    ),
    ('api.audit_reports', 'GET'): ('/api/v1/audit/reports', api_only({'admin', 'auditor'}, 200)),
    ('api.audit_report', 'GET'): (
        '/api/v1/audit/reports/outcomes',
        api_only({'admin', 'auditor'}, 200),
    ),
    ('api.audit_report_csv', 'GET'): (
        '/api/v1/audit/reports/vendor_bids.csv',
        api_only({'admin', 'auditor'}, 200),
    ),
    ('api.audit_report_export', 'POST'): (
        '/api/v1/audit/reports/export/xlsx',
        api_only({'admin', 'auditor'}, 202),
    ),
    ('api.openapi', 'GET'): ('/api/v1/openapi.json', api_public(200)),
    ('api.audit_events', 'GET'): ('/api/v1/audit/events', api_only({'admin', 'auditor'}, 200)),
    ('api.audit_events_csv', 'GET'): (
        '/api/v1/audit/events.csv',
        api_only({'admin', 'auditor'}, 200),
    ),
    ('api.agency_list', 'GET'): ('/api/v1/agencies', api_public(200)),
    ('api.agency_create', 'POST'): ('/api/v1/agencies', api_only({'admin'}, 415)),
    ('api.token_create', 'POST'): ('/api/v1/auth/tokens', api_public(415)),
    ('api.token_list', 'GET'): ('/api/v1/auth/tokens', api_any(200)),
    ('api.token_revoke', 'DELETE'): ('/api/v1/auth/tokens/999999', api_any(404)),
    ('api.me', 'GET'): ('/api/v1/me', api_any(200)),
    ('api.user_create', 'POST'): ('/api/v1/users', api_only({'admin'}, 415)),
    ('notify.index', 'GET'): ('/notifikasi', logged_in(200)),
    ('notify.read', 'POST'): ('/notifikasi/999999/baca', logged_in(404)),
    ('notify.read_all', 'POST'): ('/notifikasi/baca-semua', logged_in(303)),
    ('notify.mail_queue', 'GET'): ('/admin/mail', only({'admin'}, 200)),
    ('notify.mail_retry', 'POST'): ('/admin/mail/999999/retry', only({'admin'}, 404)),
    ('api.notification_list', 'GET'): ('/api/v1/notifications', api_any(200)),
    ('api.notification_read', 'POST'): ('/api/v1/notifications/999999/read', api_any(404)),
    ('api.notification_read_all', 'POST'): ('/api/v1/notifications/read-all', api_any(200)),
    ('jobs.status', 'GET'): ('/jobs/999999', logged_in(404)),
    ('jobs.result', 'GET'): ('/jobs/999999/result', logged_in(404)),
    ('jobs.admin_index', 'GET'): ('/admin/jobs', only({'admin'}, 200)),
    ('jobs.admin_retry', 'POST'): ('/admin/jobs/999999/retry', only({'admin'}, 404)),
    ('api.job_status', 'GET'): ('/api/v1/jobs/999999', api_any(404)),
    # Development and testing only (tests/integration/notify: 404 in production).
    ('devmail.index', 'GET'): ('/dev/mailbox/', public(200)),
    ('devmail.message', 'GET'): ('/dev/mailbox/999999', public(404)),
    # Walked last: it ends the session.
    ('auth.logout', 'POST'): ('/auth/logout', logged_in(302)),
}


@pytest.fixture
def app_config(app_config):
    return {**app_config, 'WTF_CSRF_ENABLED': False}


def registered_routes(app):
    return {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods - {'HEAD', 'OPTIONS'}
    }


# Domains whose routes need their own objects (a tender, a bid…) keep their matrix in a module
# of their own, walked by their own test; every one is listed here.
DOMAIN_MATRICES = (
    'matrix_tenders',
    'matrix_vendors',
    'matrix_documents',
    'matrix_bids',
    'matrix_evaluation',
    'matrix_opening',
    'matrix_sanggah',
    'matrix_opendata',
    'matrix_contracts',
    'matrix_prequalification',
    'matrix_redflags',
    'matrix_prequalification_api',
)


def all_entries():
    entries = set(MATRIX)
    for name in DOMAIN_MATRICES:
        entries |= set(importlib.import_module(name).MATRIX)
    return entries


def test_every_route_has_an_entry(app):
    routes, entries = registered_routes(app), all_entries()
    assert routes - entries == set(), 'routes missing from the access matrix'
    assert entries - routes == set(), 'matrix entries for routes that do not exist'


@pytest.mark.parametrize('who', ALL)
def test_access_matrix(app, client, users, make_user, who):
    target = make_user('target@uji.go.id', 'ppk')
    headers = {}
    if who != ANON:
        assert login(client, users[who].email).status_code == 302
        _row, token = operations.create_token(users[who], 'matrix', now=clock.now())
        db.session.commit()
        headers = {'Authorization': f'Bearer {token}'}
    wrong = walk(client, MATRIX, who, headers, target=target.id)
    assert wrong == {}, f'(got, expected) for {who}'
