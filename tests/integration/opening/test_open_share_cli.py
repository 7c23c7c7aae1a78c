"""`lpse open-share` on bad input and odd answers: a clear message and an exit status, never a
traceback (the server is replaced by a stub; the live-server path is in test_api.py)."""

import base64

import pki_helpers
import pytest

from lpse import api_client, console
from lpse.crypto import keystore, shamir

PASSPHRASE = 'kunci-pokja-uji-12345'
CONTEXT = 'tender:TST-1:v1:member:1'


def _offer(**change):
    mnemonic = 'unused'
    offer = {
        'kind': 'single',
        'ciphertext': base64.b64encode(b'x' * 384).decode(),
        'commitment': '00' * 32,
        'context': CONTEXT,
    }
    offer.update(change)
    return {k: v for k, v in offer.items() if v is not None}, mnemonic


@pytest.fixture
def server(monkeypatch):
    answers = {}
    sent = []

    def api_request(server, token, method, path, body=None, **kw):
        sent.append((method, path, body))
        return answers[method]

    monkeypatch.setattr(api_client, 'request_json', api_request)
    monkeypatch.setenv('LPSE_API_TOKEN', 'tok')
    monkeypatch.delenv('LPSE_KEY_PASSPHRASE', raising=False)
    return answers, sent


def _run(*extra):
    argv = ['open-share', '--server', 'http://127.0.0.1:1', '--tender', 'TST-1', *extra]
    return console.main(argv)


def _key_file(tmp_path):
    path = tmp_path / 'pokja.pem'
    path.write_bytes(keystore.dump_key_file(pki_helpers.key(1), PASSPHRASE))
    return str(path)


def test_a_key_card_that_is_not_utf8_is_bad_input(tmp_path, server, capsys):
    card = tmp_path / 'card.txt'
    card.write_bytes(b'\xff\xfe abandon \x80')
    assert _run('--card', str(card)) == 2
    err = capsys.readouterr().err
    assert 'not UTF-8' in err and 'Traceback' not in err
    assert server[1] == []  # nothing asked of the server


@pytest.mark.parametrize('missing', ['ciphertext', 'kind', 'commitment', 'context'])
def test_an_offer_missing_a_field_is_refused_clearly(tmp_path, server, capsys, missing):
    offer, _ = _offer(**{missing: None})
    server[0]['GET'] = offer
    card = tmp_path / 'card.txt'
    card.write_text('abandon ' * 33)
    assert _run('--card', str(card)) == 1
    err = capsys.readouterr().err
    assert f'lacks {missing}' in err
    assert [m for m, _, _ in server[1]] == ['GET']  # no share was sent


def test_an_offer_with_bad_base64_is_refused_clearly(tmp_path, server, capsys, monkeypatch):
    offer, _ = _offer(ciphertext='***not base64***')
    server[0]['GET'] = offer
    monkeypatch.setenv('LPSE_KEY_PASSPHRASE', PASSPHRASE)
    assert _run('--key', _key_file(tmp_path)) == 1
    assert 'not valid base64' in capsys.readouterr().err
    assert [m for m, _, _ in server[1]] == ['GET']


def test_ctrl_c_at_the_passphrase_prompt_exits_quietly(tmp_path, server, capsys, monkeypatch):
    def interrupted(prompt):
        raise KeyboardInterrupt

    monkeypatch.setattr('getpass.getpass', interrupted)
    assert _run('--key', _key_file(tmp_path)) == 130
    err = capsys.readouterr().err
    assert 'interrupted' in err and 'Traceback' not in err
    assert server[1] == []


def test_a_card_for_another_commitment_is_refused_before_sending(tmp_path, server, capsys):
    mnemonic = 'abandon ' * 33
    offer, _ = _offer(commitment=shamir.share_commitment('other words', context=CONTEXT))
    server[0]['GET'] = offer
    card = tmp_path / 'card.txt'
    card.write_text(mnemonic)
    assert _run('--card', str(card)) == 2
    assert 'does not match its commitment' in capsys.readouterr().err
    assert [m for m, _, _ in server[1]] == ['GET']
