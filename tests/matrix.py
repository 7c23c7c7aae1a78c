"""Building blocks of the access matrices: the expected status per role."""

from helpers import ROLES

ANON = 'anonymous'
ALL = (ANON, *ROLES)


def public(status, logged_in=None):
    return {who: (status if who == ANON or logged_in is None else logged_in) for who in ALL}


def logged_in(status):
    return {who: 302 if who == ANON else status for who in ALL}


def only(roles, status):
    return {who: 302 if who == ANON else (status if who in roles else 403) for who in ALL}


def api_public(status):
    return dict.fromkeys(ALL, status)


def api_any(status):
    return {who: 401 if who == ANON else status for who in ALL}


def api_only(roles, status):
    return {who: 401 if who == ANON else (status if who in roles else 403) for who in ALL}


def walk(client, entries, who, headers, **values):
    """Request every entry as ``who``; return {(endpoint, method): (got, expected)} that differ."""
    wrong = {}
    for key, (url, expected) in entries.items():
        path = url.format(**values)
        response = client.open(
            path, method=key[1], headers=headers if path.startswith('/api/') else {}
        )
        response.close()
        if response.status_code != expected[who]:
            wrong[key] = (response.status_code, expected[who])
    return wrong
