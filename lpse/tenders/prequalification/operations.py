"""The rules of a prequalification (DOMAIN §9): a vendor sends its qualification form, signed
(never encrypted), while the submission stage is open; the Pokja records a verdict per
requirement (and a score where the method scores); the members approve the result as it
stands and, once at least half of them have, it is announced — the shortlist set, the BA and
the announcement issued — with its own objection window; an accepted objection withdraws it.

Operations take the acting user and the time; they flush, the caller commits once."""

import hashlib
import io
import json
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from lpse import audit, storage
from lpse.auth.models import User
from lpse.crypto.canonical import canonical_json
from lpse.documents import operations as documents
from lpse.errors import Conflict, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from lpse.extensions import db
from lpse.i18n import with_wib
from lpse.tenders import news, rules
from lpse.tenders.locking import lock_tenders
from lpse.tenders.models import QualificationMethod, ScheduleEntry, Tender, TenderStatus
from lpse.tenders.prequalification import paperwork
from lpse.tenders.prequalification.models import (
    ObjectionStatus,
    QualificationApproval,
    QualificationObjection,
    QualificationResult,
    QualificationSubmission,
    SubmissionStatus,
)
from lpse.tenders.prequalification.shortlist import current_result, results_of
from lpse.tenders.stages import Stage
from lpse.vendors import signing, verification

MAX_TEXT = 5000
MAX_FORM = 20 * 1024 * 1024
#: What the vendor writes on its form (the register data is added from its record).
ANSWERS = ('pengalaman', 'tenaga_ahli', 'peralatan')
SCORE_RE = re.compile(r'^(100(\.0{1,2})?|[0-9]{1,2}(\.[0-9]{1,2})?)$')
ANSWER_DAYS = 3  # the Pokja answers an objection within 3 days after the period


# --- who may act --------------------------------------------------------------------------


def _require_prequalified(tender):
    if not tender.method.prequalifies:
        raise NotFound(_l('Tender ini tidak memakai prakualifikasi.'))
    if not tender.is_active:
        raise InvalidTransition(_l('Tender ini tidak sedang berjalan.'))


def _require_pokja(tender, actor):
    if not tender.is_member(actor):
        raise NotAllowed(_l('Hanya Pokja tender ini yang dapat mengevaluasi kualifikasi.'))


def _vendor(actor, now):
    vendor = verification.vendor_of(actor)
    problem = verification.participation_problem(vendor, now)
    if problem is not None:
        raise NotAllowed(problem)
    return vendor


def submission_of(tender, vendor) -> QualificationSubmission | None:
    if vendor is None:
        return None
    return db.session.scalar(
        select(QualificationSubmission).where(
            QualificationSubmission.tender_id == tender.id,
            QualificationSubmission.vendor_id == vendor.id,
        )
    )


def submissions(tender) -> list[QualificationSubmission]:
    """The signed submissions, in the order they arrived."""
    return list(
        db.session.scalars(
            select(QualificationSubmission)
            .where(
                QualificationSubmission.tender_id == tender.id,
                QualificationSubmission.status == SubmissionStatus.submitted,
            )
            .order_by(QualificationSubmission.submitted_at, QualificationSubmission.id)
        )
    )


def find_submission(tender, submission_id) -> QualificationSubmission:
    try:
        submission_id = int(submission_id)
    except (TypeError, ValueError):
        submission_id = None
    row = db.session.get(QualificationSubmission, submission_id) if submission_id else None
    if row is None or row.tender_id != tender.id or not row.is_submitted:
        raise NotFound(_l('Data kualifikasi tidak ditemukan.'))
    return row


# --- the vendor's form --------------------------------------------------------------------


def _check_submission_open(tender, now):
    window = tender.schedule.get(Stage.qualification_submission)
    if window is None or not window.contains(now):
        raise InvalidTransition(
            _l('Tahap Kirim Persyaratan Kualifikasi tidak sedang berlangsung.')
            if window is None or now < window.start
            else _l(
                'Tahap Kirim Persyaratan Kualifikasi berakhir %(end)s.',
                end=with_wib(window.end, tender.timezone),
            )
        )


