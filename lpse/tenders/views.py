"""Public tender pages: the searchable list, the Atom feed, the announcement, downloads."""

from flask import Blueprint, render_template, request, send_file
from flask_login import current_user
from sqlalchemy import select

from lpse import clock, storage
from lpse.agencies.models import Agency
from lpse.audit import AuditEvent
from lpse.extensions import db, login_manager
from lpse.i18n import ZONE_NAMES
from lpse.proxies import client_ip
from lpse.tenders import documents, follows, operations, publication, questions, search
from lpse.tenders import schedule as tender_schedule
from lpse.tenders.forms import (
    CATEGORY_LABELS,
    CONTRACT_LABELS,
    METHOD_LABELS,
    SELECTION_LABELS,
    SIZE_LABELS,
    TKDN_FORMULAS,
    AnswerForm,
    ConfirmForm,
    QuestionForm,
    ReasonForm,
)
from lpse.tenders.models import Tender
from lpse.tenders.questions import Question
from lpse.tenders.stages import ALL_STAGES, STAGE_LABELS, Phase, Stage

bp = Blueprint('tenders', __name__, url_prefix='/tenders')
FEED_SIZE = 50


@bp.app_context_processor
def labels():
    return {
        'STAGE_LABELS': STAGE_LABELS,
        'CATEGORY_LABELS': CATEGORY_LABELS,
        'SELECTION_LABELS': SELECTION_LABELS,
        'CONTRACT_LABELS': CONTRACT_LABELS,
        'SIZE_LABELS': SIZE_LABELS,
        'METHOD_LABELS': METHOD_LABELS,
        'TKDN_FORMULAS': TKDN_FORMULAS,
        'ZONE_NAMES': ZONE_NAMES,
    }


def viewer():
    return current_user if current_user.is_authenticated else None


def load_tender(code, version=None, *, options=()) -> Tender:
    """The newest version of ``code`` the visitor may see (a draft retender hides nothing)."""
    return operations.get_tender(code, version, visible_to=viewer(), options=options)


@bp.get('/')
def index():
    query = search.parse(request.args)
    now = clock.now()
    page = search.run(query, now)
    agencies = db.session.scalars(select(Agency).order_by(Agency.code)).all()
    stage_choices = [
        *ALL_STAGES,
        Phase.upcoming,
        Phase.implementation,
        Phase.completed,
        Phase.cancelled,
        Phase.failed,
    ]
    return render_template(
        'tenders/index.html',
        query=query,
        page=page,
        now=now,
        agencies=agencies,
        stage_choices=stage_choices,
    )


@bp.get('/feed.atom')
def feed():
    tenders = db.session.scalars(
        select(Tender)
        .where(Tender.published_at.is_not(None), Tender.superseded.is_(False))
        .order_by(Tender.published_at.desc(), Tender.id.desc())
        .limit(FEED_SIZE)
    ).all()
    body = render_template('tenders/feed.xml', tenders=tenders, now=clock.now())
    return body, 200, {'Content-Type': 'application/atom+xml; charset=utf-8'}


def detail_context(tender, now, **forms):
    user = viewer()
    return {
        'tender': tender,
        'now': now,
        'stage': tender.stage(now),
        'open_stages': [s for s in ALL_STAGES if tender.is_open(s, now)],
        'schedule': tender.schedule,
        'changes': tender_schedule.changes_of(tender),
        'documents': documents.documents_of(tender),
        'addenda': documents.addenda_of(tender),
        'questions': questions.questions_of(tender),
        'params': operations.method_params(tender),
        # Every officer of a draft sees what is missing (the PPK too, who cannot publish).
        'reasons': publication.publication_problems(tender, now) if tender.can_edit(user) else [],
        'user': user,
        'question_form': forms.get('question_form') or QuestionForm(),
        'answer_form': forms.get('answer_form') or AnswerForm(),
        'reason_form': forms.get('reason_form') or ReasonForm(),
        'confirm': ConfirmForm(),
        'Stage': Stage,
        'previous_versions': _versions(tender),
        'next_version': next_version(tender, user),
        'may_follow': follows.may_follow(tender, user),
        'following': follows.is_following(tender, user),
    }


def followed_by(user):
    """Tenders the vendor follows, downloaded from or asked about, and its questions (the
    vendor dashboard shows them; the vendors layer sits below this one)."""
    ids = db.session.scalars(
        db.select(AuditEvent.object_id)
        .where(
            AuditEvent.actor_id == user.id,
            AuditEvent.object_type == 'tender',
            AuditEvent.action.in_(('tender.document_downloaded', 'tender.question_asked')),
        )
        .distinct()
    ).all()
    wanted = {int(i) for i in ids} | {t.id for t in follows.followed_tenders(user)}
    tenders = db.session.scalars(
        db.select(Tender).where(Tender.id.in_(wanted)).order_by(Tender.code)
    ).all()
    questions = db.session.scalars(
        db.select(Question).where(Question.asker_id == user.id).order_by(Question.id.desc())
    ).all()
    return tenders, questions


@bp.app_context_processor
def _followed_helper():
    return {'followed_by': followed_by}


def next_version(tender, user):
    """The retender of ``tender`` when the visitor may see it (the page links to it)."""
    new = tender.retender
    return new if new is not None and new.can_view(user) else None


def _versions(tender):
    return db.session.scalars(
        select(Tender)
        .where(Tender.code == tender.code, Tender.id != tender.id, Tender.published_at.is_not(None))
        .order_by(Tender.version)
    ).all()


@bp.get('/<code>')
def detail(code):
    version = request.args.get('version', type=int)
    tender = load_tender(code, version)
    now = clock.now()
    return render_template('tenders/detail.html', **detail_context(tender, now))


@bp.get('/<code>/documents/<int:document_id>')
def download(code, document_id):
    """A full tender document: logged-in, allowed users only; every download is logged."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    tender = load_tender(code, request.args.get('version', type=int))
    document = documents.checked_download(
        tender, document_id, actor=current_user, now=clock.now(), ip=client_ip()
    )
    db.session.commit()
    return document_file(document)


def document_file(document):
    """The response carrying a tender document's bytes (page and API)."""
    return send_file(
        storage.blob_store().open(document.sha256),
        mimetype=document.media_type,
        as_attachment=True,
        download_name=document.download_name,
        etag=document.sha256,
    )
