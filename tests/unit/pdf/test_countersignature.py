"""A document both parties sign (a contract): the counterparty's signed PDF must be the draft
plus one signature filling its field and changing nothing else; then the system signs last and
verification lists both signatures."""

from io import BytesIO

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from lpse.pdf import (
    COUNTERPARTY_FIELD,
    SignatureRefused,
    add_signature_fields,
    check_added_signature,
    sign_pdf,
    verify_pdf,
)
from lpse.pdf.sign import FIELD_NAME

from .conftest import NOW


@pytest.fixture(scope='module')
def draft(sample_pdf) -> bytes:
    return add_signature_fields(sample_pdf, (COUNTERPARTY_FIELD, FIELD_NAME))


def _vendor_signs(pdf, vendor, ca):
    return sign_pdf(
        pdf,
        key=vendor.key,
        cert=vendor.cert,
        chain=(ca.cert,),
        field_name=COUNTERPARTY_FIELD,
        now=NOW,
    )


def test_both_signatures_verify_in_order(draft, vendor, system, ca):
    by_vendor = _vendor_signs(draft, vendor, ca)
    assert check_added_signature(draft, by_vendor, ca_cert=ca.cert, now=NOW) == vendor.cert
    final = sign_pdf(by_vendor, key=system.key, cert=system.cert, chain=(ca.cert,), now=NOW)
    result = verify_pdf(final, ca_cert=ca.cert, system_certs=[system.cert])
    assert result.valid, result.reason_if_invalid
    assert [s.valid for s in result.signatures] == [True, True]
    names = [s.signer_name for s in result.signatures]
    assert names == ['PT Maju Jaya', 'LPSE Kabupaten Contoh (sistem)']


def test_a_revision_that_changes_the_content_before_signing_is_refused(draft, vendor, ca):
    writer = IncrementalPdfFileWriter(BytesIO(draft))
    page = writer.root['/Pages']['/Kids'][0].get_object()
    page['/Rotate'] = generic.NumberObject(90)
    writer.update_container(page)
    out = BytesIO()
    writer.write(out)
    signed = _vendor_signs(out.getvalue(), vendor, ca)
    assert signed.startswith(draft)
    with pytest.raises(SignatureRefused, match='changes the content'):
        check_added_signature(draft, signed, ca_cert=ca.cert, now=NOW)


def test_other_bytes_a_second_signature_or_a_foreign_ca_are_refused(
    draft, vendor, rogue, other_ca, system, ca
):
    signed = _vendor_signs(draft, vendor, ca)
    with pytest.raises(SignatureRefused, match='not the draft'):
        check_added_signature(draft, draft, ca_cert=ca.cert, now=NOW)
    with pytest.raises(SignatureRefused, match='not the draft'):
        check_added_signature(
            draft.replace(b'%PDF-1.7', b'%PDF-1.6', 1), signed, ca_cert=ca.cert, now=NOW
        )
    twice = sign_pdf(signed, key=system.key, cert=system.cert, chain=(ca.cert,), now=NOW)
    with pytest.raises(SignatureRefused, match='found 2'):
        check_added_signature(draft, twice, ca_cert=ca.cert, now=NOW)
    foreign = sign_pdf(
        draft,
        key=rogue.key,
        cert=rogue.cert,
        chain=(other_ca.cert,),
        field_name=COUNTERPARTY_FIELD,
        now=NOW,
    )
    with pytest.raises(SignatureRefused, match='not trusted'):
        check_added_signature(draft, foreign, ca_cert=ca.cert, now=NOW)
