"""Delivery workflows: files received from the desk or a batch, the copy prepared in the
background, and its delivery through the request's own fill service (docs/delivery.md).

A delivery moves by compare-and-set along models.TRANSITIONS. The slow work (OCR, the cover)
runs in a Celery task outside any transaction; the request itself changes only when the finished
file is handed to requests_app.services.fill_copy, so a file refused on the way leaves the
request as it was."""

from __future__ import annotations

import logging
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import IO

import ocrmypdf
import pikepdf
import pypdfium2
from celery import current_app
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from delivery import checks, cover, pipeline
from delivery.files import BadFile, Examined, examine
from delivery.models import (
    FROM_CITATION,
    LANGUAGES,
    TRANSITIONS,
    Delivery,
    How,
    Source,
    Status,
    Step,
)
from illdesk.actors import Actor, user_of
from requests_app import services as requests
from requests_app.filling import may_fill
from requests_app.models import Request

logger = logging.getLogger(__name__)
TEXT_SHOWN = 600  # characters of the text found, for the review page
# The worker's tasks (delivery/tasks.py, which imports this module), sent by name.
PREPARE_TASK = "delivery.prepare"
FINISH_TASK = "delivery.finish"


class DeliveryUnderWay(requests.StaleRequest):
    """Staff filled a copy whose earlier electronic delivery is still under way: nothing was
    done (the desk reports it as it reports a request that changed)."""

    def __init__(self, item: Request) -> None:
        Exception.__init__(
            self,
            f"Request {item.pk} already has an electronic copy being prepared; "
            "wait for it or look at its problem on the request page.",
        )


class Unmatched(Exception):
    """A scan whose barcode or file name names no open copy request."""


def start_delivery(
    item: Request,
    *,
    seen: str,
    files: Sequence[IO[bytes]],
    notice: str,
    language: str,
    acting_user: Actor,
) -> Delivery:
    """Staff filled a copy electronically from the request page: store the files, and prepare
    and deliver the copy in the background. The files were examined by the form; examining
    them again here keeps the service safe for every caller."""
    for upload in files:
        examine(upload, upload.name)
    # Written before the transaction (storage may be remote: no lock is held while it writes);
    # a lost race removes them.
    stored = _store(files)
    try:
        with transaction.atomic():
            locked = Request.objects.select_for_update().get(pk=item.pk)
            if locked.status != seen:
                raise requests.StaleRequest(item.pk, locked.status)
            if locked.deliveries.open().exists():
                raise DeliveryUnderWay(item)
            delivery = Delivery.objects.create(
                request=item,
                seen_status=seen,
                deliver_when_ready=True,
                notice=notice,
                language=language,
                created_by=user_of(acting_user),
            )
            _add_sources(delivery, stored)
            requests.add_staff_note(
                item,
                text=f"Electronic delivery {delivery.pk}: {len(files)} file(s) received.",
                acting_user=acting_user,
            )
            _queue(delivery, PREPARE_TASK)
    except requests.StaleRequest:
        _remove(stored)
        raise
    return delivery


def receive_scans(
    files: Iterable[tuple[IO[bytes], str]],
    *,
    acting_user: Actor,
    language: str = FROM_CITATION,
) -> uuid.UUID:
    """Scans dropped together (the batch page, the hot folder): each becomes a delivery that
    finds its request by its barcode or name. A bad file is recorded refused, with why; it is
    never stored and changes no request."""
    batch = uuid.uuid4()
    for stream, name in files:
        try:
            examine(stream, name)
        except BadFile as bad:
            Delivery.objects.create(
                batch=batch,
                status=Status.REFUSED,
                problem=str(bad),
                created_by=user_of(acting_user),
            )
            continue
        stored = _store([File(stream, name=name)])
        with transaction.atomic():
            delivery = Delivery.objects.create(
                batch=batch, language=language, created_by=user_of(acting_user)
            )
            _add_sources(delivery, stored)
            _queue(delivery, PREPARE_TASK)
    return batch


def _store(files: Sequence[IO[bytes]]) -> list[tuple[str, str]]:
    """Each file saved through Django's storage, in chunks: (stored path, name as uploaded)."""
    folder = f"delivery/sources/{timezone.now():%Y/%m}/{uuid.uuid4().hex}"
    stored = []
    for position, upload in enumerate(files):
        upload.seek(0)
        name = Path(upload.name).name
        stored.append((default_storage.save(f"{folder}/{position}-{name}", upload), name))
    return stored


def _add_sources(delivery: Delivery, stored: list[tuple[str, str]]) -> None:
    for position, (path, name) in enumerate(stored):
        Source.objects.create(delivery=delivery, position=position, file=path, name=name)


