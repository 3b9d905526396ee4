"""Import: paste text or upload a file, see the cards it makes before anything is stored,
fix a split that came out wrong (merge, split, move a point), then save."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.datastructures import FormData
from starlette.datastructures import UploadFile as StarletteUpload

from retain.collection import Collection, ImportReport
from retain.core import drafts
from retain.core.model import DeckDraft, NoteDraft
from retain.formats import DeckImportError, read_data
from retain.web.deps import ClockDep, CollectionDep, SettingsDep
from retain.web.errors import WebError
from retain.web.models import (
    DraftCard,
    DraftEditIn,
    DraftModel,
    ImportIn,
    ImportOut,
    PreviewIn,
    Problem,
)
from retain.web.sanitize import clean_draft, clean_field
from retain.web.studying import Clock
from retain.web.views import is_htmx, redirect, render

pages = APIRouter(include_in_schema=False)
api = APIRouter(
    prefix="/api/import",
    tags=["import"],
    responses={400: {"model": Problem}, 413: {"model": Problem}},
)


class TooLarge(WebError):
    status = 413


def read_text(data: bytes, source: str | None, limit: int) -> DeckDraft:
    """The draft that `data` reads as, sanitized; nothing is stored."""
    if len(data) > limit:
        raise TooLarge(f"the deck is larger than {limit:,} bytes, the limit for an import here")
    if not data.strip():
        raise DeckImportError("there is nothing to import: paste some cards or choose a file")
    draft = clean_draft(read_data(data, source=source))
    if len(draft.notes) > drafts.MAX_DRAFT_CARDS:
        raise TooLarge(
            f"it has {len(draft.notes):,} cards; import more than "
            f"{drafts.MAX_DRAFT_CARDS:,} at once with `retain import`"
        )
    return draft


def edit_draft(draft: DeckDraft, op: str, card: int, point: int) -> DeckDraft:
    if op == "merge":
        return drafts.merge_with_next(draft, card)
    if op == "split":
        return drafts.split_at_point(draft, card, point)
    if op in ("move_up", "move_down"):
        return drafts.move_point(draft, card, point, -1 if op == "move_up" else 1)
    if op == "delete":
        return drafts.delete_card(draft, card)
    raise WebError(f"unknown edit {op!r} (merge, split, move_up, move_down, delete)")


def save_draft(
    col: Collection, draft: DeckDraft, deck_name: str | None, clock: Clock
) -> ImportReport:
    draft = clean_draft(drafts.clean(draft))
    return col.decks.import_deck(draft, now=clock(), deck_name=(deck_name or "").strip() or None)


def to_model(draft: DeckDraft) -> DraftModel:
    return DraftModel(
        title=draft.title,
        format=draft.format,
        cards=[
            DraftCard(question=n.question, answer_points=list(n.answer_points)) for n in draft.notes
        ],
        control_characters_removed=draft.control_characters_removed,
    )


def from_model(model: DraftModel) -> DeckDraft:
    return DeckDraft(
        model.title,
        model.format,
        tuple(NoteDraft(c.question, tuple(c.answer_points)) for c in model.cards),
        model.control_characters_removed,
    )


def _form_draft(form: FormData) -> tuple[DeckDraft, str]:
    """The draft as the preview form holds it: `q<i>` questions, `p<i>` points."""

    def text(name: str) -> str:
        value = form.get(name)
        return value if isinstance(value, str) else ""

    count_text = text("cards")
    count = int(count_text) if count_text.isdigit() else 0
    if count > drafts.MAX_DRAFT_CARDS:
        raise TooLarge(f"a draft holds at most {drafts.MAX_DRAFT_CARDS:,} cards")
    notes = []
    for i in range(count):
        points = tuple(v for v in form.getlist(f"p{i}") if isinstance(v, str))
        notes.append(NoteDraft(text(f"q{i}"), points))
    removed = text("removed")
    draft = DeckDraft(
        text("title") or None,
        text("format") or "text/edited",
        tuple(notes),
        int(removed) if removed.isdigit() else 0,
    )
    return draft, text("deck_name")


# -- pages ------------------------------------------------------------------------------


@pages.get("/import", response_class=HTMLResponse)
def import_page(request: Request) -> HTMLResponse:
    return render(request, "import.html", {"page": "import", "draft": None, "text": ""})


def _preview(
    request: Request,
    draft: DeckDraft | None,
    *,
    text: str = "",
    deck_name: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    context = {
        "page": "import",
        "draft": draft,
        "text": text,
        "deck_name": deck_name,
        "error": error,
    }
    if is_htmx(request):
        return render(request, "_preview.html", context, status=200 if error is None else 200)
    return render(request, "import.html", context, status=status)


@pages.post("/import/preview", response_class=HTMLResponse)
async def preview_page(request: Request, settings: SettingsDep) -> HTMLResponse:
    form = await request.form()
    upload = form.get("file")
    text_value = form.get("text")
    text = text_value if isinstance(text_value, str) else ""
    try:
        if isinstance(upload, StarletteUpload) and upload.filename:
            data = await upload.read(settings.max_upload_bytes + 1)
            draft = read_text(data, upload.filename, settings.max_upload_bytes)
        else:
            draft = read_text(text.encode("utf-8"), None, settings.max_upload_bytes)
    except DeckImportError as error:
        return _preview(request, None, text=text, error=str(error), status=400)
    except TooLarge as error:
        return _preview(request, None, text=text, error=error.detail, status=413)
    finally:
        await form.close()
    return _preview(request, draft, text=text)


@pages.post("/import/draft", response_class=HTMLResponse)
async def edit_draft_page(request: Request) -> HTMLResponse:
    form = await request.form()
    draft, deck_name = _form_draft(form)
    op_value = form.get("op")
    op, _, where = (op_value if isinstance(op_value, str) else "").partition(":")
    card_text, _, point_text = where.partition(":")
    error = None
    try:
        if not card_text.isdigit() or (point_text and not point_text.isdigit()):
            raise WebError("choose what to change: a card (and a point)")
        draft = edit_draft(draft, op, int(card_text), int(point_text or 0))
    except (WebError, drafts.DraftEditError) as problem:
        error = str(problem)
    text_value = form.get("text")
    text = text_value if isinstance(text_value, str) else ""
    return _preview(request, draft, text=text, deck_name=deck_name, error=error)


@pages.post("/import/save", response_model=None)
async def save_page(
    request: Request, col: CollectionDep, clock: ClockDep
) -> HTMLResponse | RedirectResponse:
    form = await request.form()
    draft, deck_name = _form_draft(form)
    draft = clean_draft(drafts.clean(draft))
    text_value = form.get("text")
    text = text_value if isinstance(text_value, str) else ""
    if not draft.notes:
        return _preview(
            request,
            draft,
            text=text,
            deck_name=deck_name,
            error="there are no cards to save",
            status=400,
        )
    if not (deck_name.strip() or draft.title):
        return _preview(
            request, draft, text=text, deck_name=deck_name, error="give the deck a name", status=400
        )
    report = save_draft(col, draft, deck_name, clock)
    return redirect(
        request,
        f"/decks/{report.deck.id}?added={report.added}&updated={report.updated}"
        f"&unchanged={report.unchanged}",
    )


# -- API --------------------------------------------------------------------------------


@api.post("/preview", response_model=DraftModel, summary="Read pasted text; store nothing")
def preview(body: PreviewIn, settings: SettingsDep) -> DraftModel:
    return to_model(read_text(body.text.encode("utf-8"), None, settings.max_upload_bytes))


@api.post(
    "/preview/file", response_model=DraftModel, summary="Read an uploaded file; store nothing"
)
async def preview_file(
    file: Annotated[UploadFile, File(description="the deck, as text")], settings: SettingsDep
) -> DraftModel:
    data = await file.read(settings.max_upload_bytes + 1)
    return to_model(read_text(data, file.filename or None, settings.max_upload_bytes))


@api.post("/draft", response_model=DraftModel, summary="Merge, split, move a point, or drop a card")
def edit(body: DraftEditIn) -> DraftModel:
    return to_model(edit_draft(from_model(body.draft), body.op, body.card, body.point))


@api.post("", response_model=ImportOut, status_code=201, summary="Store a draft as a deck")
def store(body: ImportIn, col: CollectionDep, clock: ClockDep) -> ImportOut:
    name = None if body.deck_name is None else clean_field(body.deck_name)
    report = save_draft(col, from_model(body.draft), name, clock)
    return ImportOut(
        deck_id=report.deck.id,
        deck_name=report.deck.name,
        added=report.added,
        updated=report.updated,
        unchanged=report.unchanged,
    )
