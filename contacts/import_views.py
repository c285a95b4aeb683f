"""Import and export pages (any signed-in user; everything scoped to request.user).

The import writes through contacts.importing.jobs (create, confirm) and its worker task.
"""

import csv
import io

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from contacts.importing.decoding import human_size, read_limited
from contacts.importing.detect import FORMATS
from contacts.importing.errors import ImportFormatError
from contacts.importing.exporting import EXPORTERS, neutralise
from contacts.importing.jobs import (
    WAITING,
    import_job_confirm,
    import_job_create,
    import_job_progress,
    import_job_waiting,
)
from contacts.importing.preview import import_plan, plan_summary, preview_table
from contacts.importing.rejected import rejected_rows
from contacts.importing.services import import_preview, import_read_text, import_resolve_format
from contacts.models import ImportJob, ImportStatus

FORMAT_CHOICES = [("auto", "Detect automatically"), *FORMATS.items()]

# The result page lists this many merged rows, notes and rejected rows; it says how many more.
RESULT_ROWS = 200


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label="Contacts file",
        help_text="LinkedIn Connections.csv, Google or Outlook CSV, vCard (.vcf), any CSV with a header, "
        "or a Keepwarm JSON backup.",
    )
    format = forms.ChoiceField(choices=FORMAT_CHOICES, initial="auto", label="Format")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            data = read_limited(upload)
            text = import_read_text(data=data)
        except ImportFormatError as exc:
            raise forms.ValidationError(str(exc)) from None
        self.data_bytes, self.text = data, text
        return upload

    def clean(self):
        cleaned = super().clean()
        if hasattr(self, "text") and "format" in cleaned:
            try:
                self.detected = import_resolve_format(
                    text=self.text, fmt=cleaned["format"], filename=cleaned["file"].name
                )
            except ImportFormatError as exc:
                self.add_error("file", str(exc))
        return cleaned


def _job(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(ImportJob, pk=pk, owner=request.user)


@login_required
@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if request.method == "POST" and declared > settings.IMPORT_MAX_BYTES + 64 * 1024:
        # Refuse before Django spools a huge upload to disk (the form re-checks the real bytes).
        context = {
            "form": ImportUploadForm(),
            "recent": [],
            "max_size": human_size(settings.IMPORT_MAX_BYTES),
            "upload_error": f"The file is larger than the {human_size(settings.IMPORT_MAX_BYTES)} limit.",
        }
        return render(request, "contacts/import.html", context)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = import_job_create(
            owner=request.user, name=form.cleaned_data["file"].name, data=form.data_bytes, fmt=form.detected
        )
        return redirect("contacts:import_preview", pk=job.pk)
    recent = ImportJob.objects.filter(owner=request.user).exclude(message="")[:5]
    return render(
        request,
        "contacts/import.html",
        {"form": form, "recent": recent, "max_size": human_size(settings.IMPORT_MAX_BYTES)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_preview_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if job.status != ImportStatus.PENDING or job.message:
        return redirect("contacts:import_job", pk=job.pk)
    fmt = request.POST.get("format") or request.GET.get("format") or job.format
    if fmt not in FORMATS:
        fmt = job.format
    if request.method == "POST":
        if import_job_confirm(job=job, fmt=fmt):
            job.refresh_from_db(fields=["status", "message"])
            if import_job_waiting(job):  # the broker is down: saved, the sweeper sends it later
                messages.warning(request, WAITING)
        return redirect("contacts:import_job", pk=job.pk)
    error = ""
    preview = summary = table = None
    try:
        with job.file.open("rb") as handle:
            text = import_read_text(file=handle)
        fmt = import_resolve_format(text=text, fmt=fmt, filename=job.original_name)
        preview = import_preview(text=text, fmt=fmt)
        # What the import will do: the import's own matching and decisions, nothing written.
        plan = import_plan(owner=request.user, text=text, fmt=fmt)
        summary = plan_summary(plan)
        table = preview_table(preview["rows"], plan)
    except ImportFormatError as exc:
        error = str(exc)
    return render(
        request,
        "contacts/import_preview.html",
        {
            "job": job,
            "fmt": fmt,
            "formats": FORMATS,
            "preview": preview,
            "summary": summary,
            "table": table,
            "error": error,
        },
    )


def _progress_context(job: ImportJob) -> dict:
    done, total = import_job_progress(job)
    total = max(total, done)
    percent = 100 if job.status == ImportStatus.DONE else (round(100 * done / total) if total else 0)
    finished = job.status in (ImportStatus.DONE, ImportStatus.FAILED)
    return {
        "job": job,
        "done": done,
        "total": total,
        "percent": percent,
        "finished": finished,
        "waiting": WAITING,
    }


@login_required
def import_job_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if job.status == ImportStatus.PENDING and not job.message:
        return redirect("contacts:import_preview", pk=job.pk)
    context = _progress_context(job)
    report = job.report if isinstance(job.report, dict) else {}
    merged, warnings = report.get("merged", []), report.get("warnings", [])
    warning_count = max(report.get("warning_count") or 0, len(warnings))
    context.update(
        merged=merged[:RESULT_ROWS],
        merged_more=max(0, len(merged) - RESULT_ROWS),
        job_changes=report.get("job_changes", []),
        to_confirm=report.get("to_confirm", [])[:RESULT_ROWS],
        unchanged=report.get("unchanged", []),
        warnings=warnings[:RESULT_ROWS],
        warnings_more=max(0, warning_count - RESULT_ROWS),
        errors=job.errors[:RESULT_ROWS] if isinstance(job.errors, list) else [],
    )
    return render(request, "contacts/import_job.html", context)


@login_required
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    response = render(request, "contacts/_import_progress.html", _progress_context(job))
    if job.status in (ImportStatus.DONE, ImportStatus.FAILED) and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # show the full result once, then stop polling
    return response


@login_required
def import_rejected_csv(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for cells in rejected_rows(errors=job.errors, report=job.report, fmt=job.format):
        writer.writerow([neutralise(cell) for cell in cells])
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-rejected-rows.csv"'
    return response


@login_required
def export_download(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in EXPORTERS:
        return HttpResponse("Unknown export format.", status=404)
    exporter, content_type, extension = EXPORTERS[fmt]
    response = StreamingHttpResponse(exporter(owner=request.user), content_type=content_type)
    name = f"keepwarm-contacts-{timezone.localdate():%Y-%m-%d}.{extension}"
    if fmt == "json":
        name = f"keepwarm-backup-{timezone.localdate():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def export_page(request: HttpRequest) -> HttpResponse:
    return render(request, "contacts/export.html", {"formats": EXPORTERS})
