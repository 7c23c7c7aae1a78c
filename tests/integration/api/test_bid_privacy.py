"""Issue #12: before the opening a vendor learns nothing about other vendors' bids — on every
route that takes a bid id, another vendor's bid answers exactly as a bid that does not exist
(a 403 against a 404 would count a tender's envelopes)."""

import re
from urllib.parse import quote

from bidding.conftest import VENDOR_KEY, seal
from tenders.factories import login

from lpse.bids.models import Bid
from lpse.extensions import db

CSRF_VALUE = re.compile(rb'csrf_token" value="[^"]*"')


def _bid_rules(app):
    for rule in app.url_map.iter_rules():
        if {'bid_id', 'bid'} & rule.arguments:
            for method in sorted(rule.methods - {'HEAD', 'OPTIONS'}):
                yield rule, method


def _answer(client, rule, method, values, bid_id, headers):
    name = 'bid_id' if 'bid_id' in rule.arguments else 'bid'
    url = rule.build({**values, name: bid_id}, append_unknown=False)[1]
    json = {} if url.startswith('/api/') and method != 'GET' else None
    response = client.open(url, method=method, headers=headers, json=json)
    body = response.get_data()
    for form in (url, quote(url, safe='')):  # the page may name its own address
        body = body.replace(form.encode(), b'<url>')
    # The CSRF token in the page's forms is signed with the second it was made: two requests
    # that straddle a second differ there and nowhere else.
    body = CSRF_VALUE.sub(b'csrf_token" value="<token>"', body)
    return url, response.status_code, response.mimetype, body


def test_another_vendors_bid_answers_as_a_missing_one(
    app, client, tender, bidder, rival, token, post_bid
):
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    assert post_bid(tender, p7m, sig, token(bidder)).status_code == 201
    theirs = db.session.scalar(db.select(Bid.id))
    missing = theirs + 1000
    assert login(client, rival.email).status_code == 302
    headers = token(rival)
    values = {'code': tender.code, 'name': 'surat-penawaran.pdf'}
    walked = []
    for rule, method in _bid_rules(app):
        url, *seen = _answer(client, rule, method, values, theirs, headers)
        _url, *unknown = _answer(client, rule, method, values, missing, headers)
        assert seen == unknown, (method, url)
        assert seen[0] in (401, 403, 404), (method, url, seen[0])
        walked.append(rule.endpoint)
    assert {'bids.receipt_json', 'bids.receipt_pdf', 'api.opening_envelope'} <= set(walked)


def test_the_bidder_still_gets_its_receipt(client, tender, bidder, token, post_bid):
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    assert post_bid(tender, p7m, sig, token(bidder)).status_code == 201
    bid = db.session.scalar(db.select(Bid))
    assert login(client, bidder.email).status_code == 302
    response = client.get(f'/tenders/{tender.code}/bid/{bid.id}/receipt.json')
    assert response.status_code == 200 and response.get_json()['receipt']
