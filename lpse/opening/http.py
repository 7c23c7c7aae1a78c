"""A small JSON client for the `lpse` console commands (TLS, or plain http to loopback only)."""

import http.client
import json
import ssl
from urllib.parse import quote, urlsplit

from lpse.bids.transfer import MAX_RESPONSE, _is_loopback, _read_limited


class ApiError(Exception):
    """The server refused, or could not be reached; the message says which and why."""


def api_request(server: str, token: str, method: str, path: str, body=None, *, timeout=120):
    """One request to {server}{path}; the decoded JSON answer, or ApiError."""
    url = urlsplit(server)
    if url.scheme not in ('http', 'https') or not url.hostname:
        raise ApiError(f'--server must be an http(s) URL, not {server!r}')
    if url.scheme == 'http' and not _is_loopback(url.hostname):
        raise ApiError('refusing to send the token over plain http; use an https:// URL')
    if url.scheme == 'https':
        conn = http.client.HTTPSConnection(
            url.hostname, url.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    headers = {'Authorization': f'Bearer {token}', 'Accept': 'application/json'}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers['Content-Type'] = 'application/json'
    target = url.path.rstrip('/') + quote(path, safe='/')
    try:
        conn.request(method, target, body=data, headers=headers)
        response = conn.getresponse()
        with response:
            raw = _read_limited(response)
            status = response.status
    except (OSError, http.client.HTTPException) as exc:
        raise ApiError(f'{url.hostname} could not be reached: {exc}') from None
    finally:
        conn.close()
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        answer = None
    if status >= 400:
        try:
            error = answer['error']
            raise ApiError(f'the server refused: {error["message"]} ({status} {error["code"]})')
        except (TypeError, KeyError):
            raise ApiError(f'the server answered HTTP {status}') from None
    if not isinstance(answer, dict) or len(raw) >= MAX_RESPONSE:
        raise ApiError('the server answered without readable JSON')
    return answer
