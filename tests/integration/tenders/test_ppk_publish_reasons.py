"""The PPK of a draft is told why it cannot be announced yet (#16 point 6): it sees the same
list of what is missing as the Pokja, and that only the Pokja announces."""

from lpse import clock
from lpse.tenders import publication


def test_the_ppk_sees_what_is_missing_and_who_announces(client, create_tender, cast, as_user):
    tender = create_tender('draft')  # no schedule, no document: not ready
    as_user(cast['ppk'])
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'Belum dapat diumumkan:' in page
    reasons = publication.publication_problems(tender, clock.now())
    assert reasons
    for reason in reasons:
        assert str(reason).split(':')[0] in page
    assert 'Hanya anggota Pokja tender ini yang dapat mengumumkannya.' in page
    assert 'Umumkan tender' not in page  # the PPK has no button it cannot use


def test_the_pokja_keeps_its_button_and_the_list(client, create_tender, cast, as_user):
    tender = create_tender('draft')
    as_user(cast['pokja'])
    page = client.get(f'/tenders/{tender.code}').get_data(as_text=True)
    assert 'Belum dapat diumumkan:' in page and 'Umumkan tender' in page
    assert 'Hanya anggota Pokja tender ini' not in page


def test_strangers_see_no_list(client, create_tender, cast, as_user):
    tender = create_tender('draft')
    as_user(cast['ppk_other'])
    response = client.get(f'/tenders/{tender.code}')
    assert 'Belum dapat diumumkan:' not in response.get_data(as_text=True)
