"""What the newcomer met on the bid form and the vendor's pages (issue #16, point 6): volumes
shown as `2E+1`, envelope kinds as `single`, backticks, no size limit before an upload."""

import re

from sqlalchemy import select

from lpse.bids.models import Bid
from lpse.extensions import db

from .test_web_form import form_data


def test_volumes_and_limits_are_shown_the_indonesian_way(client, tender, bidder, as_user):
    as_user(bidder)
    page = client.get(f'/tenders/{tender.code}/bid').get_data(as_text=True)
    volumes = re.findall(
        r'data-label="Volume">([^<]*)</td>\s*<td [^>]*data-label="Satuan">m[23]</td>', page
    )
    assert volumes == ['1.000', '2.000']  # never `1E+3`
    assert 'E+' not in page and '`' not in page
    assert 'data-quantity="1000"' in page  # the machine value for the live totals
    assert 'Paling besar 50 MB.' in page  # the envelope limit, before the upload


def test_the_vendors_bids_name_their_envelope_kind(client, tender, bidder, as_user):
    as_user(bidder)
    response = client.post(
        f'/tenders/{tender.code}/bid', data=form_data(), content_type='multipart/form-data'
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    response.close()
    assert db.session.scalar(select(Bid.kind)) == 'single'
    for url in (f'/tenders/{tender.code}/bid', '/vendors/me'):
        page = client.get(url).get_data(as_text=True)
        assert 'Penawaran (satu file)' in page, url
        assert '<td>single</td>' not in page, url


def test_prices_typed_with_thousand_dots_and_decimal_commas(client, tender, bidder, as_user):
    as_user(bidder)
    data = form_data(**{'price-1': '400.000', 'price-2': '450.000,5', 'tkdn': '40'})
    response = client.post(
        f'/tenders/{tender.code}/bid', data=data, content_type='multipart/form-data'
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    response.close()
    assert db.session.scalar(select(Bid)) is not None