def parse_answers(tender, data) -> dict:
    """The vendor's answers, checked: text fields within limits, the experience (and the
    experts, for consultancy) given, the declaration made."""
    if not isinstance(data, dict):
        raise ValidationFailed(_l('Data kualifikasi harus berupa objek JSON.'))
    answers, required = {}, {'pengalaman'}
    if tender.category == 'jasa_konsultansi':
        required.add('tenaga_ahli')
    for name in ANSWERS:
        value = data.get(name, '')
        if not isinstance(value, str):
            raise ValidationFailed(_l('Isian ini harus berupa teks.'), field=name)
        value = value.strip()
        if len(value) > MAX_TEXT:
            raise ValidationFailed(
                _l('Paling banyak %(n)s karakter.', n=f'{MAX_TEXT:,}'.replace(',', '.')),
                field=name,
            )
        if name in required and not value:
            raise ValidationFailed(_l('Isian ini wajib diisi.'), field=name)
        answers[name] = value
    if data.get('pernyataan') not in (True, 'true', 'y', 'on', '1'):
        raise ValidationFailed(
            _l('Centang pernyataan kebenaran data untuk mengirim data kualifikasi.'),
            field='pernyataan',
        )
    answers['pernyataan'] = True
    return answers


def prepare(tender, data, *, actor, now, ip=None) -> QualificationSubmission:
    """Render the vendor's qualification form (Formulir Isian Kualifikasi) from its register
    data and `data`, to be signed. A form already sent stays in force until the new one is
    signed and sent (resending replaces it while the submission stage is open)."""
    _require_prequalified(tender)
    vendor = _vendor(actor, now)
    _check_submission_open(tender, now)
    answers = parse_answers(tender, data)
    row = submission_of(tender, vendor)
    draft = paperwork.qualification_form(tender, vendor, answers, now=now)
    sha, _size = storage.blob_store().put_stream(io.BytesIO(draft.pdf), max_size=MAX_FORM)
    if row is None:
        row = QualificationSubmission(tender_id=tender.id, vendor_id=vendor.id)
        db.session.add(row)
    if not row.is_submitted:
        row.status = SubmissionStatus.draft.value
        row.data = canonical_json(answers)
    row.draft_sha256 = sha
    row.draft_document_id = draft.document_id
    row.draft_data = json.dumps(draft.data, sort_keys=True, ensure_ascii=False, default=str)
    row.draft_checkpoint_id = draft.checkpoint_id
    row.prepared_at = now
    db.session.flush()
    return row


def draft_pdf(row) -> bytes:
    with storage.blob_store().open(row.draft_sha256) as fh:
        return fh.read()


def submit(tender, *, actor, now, passphrase=None, signed_pdf=None, ip=None):
    """Sign the prepared form (server-held key and passphrase) or take the vendor's own signed
    copy; the system countersigns it as received. Writes `qualification.submitted`."""
    _require_prequalified(tender)
    vendor = _vendor(actor, now)
    _check_submission_open(tender, now)
    row = submission_of(tender, vendor)
    if row is None:
        raise InvalidTransition(_l('Isi formulir kualifikasi terlebih dahulu.'))
    if not row.has_fresh_draft:
        raise Conflict(
            _l(
                'Data kualifikasi Anda untuk tender ini sudah dikirim; isi formulir lagi untuk '
                'mengirim ulang.'
            )
        )
    replaces = row.document_id
    draft = draft_pdf(row)
    signed, certificate, via = signing.vendor_signed(
        draft, actor=actor, now=now, passphrase=passphrase, signed_pdf=signed_pdf, ip=ip
    )
    issued = documents.issue_signed(
        documents.Draft(
            'qualification_form',
            row.draft_document_id,
            draft,
            json.loads(row.draft_data),
            row.draft_checkpoint_id,
        ),
        signed,
        tender=tender,
        owner=actor,
        now=now,
    )
    row.status = SubmissionStatus.submitted.value
    row.data = canonical_json(json.loads(row.draft_data)['answers'])
    row.submitted_at, row.submitted_by_id = now, actor.id
    row.certificate_id, row.document_id = certificate.id, issued.id
    db.session.flush()
    audit.record(
        'qualification.submitted',
        row,
        actor=actor,
        now=now,
        ip=ip,
        tender=tender.id,
        vendor=vendor.id,
        via=via,
        serial=certificate.serial,
        document=issued.id,
        sha256=issued.sha256,
        replaces=replaces,
    )
    return row


