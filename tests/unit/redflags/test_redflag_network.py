"""The vendor network picture: every vendor a node, labels escaped, co-bidding and flag edges."""

from xml.etree import ElementTree

from lpse.redflags import network, rules

SVG = '{http://www.w3.org/2000/svg}'


def test_render_draws_nodes_and_edges_and_escapes_labels():
    names = {1: 'PT <Satu> & Co', 2: 'PT Dua', 3: 'PT Tiga'}
    co_bids = network.co_bidding([{1, 2, 3}, {1, 2}])
    assert co_bids == {(1, 2): 2, (1, 3): 1, (2, 3): 1}
    flag = rules.Flag('RF-IP-SAMA', (rules.Evidence(vendors=(1, 2)),))
    edges = network.edges_from_flags([flag])
    assert edges == [(1, 2, 'RF-IP-SAMA')]
    root = ElementTree.fromstring(network.render(names, co_bids, edges))  # noqa: S314 — our own
    assert len(root.findall(f'{SVG}circle')) == 3
    lines = root.findall(f'{SVG}line')
    assert len(lines) == 4  # three co-bidding pairs, one flagged pair
    assert [line.get('stroke') for line in lines].count('#c0392b') == 1
    assert 'PT <Satu> & Co' in [t.text for t in root.findall(f'{SVG}text')]


def test_render_without_vendors_is_an_empty_picture():
    root = ElementTree.fromstring(network.render({}, network.co_bidding([]), []))  # noqa: S314
    assert root.findall(f'{SVG}circle') == []


def test_masks():
    assert rules.mask('081299887766') == '081******766'
    assert rules.mask('abc') == '***'
    assert rules.mask_ip('36.1.2.3') == '36.1.2.x'
    assert rules.mask_ip('2001:db8:1:2::5') == '2001:db8:1::/48'
