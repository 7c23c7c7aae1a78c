"""A firm that sent its qualification form took part in the tender: once the window for sending
them has closed, an auditor assigned that tender reads the firm's data (a draft form alone is no
part in it; another assignment reads neither)."""

from lpse import clock
from lpse.auth import scope
from lpse.extensions import db
from lpse.tenders.prequalification import operations as prequalification
from lpse.tenders.stages import Stage
from lpse.vendors.verification import vendor_of

from .prequal_helpers import ANSWERS, at, firm, send


def test_a_qualification_form_sent_puts_the_firm_in_the_tenders_reach(
    konstruksi, person, create_tender
):
    sent, drafted = firm(person, 1), firm(person, 2)
    send(konstruksi, sent)
    prequalification.prepare(
        konstruksi, dict(ANSWERS), actor=drafted, now=at(konstruksi, Stage.qualification_submission)
    )
    other = create_tender(Stage.announcement, qualification_method='prakualifikasi')
    assigned = person('tugas@bpkp.go.id', 'auditor')
    elsewhere = person('lain@bpkp.go.id', 'auditor')
    now = clock.now()
    scope.set_scope(
        assigned, national=False, tender_codes=[konstruksi.code], actor=None, now=now, ip=None
    )
    scope.set_scope(
        elsewhere, national=False, tender_codes=[other.code], actor=None, now=now, ip=None
    )
    db.session.commit()
    assert not vendor_of(sent).can_view(assigned)  # firms may still apply: nobody is told
    window = konstruksi.schedule[Stage.qualification_submission]
    clock.set_now(window.end)
    assert vendor_of(sent).can_view(assigned)
    assert not vendor_of(drafted).can_view(assigned)
    assert not vendor_of(sent).can_view(elsewhere)