def _remove(stored: list[tuple[str, str]]) -> None:
    for path, _name in stored:
        default_storage.delete(path)


def _queue(delivery: Delivery, task: str) -> None:
    """Once the transaction commits, the worker's task, sent by its registered name; without a
    broker its step runs here, as the eager task would."""
    transaction.on_commit(partial(_run_task, task, delivery.pk))


def _run_task(task: str, delivery_id: int) -> None:
    if current_app.conf.task_always_eager:
        return (prepare if task == PREPARE_TASK else finish)(delivery_id)
    current_app.send_task(task, args=[delivery_id])


def move(delivery: Delivery, target: str, **changes: object) -> bool:
    """Compare-and-set along TRANSITIONS: False when another process moved it first."""
    if target not in TRANSITIONS[delivery.status]:
        return False
    now = timezone.now()
    done = Delivery.objects.filter(pk=delivery.pk, status=delivery.status).update(
        status=target, updated_at=now, **changes
    )
    if done:
        delivery.status = target
        for name, value in changes.items():
            setattr(delivery, name, value)
    return bool(done)


def refuse(delivery: Delivery, problem: str) -> None:
    if move(delivery, Status.REFUSED, problem=problem) and delivery.request_id:
        _note(delivery, f"refused: {problem} Nothing was delivered.")


def _note(delivery: Delivery, text: str) -> None:
    assert delivery.request is not None  # noqa: S101  (only matched deliveries have a timeline)
    requests.add_staff_note(
        delivery.request,
        text=f"Electronic delivery {delivery.pk}: {text}",
        acting_user=delivery.created_by,
    )


