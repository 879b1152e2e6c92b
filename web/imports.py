"""Data officers upload agency files; each is imported through the same pipeline as
``chronology import`` and its report, rejected rows and warnings are shown.

The upload is written to a private temporary folder, imported, and deleted; it is never served.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.utils import secure_filename
from wtforms import SelectChoice

from chronology.analysis.graph_store import unmatched_references_of_batch
from chronology.import_history import batch_issues, batch_skipped, get_batch, list_batches
from chronology.users import Role
from services.importing import ImportOptions, formats, import_file, importer_for, refusal, refusal_of
from web.auth import current_user, roles_required
from web.db import engine
from web.forms import UploadForm

bp = Blueprint("imports", __name__, url_prefix="/imports")

IMPORTERS_ROLES = (Role.DATA_OFFICER, Role.ADMIN)
PAGE = 100


def _format_choices() -> list[SelectChoice]:
    choices = [SelectChoice("", "Recognise the format from the file")]
    choices += [SelectChoice(name, f"{name} — {cls.description}") for name, cls in sorted(formats().items())]
    return choices


@bp.route("/", methods=["GET", "POST"])
@roles_required(*IMPORTERS_ROLES)
def upload() -> Any:
    form = UploadForm()
    form.format.choices = _format_choices()
    if form.validate_on_submit():
        batch_id, problem = _import_upload(form)
        if batch_id is not None:
            return redirect(url_for("imports.show", batch_id=batch_id))
        form.file.errors = [*form.file.errors, problem]
    status = 400 if request.method == "POST" else 200
    with engine().connect() as conn:
        recent, total = list_batches(conn, limit=10)
    return render_template("imports/upload.html", form=form, recent=recent, total=total), status


def _import_upload(form: UploadForm) -> tuple[int | None, str]:
    upload = form.file.data
    name = secure_filename(upload.filename or "") or "upload"
    with tempfile.TemporaryDirectory(prefix="chronology-upload-") as folder:
        path = Path(folder) / name
        upload.save(path)
        importer = importer_for(path, form.format.data or None)
        if importer is None:
            refused = refusal(path, current_app.config["MAX_CONTENT_LENGTH"])
            if refused is not None:
                return None, f"{refused}. Nothing was imported from it."
            return None, (
                f"{name} was not recognised as any format this service reads: {refusal_of(path)}. "
                "Choose its format from the list, or check it is the agency's export file."
            )
        report = import_file(
            engine(),
            path,
            importer,
            ImportOptions(agency=form.agency.data or None, max_bytes=current_app.config["MAX_CONTENT_LENGTH"]),
            actor=current_user().username,
        )
    return report.batch_id, report.error or ""


@bp.route("/history")
@roles_required(*IMPORTERS_ROLES)
def history() -> Any:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    with engine().connect() as conn:
        rows, total = list_batches(conn, limit=PAGE, offset=(page - 1) * PAGE)
    return render_template("imports/history.html", batches=rows, total=total, page=page, pages=-(-total // PAGE) or 1)


@bp.route("/<int:batch_id>")
@roles_required(*IMPORTERS_ROLES)
def show(batch_id: int) -> Any:
    page = max(1, request.args.get("page", 1, type=int) or 1)
    kind = request.args.get("kind") if request.args.get("kind") in ("rejected", "warning") else None
    with engine().connect() as conn:
        batch = get_batch(conn, batch_id)
        if batch is None:
            abort(404)
        issues, total = batch_issues(conn, batch_id, kind=kind, limit=PAGE, offset=(page - 1) * PAGE)
        unmatched = unmatched_references_of_batch(conn, batch_id)
        skipped = batch_skipped(conn, batch_id)
    return render_template(
        "imports/show.html",
        skipped=skipped,
        batch=batch,
        issues=issues,
        total=total,
        page=page,
        kind=kind,
        pages=-(-total // PAGE) or 1,
        unmatched=unmatched[:PAGE],
        unmatched_total=sum(len(refs) for _, refs in unmatched),
    )
