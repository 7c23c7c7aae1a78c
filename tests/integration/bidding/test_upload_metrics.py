"""/metrics counts sealed-bid uploads: accepted, repeated (already held) and refused."""

from prometheus_client.parser import text_string_to_metric_families

from .conftest import VENDOR_KEY, seal


def uploads(client) -> dict[str, float]:
    text = client.get('/metrics').get_data(as_text=True)
    return {
        s.labels['result']: s.value
        for family in text_string_to_metric_families(text)
        if family.name == 'lpse_bid_uploads'
        for s in family.samples
        if s.name == 'lpse_bid_uploads_total'
    }


def test_uploads_are_counted_by_result(client, tender, bidder, token, post_bid):
    headers = token(bidder)
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    before = uploads(client)
    assert post_bid(tender, p7m, sig, headers).status_code == 201
    assert post_bid(tender, p7m, sig, headers).status_code == 200  # the same envelope again
    other, _sig = seal(tender, bidder, VENDOR_KEY, marker='lain')
    refused = post_bid(tender, other, sig, headers)  # the signature is of the first envelope
    assert refused.status_code in (400, 422), refused.get_data(as_text=True)
    after = uploads(client)
    for result in ('accepted', 'repeated', 'refused'):
        assert after[result] - before.get(result, 0) == 1, result


def batches(client) -> tuple[float, float]:
    """(count, sum) of the group-commit batch-size histogram."""
    text = client.get('/metrics').get_data(as_text=True)
    found = {
        s.name: s.value
        for family in text_string_to_metric_families(text)
        if family.name == 'lpse_bid_record_batch_size'
        for s in family.samples
    }
    return found.get('lpse_bid_record_batch_size_count', 0), found.get(
        'lpse_bid_record_batch_size_sum', 0
    )


def test_each_recorded_batch_is_measured(client, tender, bidder, token, post_bid):
    headers = token(bidder)
    count, total = batches(client)
    p7m, sig = seal(tender, bidder, VENDOR_KEY)
    assert post_bid(tender, p7m, sig, headers).status_code == 201
    assert post_bid(tender, p7m, sig, headers).status_code == 200  # held already: no batch
    after_count, after_total = batches(client)
    assert (after_count - count, after_total - total) == (1, 1)  # one batch of one submission