def _step(delivery: Delivery, step: Step, detail: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(step=step, updated_at=timezone.now())
    if delivery.request_id:
        _note(delivery, f"{step.label}: {detail}")


def prepare(delivery_id: int) -> None:
    """The worker's first task: one PDF with a text layer, matched to its request, reviewed or
    delivered at once. A file found bad here refuses the delivery with the reason."""
    delivery = Delivery.objects.select_related("request", "created_by").get(pk=delivery_id)
    if delivery.status == Status.RECEIVED and not move(delivery, Status.PREPARING):
        return  # taken by another run of this task
    if delivery.status != Status.PREPARING:
        return
    # Still preparing: this run may be the broker's redelivery after a worker was lost
    # (CELERY_TASK_REJECT_ON_WORKER_LOST), so the work is done again from the stored sources.
    with tempfile.TemporaryDirectory(prefix="delivery-") as folder:
        try:
            _prepare_in(delivery, Path(folder))
        except (BadFile, Unmatched) as bad:
            refuse(delivery, str(bad))
            return
        except (
            ocrmypdf.exceptions.ExitCodeException,
            pikepdf.PdfError,
            pypdfium2.PdfiumError,
            OSError,
        ) as failed:
            logger.warning("OCR failed for delivery %s: %s", delivery.pk, failed)
            refuse(delivery, f"the text layer could not be made ({type(failed).__name__}).")
            return
    if delivery.deliver_when_ready:
        finish(delivery.pk)


def _prepare_in(delivery: Delivery, folder: Path) -> None:
    sources = [(_local_copy(source, folder), source) for source in delivery.sources.all()]
    kinds = [(path, _examine_path(path, source.name).kind) for path, source in sources]
    joined = folder / "joined.pdf"
    pages = pipeline.join_sources(kinds, joined)
    _step(delivery, Step.ASSEMBLED, f"{len(kinds)} file(s), {pages} page(s).")
    if delivery.request_id is None:
        _match(delivery, pipeline.first_page_barcode(joined), sources[0][1].name)
    citation = delivery.request.language if delivery.request else ""
    language = pipeline.ocr_language(delivery.language or citation)
    if language != delivery.language:  # the language read in is the one recorded
        delivery.language = language
        Delivery.objects.filter(pk=delivery.pk).update(language=language)
    scan = pipeline.add_text_layer(joined, folder / "scan.pdf", language=language)
    kept = scan.pages_with_text_before
    read = f"added on {scan.pages - kept} page(s), kept on {kept}"
    _step(delivery, Step.TEXT, f"{read}; read as {LANGUAGES[language].name}.")
    _save_scan(delivery, scan, folder)


def _local_copy(source: Source, folder: Path) -> Path:
    """The stored file on the worker's disk, copied in chunks (storage may be remote)."""
    path = folder / f"{source.position}-{Path(source.name).name}"
    with source.file.open("rb") as stored, path.open("wb") as local:
        for chunk in stored.chunks():
            local.write(chunk)
    return path


def _examine_path(path: Path, name: str) -> Examined:
    with path.open("rb") as stream:
        return examine(stream, name)


def _match(delivery: Delivery, barcode: str, name: str) -> None:
    number, how = (barcode, How.BARCODE) if barcode else (_number_in(name), How.FILE_NAME)
    item = Request.objects.filter(pk=int(number)).first() if number else None
    if item is None or not may_fill(item):
        said = f"the barcode {barcode}" if barcode else f"the file name {name}"
        raise Unmatched(f"{name}: {said} matches no open copy request.")
    delivery.request = item
    Delivery.objects.filter(pk=delivery.pk).update(request=item, found_by=how)
    delivery.found_by = how
    _step(delivery, Step.MATCHED, f"{name}, by its {How(how).label.lower()}.")


def _number_in(name: str) -> str:
    """A request number as the file's name: "4411.pdf", "request-4411.tif"."""
    stem = Path(name).stem
    digits = "".join(ch if ch.isdigit() else " " for ch in stem).split()
    return digits[-1] if len(digits) == 1 else ""


def _save_scan(delivery: Delivery, scan: pipeline.Scan, folder: Path) -> None:
    thumb = folder / "thumbnail.png"
    pipeline.thumbnail(scan.path, thumb)
    text = " ".join(" ".join(pipeline.text_of(scan.path, limit=2)).split())[:TEXT_SHOWN]
    with scan.path.open("rb") as pdf, thumb.open("rb") as png:
        delivery.scan.save(f"delivery-{delivery.pk}.pdf", File(pdf), save=False)
        delivery.thumbnail.save(f"delivery-{delivery.pk}.png", File(png), save=False)
    Delivery.objects.filter(pk=delivery.pk).update(
        scan=delivery.scan.name, thumbnail=delivery.thumbnail.name
    )
    move(delivery, Status.READY, pages=scan.pages, text_found=text)


def confirm(delivery: Delivery, *, acting_user: Actor) -> Delivery:
    """Staff confirm a reviewed scan: it is delivered in the background, filling the request
    from the status it is in now (compare-and-set when the file is handed over)."""
    with transaction.atomic():
        if delivery.request is None or not may_fill(delivery.request):
            raise Unmatched(f"Delivery {delivery.pk} has no open copy request to fill.")
        seen = delivery.request.status
        if not move(delivery, Status.DELIVERING, seen_status=seen):
            raise DeliveryChanged(delivery)
        _queue(delivery, FINISH_TASK)
    return delivery


class DeliveryChanged(Exception):
    def __init__(self, delivery: Delivery) -> None:
        super().__init__(f"Delivery {delivery.pk} changed meanwhile; nothing was done.")


def finish(delivery_id: int) -> None:
    """The cover page joined to the scan, checked, and handed to the request's fill service."""
    delivery = Delivery.objects.select_related("request", "created_by").get(pk=delivery_id)
    if delivery.status == Status.READY and not move(delivery, Status.DELIVERING):
        return
    if delivery.status != Status.DELIVERING or delivery.request is None:
        return
    with tempfile.TemporaryDirectory(prefix="delivery-") as folder:
        out = _build(delivery, Path(folder))
        found = checks.problems(out)
        if found:
            refuse(delivery, "the delivered file failed its checks: " + " ".join(found))
            return
        _hand_over(delivery, out)


def _build(delivery: Delivery, folder: Path) -> Path:
    item = delivery.request
    assert item is not None  # noqa: S101  (finish checked it)
    scan = folder / "scan.pdf"
    with delivery.scan.open("rb") as stored, scan.open("wb") as local:
        for chunk in stored.chunks():
            local.write(chunk)
    html = cover.cover_html(
        item, notice=delivery.notice, pages=delivery.pages or 0, delivered_on=timezone.localdate()
    )
    pipeline.make_cover(html, folder / "cover.pdf")
    out = folder / "delivered.pdf"
    title = cover.citation(item)
    pipeline.join_cover(folder / "cover.pdf", scan, out, title=title, language=delivery.language)
    _step(
        delivery,
        Step.COVER,
        "with the section 108(a)(3) " + ("notice." if delivery.notice else "legend."),
    )
    return out


def _hand_over(delivery: Delivery, out: Path) -> None:
    item = delivery.request
    assert item is not None  # noqa: S101  (finish checked it)
    try:
        with out.open("rb") as pdf:
            requests.fill_copy(
                item,
                seen=delivery.seen_status,
                delivery_method=Request.DeliveryMethod.ELECTRONIC,
                pdf=File(pdf, name="delivered.pdf"),
                acting_user=delivery.created_by,
            )
    except requests.StaleRequest as stale:
        refuse(delivery, str(stale))
        return
    move(delivery, Status.DELIVERED)