# --- the Pokja's evaluation ---------------------------------------------------------------


def check_evaluation_open(tender, now):
    window = tender.schedule.get(Stage.qualification_submission)
    if window is not None and now < window.end:
        raise InvalidTransition(
            _l(
                'Evaluasi kualifikasi dimulai setelah tahap Kirim Persyaratan Kualifikasi '
                'berakhir (%(end)s).',
                end=with_wib(window.end, tender.timezone),
            )
        )
    if tender.shortlist_announced_at is not None:
        raise InvalidTransition(_l('Hasil prakualifikasi sudah diumumkan.'))


def parse_verdicts(tender, data) -> tuple[dict, Decimal | None]:
    """Every requirement's verdict with its reason, and the score where the method scores."""
    if not isinstance(data, dict):
        raise ValidationFailed(_l('Data evaluasi harus berupa objek JSON.'))
    given = data.get('requirements')
    if not isinstance(given, dict):
        raise ValidationFailed(_l('Isi hasil evaluasi setiap persyaratan.'), field='requirements')
    requirements = tender.method.qualification_requirements(tender)
    unknown = sorted(set(given) - set(requirements))
    if unknown:
        raise ValidationFailed(
            _l('Persyaratan tidak dikenal: %(names)s.', names=', '.join(unknown)),
            field='requirements',
        )
    verdicts = {}
    for key in requirements:
        entry = given.get(key)
        if not isinstance(entry, dict) or not isinstance(entry.get('passed'), bool):
            raise ValidationFailed(_l('Pilih memenuhi atau tidak memenuhi.'), field=key)
        reason = entry.get('reason')
        reason = reason.strip() if isinstance(reason, str) else ''
        if not reason or len(reason) > MAX_TEXT:
            raise ValidationFailed(_l('Setiap hasil evaluasi harus disertai alasan.'), field=key)
        verdicts[key] = {'passed': entry['passed'], 'reason': reason}
    score = None
    if tender.method.scores_qualification:
        raw = data.get('score')
        text = str(raw).strip() if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ''
        if not SCORE_RE.match(text):
            raise ValidationFailed(
                _l('Nilai kualifikasi 0–100, paling banyak 2 desimal.'), field='score'
            )
        try:
            score = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the pattern admits decimals only
            raise ValidationFailed(_l('Nilai kualifikasi tidak sah.'), field='score') from None
    return verdicts, score


def record_verdicts(tender, submission_id, data, *, actor, now, ip=None):
    """The Pokja's verdict on one vendor's qualification, all requirements at once."""
    _require_prequalified(tender)
    _require_pokja(tender, actor)
    check_evaluation_open(tender, now)
    lock_tenders(db.session, [tender.id])
    row = find_submission(tender, submission_id)
    verdicts, score = parse_verdicts(tender, data)
    row.verdicts = canonical_json(verdicts)
    row.score = score
    row.evaluated_at, row.evaluated_by_id = now, actor.id
    db.session.flush()
    audit.record(
        'qualification.evaluated',
        row,
        actor=actor,
        now=now,
        ip=ip,
        tender=tender.id,
        vendor=row.vendor_id,
        passed=row.passed,
        score=None if score is None else str(score),
    )
    return row


