"""RF-META-PDF on really sealed and opened envelopes: the PDF metadata is read back from the
opened attachments (and only once the envelopes are opened)."""

from io import BytesIO

import opening_helpers
from bidding.conftest import OTHER_KEY, VENDOR_KEY, make_bid
from opening.conftest import (  # noqa: F401 — the opening tests' tender, vendors and Pokja
    THIRD_KEY,
    _reused_tender_keys,
    app_config,
    bidder,
    cast,
    create_tender,
    members,
    rival,
    submit_sealed,
    tender,
    third,
)

from lpse import clock
from lpse.redflags import pdfmeta, report


def pdf(author, title):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.writer import PdfFileWriter

    writer = PdfFileWriter()
    writer.set_info(
        generic.DictionaryObject(
            {
                generic.pdf_name('/Title'): generic.pdf_string(title),
                generic.pdf_name('/Author'): generic.pdf_string(author),
                generic.pdf_name('/Creator'): generic.pdf_string('Writer 7'),
                generic.pdf_name('/CreationDate'): generic.pdf_string("D:20260301100000+07'00'"),
            }
        )
    )
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def test_pdf_fields_of_a_pdf_and_of_junk():
    fields = dict(pdfmeta.pdf_fields(pdf('Andi', 'x')))
    assert fields['author'] == 'Andi' and fields['creator'] == 'Writer 7'
    assert fields['created'].startswith('D:20260301')
    assert pdfmeta.pdf_fields(b'not a pdf') == ()


def test_same_pdf_metadata_across_opened_envelopes(tender, bidder, rival, third, members):  # noqa: F811
    mine = submit_sealed(
        tender,
        bidder,
        VENDOR_KEY,
        package=make_bid(tender, bidder, attachments=[('a.pdf', pdf('Andi', 'satu'))]),
    )
    theirs = submit_sealed(
        tender,
        rival,
        OTHER_KEY,
        package=make_bid(tender, rival, attachments=[('b.pdf', pdf('Andi', 'dua'))]),
    )
    submit_sealed(
        tender,
        third,
        THIRD_KEY,
        package=make_bid(tender, third, attachments=[('c.pdf', pdf('Sari', 'tiga'))]),
    )
    clock.set_now(tender.bid_deadline)
    assert 'RF-META-PDF' not in {f.rule for f in report.tender_report(tender, clock.now()).flags}
    opening_helpers.open_all(tender, members)
    flags = {f.rule: f for f in report.tender_report(tender, clock.now()).flags}
    [evidence] = flags['RF-META-PDF'].evidence
    assert evidence.vendors == tuple(sorted((mine.vendor_id, theirs.vendor_id)))
    assert 'Andi' not in evidence.value  # the author is personal data: masked


def test_refresh_keeps_the_pdf_metadata_so_reading_flags_decrypts_nothing(
    tender,  # noqa: F811
    bidder,  # noqa: F811
    rival,  # noqa: F811
    members,  # noqa: F811
    monkeypatch,
):
    from lpse.extensions import db
    from lpse.opening import ceremony
    from lpse.redflags import store
    from lpse.redflags.models import OpenedPdfMeta

    for vendor, key, name in ((bidder, VENDOR_KEY, 'a.pdf'), (rival, OTHER_KEY, 'b.pdf')):
        package = make_bid(tender, vendor, attachments=[(name, pdf('Andi', name))])
        submit_sealed(tender, vendor, key, package=package)
    clock.set_now(tender.bid_deadline)
    opening_helpers.open_all(tender, members)
    store.refresh(now=clock.now())
    kept = db.session.scalars(db.select(OpenedPdfMeta)).all()
    assert len(kept) == 2 and all('Andi' in k.fields for k in kept)

    pdfmeta.envelope_pdfs.cache_clear()  # a fresh worker: nothing in memory

    def no_decrypting(*args, **kwargs):
        raise AssertionError('an envelope was decrypted again')

    monkeypatch.setattr(ceremony, 'opened_package', no_decrypting)
    flags = {f.rule: f for f in report.tender_report(tender, clock.now()).flags}
    assert len(flags['RF-META-PDF'].evidence[0].vendors) == 2
