"""HTML templates to PDF with WeasyPrint, fetching nothing but the app's own static files."""

import datetime as dt
import mimetypes
from collections.abc import Iterable, Mapping
from pathlib import Path
from urllib.parse import unquote, urlsplit

import jinja2
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

from .qr import qr_data_uri

PACKAGE_DIR = Path(__file__).resolve().parent.parent
STATIC_DIR = PACKAGE_DIR / 'static'
TEMPLATE_DIR = PACKAGE_DIR.parent / 'templates'
# Debian's fonts-dejavu-core: the same glyphs (and the same line breaks) on every server.
FONT_DIR = Path('/usr/share/fonts/truetype/dejavu')
FONT_FILES = {
    ('DejaVu Sans', 'normal', 'normal'): 'DejaVuSans.ttf',
    ('DejaVu Sans', 'bold', 'normal'): 'DejaVuSans-Bold.ttf',
    ('DejaVu Sans', 'normal', 'italic'): 'DejaVuSans-Oblique.ttf',
    ('DejaVu Sans', 'bold', 'italic'): 'DejaVuSans-BoldOblique.ttf',
    ('DejaVu Sans Mono', 'normal', 'normal'): 'DejaVuSansMono.ttf',
    ('DejaVu Sans Mono', 'bold', 'normal'): 'DejaVuSansMono-Bold.ttf',
}
# What `_base.html` prints on every page; a document without them must not be issued.
REQUIRED_CONTEXT = ('document_id', 'verify_url', 'audit_checkpoint')
AUTHOR = 'LPSE'


class ResourceRefused(Exception):
    """A template asked for a resource outside the static folder (network, other files)."""


class FontMissing(Exception):
    """The embedded font files are not installed (Debian package fonts-dejavu-core)."""


class StaticOnlyFetcher(URLFetcher):
    """WeasyPrint URL fetcher that serves `data:` URIs and files under `roots`, nothing else.

    Every refusal stops the rendering (`fail_on_errors`): a document missing an image or a
    stylesheet must not be issued. `fetched` and `refused` record what was asked, for tests and
    error messages.
    """

    def __init__(self, roots: Iterable[Path]):
        super().__init__(fail_on_errors=True, allowed_protocols=('data',))
        self.roots = tuple(Path(root).resolve() for root in roots)
        self.fetched: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = url.partition(':')[0].lower()
        if scheme == 'data':
            self.fetched.append(url[:40])
            # urllib's DataHandler decodes the URI in memory; every other scheme is disallowed.
            return super().fetch(url, headers)
        if scheme == 'file':
            path = Path(unquote(urlsplit(url).path)).resolve()
            if path.is_file() and any(path.is_relative_to(root) for root in self.roots):
                self.fetched.append(url)
                content_type = mimetypes.guess_type(path.name)[0] or 'application/octet-stream'
                return URLFetcherResponse(
                    url, path.read_bytes(), headers={'Content-Type': content_type}
                )
        self.refused.append(url)
        allowed = ', '.join(str(root) for root in self.roots)
        raise ResourceRefused(
            f'PDF rendering refused to fetch {url!r}: only data: URIs and files under '
            f'{allowed} may be used (no network, no other files)'
        )


def template_environment(template_dir: Path = TEMPLATE_DIR) -> jinja2.Environment:
    """A Jinja environment for `templates/pdf/` outside Flask (CLI, workers, tests)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def font_face_css(font_dir: Path = FONT_DIR) -> str:
    """@font-face rules for DejaVu Sans and DejaVu Sans Mono from `font_dir`."""
    rules = []
    for (family, weight, style), name in FONT_FILES.items():
        path = font_dir / name
        if not path.is_file():
            raise FontMissing(f'{path} not found: install the Debian package fonts-dejavu-core')
        rules.append(
            f'@font-face {{ font-family: "{family}"; '
            f'font-weight: {weight}; font-style: {style}; src: url("{path.as_uri()}"); }}'
        )
    return '\n'.join(rules)


def layout_document(
    template_name: str,
    context: Mapping,
    *,
    env: jinja2.Environment,
    base_url_dir: Path = STATIC_DIR,
    font_dir: Path = FONT_DIR,
):
    """The laid-out WeasyPrint document of a template (pages and boxes, not yet PDF bytes):
    what `render_pdf` writes, and what `overflows` measures."""
    missing = [key for key in REQUIRED_CONTEXT if not context.get(key)]
    if missing:
        raise ValueError(f'a PDF document needs {", ".join(missing)} in its context')
    html_text = env.get_template(template_name).render(
        {**context, 'verification_qr': qr_data_uri(context['verify_url'])}
    )
    fetcher = StaticOnlyFetcher([base_url_dir, font_dir])
    fonts = FontConfiguration()
    try:
        fonts_css = CSS(string=font_face_css(font_dir), url_fetcher=fetcher, font_config=fonts)
        document = HTML(
            string=html_text,
            base_url=Path(base_url_dir).resolve().as_uri() + '/',
            url_fetcher=fetcher,
        ).render(font_config=fonts, stylesheets=[fonts_css])
    except FatalURLFetchingError as exc:
        # WeasyPrint wraps the fetcher's error in a BaseException; hand back a plain one.
        cause = exc.__cause__
        if isinstance(cause, ResourceRefused):
            raise ResourceRefused(str(cause)) from None
        raise ResourceRefused(f'{exc} ({cause})') from cause
    if not document.metadata.title:
        raise ValueError(f'{template_name} sets no <title>: the PDF would have no title')
    return document


def overflows(document, *, tolerance: float = 0.5) -> list[str]:
    """Every box of the page bodies whose right edge passes the page's text area (a table too
    wide for A4 is clipped or runs off the paper), as `page N: <tag> +X mm` lines; [] when all
    fit. The running header and footer (margin boxes) have their own widths and are skipped."""
    from weasyprint.formatting_structure import boxes

    problems = []
    for number, page in enumerate(document.pages, start=1):
        page_box = page._page_box
        right = page_box.content_box_x() + page_box.width
        for child in page_box.children:
            if isinstance(child, boxes.MarginBox):
                continue
            for box in child.descendants():
                width = getattr(box, 'width', None)
                if not isinstance(width, int | float) or box.position_x is None:
                    continue
                edge = box.border_box_x() + box.border_width()
                if edge > right + tolerance:
                    text = (getattr(box, 'text', '') or '')[:40]
                    problems.append(
                        f'page {number}: <{box.element_tag}> {text!r} '
                        f'+{(edge - right) * 25.4 / 96:.1f} mm'
                    )
    return problems


def render_pdf(
    template_name: str,
    context: Mapping,
    *,
    env: jinja2.Environment,
    base_url_dir: Path = STATIC_DIR,
    now: dt.datetime,
    font_dir: Path = FONT_DIR,
) -> bytes:
    """Render a `templates/pdf/` template to PDF bytes, stamped with `now` as creation date.

    `context` must carry `document_id`, `verify_url` and `audit_checkpoint` (printed in every
    footer); the QR code of `verify_url` is added as `verification_qr`. Relative URLs resolve
    against `base_url_dir` (the app's static folder), the only files the renderer may read
    besides the fonts.
    """
    if now.tzinfo is None:
        raise ValueError('now must be timezone-aware')
    document = layout_document(
        template_name, context, env=env, base_url_dir=base_url_dir, font_dir=font_dir
    )
    stamp = now.astimezone(dt.UTC).replace(microsecond=0).isoformat()
    document.metadata.authors = [AUTHOR]
    document.metadata.created = document.metadata.modified = stamp
    return document.write_pdf(pdf_identifier=context['document_id'].encode('ascii'))