def provisional_result(tender) -> tuple[dict, list]:
    """The result as the verdicts stand — every vendor with its verdicts, score and rank, and
    the shortlist — and what keeps it from being approved."""
    method = tender.method
    with force_locale('id'):
        requirements = {k: str(v) for k, v in method.qualification_requirements(tender).items()}
    rows = submissions(tender)
    problems = []
    unevaluated = [r for r in rows if r.passed is None]
    if not rows:
        problems.append(_l('Belum ada penyedia yang mengirim data kualifikasi.'))
    elif unevaluated:
        problems.append(_l('%(n)s data kualifikasi belum dievaluasi.', n=len(unevaluated)))
    passing = [r for r in rows if r.passed]
    if method.scores_qualification:
        passing.sort(key=lambda r: (-(r.score or Decimal(0)), r.submitted_at, r.id))
    least, most = method.shortlist_bounds()
    chosen = passing if most is None else passing[:most]
    if not unevaluated and rows and len(passing) < least:
        problems.append(
            _l(
                'Peserta yang lulus prakualifikasi %(n)s, kurang dari %(least)s: prakualifikasi '
                'diulang atau tender dinyatakan gagal.',
                n=len(passing),
                least=least,
            )
        )
    rank = {r.id: n for n, r in enumerate(chosen, 1)}
    vendors = []
    for r in rows:
        vendors.append(
            {
                'submission': r.id,
                'vendor_id': r.vendor_id,
                'name': r.vendor.company_name,
                'npwp': r.vendor.npwp,
                'document': r.document_id,
                'passed': r.passed,
                'score': None if r.score is None else str(r.score),
                'verdicts': r.verdict_map,
                'shortlisted': r.id in rank,
                'rank': rank.get(r.id),
            }
        )
    result = {
        'tender': tender.code,
        'version': tender.version,
        'method': method.key,
        'round': len(results_of(tender)) + 1,
        'requirements': requirements,
        'scored': method.scores_qualification,
        'shortlist_bounds': [least, most],
        'vendors': vendors,
        'shortlist': [
            v['vendor_id'] for v in sorted(vendors, key=lambda v: v['rank'] or 0) if v['rank']
        ],
    }
    return result, problems


def result_sha256(result) -> str:
    return hashlib.sha256(canonical_json(result).encode()).hexdigest()


def approvals_needed(tender) -> int:
    """At least half of the Pokja (DOMAIN §2, as for the winner decision)."""
    return (len(tender.members) + 1) // 2


def approvals_of(tender, sha) -> list[QualificationApproval]:
    return list(
        db.session.scalars(
            select(QualificationApproval)
            .where(
                QualificationApproval.tender_id == tender.id,
                QualificationApproval.result_sha256 == sha,
            )
            .order_by(QualificationApproval.id)
        )
    )


def announcement_opens(tender):
    """When the result may be announced: the start of the scheduled Pengumuman Hasil
    Prakualifikasi (None without that stage: at once)."""
    window = tender.schedule.get(Stage.qualification_announcement)
    return window.start if window is not None else None


def approve(tender, *, actor, now, ip=None, expected_sha256=None):
    """A Pokja member approves the result as it stands; with at least half the Pokja it is
    announced — at once inside the announcement stage, else by the clock when that stage
    begins (`announce_due`). Returns (QualificationResult or None, approvals so far, needed)."""
    _require_prequalified(tender)
    _require_pokja(tender, actor)
    check_evaluation_open(tender, now)
    window = tender.schedule.get(Stage.qualification_objection)
    if window is not None and now >= window.end:
        raise InvalidTransition(
            _l('Masa sanggah prakualifikasi yang dijadwalkan sudah lewat: ubah jadwal dahulu.')
        )
    lock_tenders(db.session, [tender.id])
    result, problems = provisional_result(tender)
    if problems:
        raise InvalidTransition(' '.join(str(p) for p in problems))
    sha = result_sha256(result)
    if expected_sha256 is not None and expected_sha256 != sha:
        raise Conflict(_l('Hasil prakualifikasi berubah sejak Anda membukanya: periksa lagi.'))
    approvals = approvals_of(tender, sha)
    if any(a.user_id == actor.id for a in approvals):
        raise Conflict(_l('Anda sudah menyetujui hasil prakualifikasi ini.'))
    db.session.add(
        QualificationApproval(
            tender_id=tender.id, user_id=actor.id, result_sha256=sha, approved_at=now
        )
    )
    db.session.flush()
    count, needed = len(approvals) + 1, approvals_needed(tender)
    audit.record(
        'qualification.approved',
        ('tender', tender.id),
        actor=actor,
        now=now,
        ip=ip,
        tender=tender.id,
        result_sha256=sha,
        approvals=count,
        needed=needed,
    )
    announced = None
    opens = announcement_opens(tender)
    if count >= needed and (opens is None or now >= opens):
        announced = _announce(tender, result, sha, actor=actor, now=now, ip=ip)
    return announced, count, needed


def announce_due(*, now) -> list[str]:
    """The clock: announce each prakualifikasi result that had its approvals before its
    announcement stage began, once that stage has begun (in the name of the member whose
    approval completed it); the codes announced. A result changed since is not announced."""
    # Only tenders with an approval, inside their announcement stage: the minute's round
    # reads a handful of rows however many prakualifikasi tenders are running.
    candidates = db.session.scalars(
        select(Tender)
        .where(
            Tender.qualification_method == QualificationMethod.prakualifikasi.value,
            Tender.shortlist_announced_at.is_(None),
            Tender.status == TenderStatus.published.value,
            Tender.superseded.is_(False),
            select(QualificationApproval.id)
            .where(QualificationApproval.tender_id == Tender.id)
            .exists(),
            select(ScheduleEntry.id)
            .where(
                ScheduleEntry.tender_id == Tender.id,
                ScheduleEntry.stage == Stage.qualification_announcement.value,
                ScheduleEntry.starts_at <= now,
            )
            .exists(),
        )
        .order_by(Tender.id)
    ).all()
    made = []
    for tender in candidates:
        opens = announcement_opens(tender)
        objection = tender.schedule.get(Stage.qualification_objection)
        if opens is None or now < opens or (objection is not None and now >= objection.end):
            continue
        lock_tenders(db.session, [tender.id])
        db.session.refresh(tender)
        if tender.shortlist_announced_at is not None:
            db.session.rollback()
            continue
        result, problems = provisional_result(tender)
        sha = result_sha256(result)
        approvals = approvals_of(tender, sha)
        if problems or len(approvals) < approvals_needed(tender):
            db.session.rollback()
            continue
        actor = db.session.get(User, approvals[approvals_needed(tender) - 1].user_id)
        _announce(tender, result, sha, actor=actor, now=now, ip=None)
        db.session.commit()
        made.append(tender.code)
    return made


def _announce(tender, result, sha, *, actor, now, ip):
    window = tender.schedule.get(Stage.qualification_objection)
    least = rules.tender_schedule_rules(tender).duration(Stage.qualification_objection)
    ends = max(window.end if window else now, now + least, now + timedelta(seconds=1))
    announcement = QualificationResult(
        tender_id=tender.id,
        announced_at=now,
        announced_by_id=actor.id,
        objection_ends_at=ends,
        answer_due_at=ends + timedelta(days=ANSWER_DAYS),
        result_json=canonical_json(result),
        result_sha256=sha,
    )
    db.session.add(announcement)
    for row in submissions(tender):
        entry = next(v for v in result['vendors'] if v['submission'] == row.id)
        row.shortlisted, row.shortlist_rank = entry['shortlisted'], entry['rank']
    tender.shortlist_announced_at = now
    db.session.flush()
    approvers = [db.session.get(User, a.user_id) for a in approvals_of(tender, sha)]
    report, notice = paperwork.issue_result_documents(
        tender, announcement, approvers=approvers, now=now
    )
    announcement.report_document_id, announcement.notice_document_id = report.id, notice.id
    db.session.flush()
    audit.record(
        'qualification.announced',
        announcement,
        actor=actor,
        now=now,
        ip=ip,
        tender=tender.id,
        result_sha256=sha,
        shortlist=[
            {'vendor': v['vendor_id'], 'name': v['name'], 'rank': v['rank']}
            for v in result['vendors']
            if v['shortlisted']
        ],
        objection_ends_at=ends.isoformat(),
        report=report.id,
        notice=notice.id,
    )
    _tell_firms(tender, ends=ends, now=now)
    return announcement


def _tell_firms(tender, *, ends, now):
    """Each firm that sent its data hears whether it is on the shortlist (in its inbox and by
    mail), with what to do next: bid before the deadline, or object before the period ends."""
    sent = [row for row in submissions(tender) if row.is_submitted]
    for shortlisted, kind in ((True, 'shortlisted'), (False, 'not_shortlisted')):
        firms = [row.vendor.user for row in sent if bool(row.shortlisted) is shortlisted]
        if firms:
            news.tell(tender, kind, to=firms, now=now, ends=ends, deadline=tender.bid_deadline)


# --- objections (sanggah prakualifikasi) --------------------------------------------------


def file_objection(tender, text, *, actor, now, ip=None) -> QualificationObjection:
    """A vendor that sent its qualification data objects to the announced result."""
    _require_prequalified(tender)
    vendor = verification.vendor_of(actor)
    row = submission_of(tender, vendor)
    if row is None or not row.is_submitted:
        raise NotAllowed(_l('Hanya penyedia yang mengirim data kualifikasi yang dapat menyanggah.'))
    result = current_result(tender)
    if result is None:
        raise InvalidTransition(_l('Hasil prakualifikasi belum diumumkan.'))
    if now >= result.objection_ends_at:
        raise InvalidTransition(
            _l(
                'Masa sanggah prakualifikasi berakhir %(end)s.',
                end=with_wib(result.objection_ends_at, tender.timezone),
            )
        )
    text = text.strip() if isinstance(text, str) else ''
    if not text:
        raise ValidationFailed(_l('Tulis isi sanggahan.'), field='text')
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            _l('Paling banyak %(n)s karakter.', n=f'{MAX_TEXT:,}'.replace(',', '.')), field='text'
        )
    already = db.session.scalar(
        select(func.count(QualificationObjection.id)).where(
            QualificationObjection.result_id == result.id,
            QualificationObjection.vendor_id == vendor.id,
        )
    )
    if already:
        raise Conflict(_l('Anda sudah menyanggah hasil prakualifikasi ini.'))
    objection = QualificationObjection(
        result_id=result.id, vendor_id=vendor.id, filed_by_id=actor.id, filed_at=now, text=text
    )
    db.session.add(objection)
    db.session.flush()
    audit.record(
        'qualification.objection_filed',
        objection,
        actor=actor,
        now=now,
        ip=ip,
        tender=tender.id,
        vendor=vendor.id,
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )
    return objection


def answer_objection(tender, objection_id, *, accept, answer, actor, now, ip=None):
    """The Pokja answers; an accepted objection withdraws the result (the shortlist with it):
    the verdicts are reviewed and a new result is approved and announced."""
    _require_prequalified(tender)
    _require_pokja(tender, actor)
    lock_tenders(db.session, [tender.id])
    try:
        objection = db.session.get(QualificationObjection, int(objection_id))
    except (TypeError, ValueError):
        objection = None
    result = current_result(tender)
    if objection is None or result is None or objection.result_id != result.id:
        raise NotFound(_l('Sanggahan tidak ditemukan.'))
    if objection.status != ObjectionStatus.pending:
        raise Conflict(_l('Sanggahan ini sudah dijawab.'))
    if not isinstance(accept, bool):
        raise ValidationFailed(_l('Pilih sanggahan diterima atau ditolak.'), field='accept')
    answer = answer.strip() if isinstance(answer, str) else ''
    if not answer or len(answer) > MAX_TEXT:
        raise ValidationFailed(_l('Tulis jawaban sanggahan.'), field='answer')
    objection.status = (ObjectionStatus.accepted if accept else ObjectionStatus.rejected).value
    objection.answer, objection.answered_at, objection.answered_by_id = answer, now, actor.id
    if accept:
        result.withdrawn_at = now
        result.withdrawn_reason = answer
        tender.shortlist_announced_at = None
        for row in submissions(tender):
            row.shortlisted, row.shortlist_rank = False, None
    db.session.flush()
    audit.record(
        'qualification.objection_answered',
        objection,
        actor=actor,
        now=now,
        ip=ip,
        tender=tender.id,
        accepted=accept,
        withdrawn=result.id if accept else None,
    )
    return objection
