"""The instructor's view of a batch: gradebook.csv, summary.json and the class table."""
from __future__ import annotations

import csv
import io
import statistics
from collections import Counter

from .. import __version__
from .reports import write_text_atomic


def write_gradebook(out, rows: list[dict], topic_names: list[str]) -> None:
    """gradebook.csv: one row per student, a column per topic."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", "total", "max", *topic_names, "status"])
    for row in rows:
        writer.writerow([_cell(row["student"]), f"{row['total']:g}", f"{row['max']:g}",
                         *(f"{row[t]:g}" for t in topic_names), _cell(row["status"])])
    write_text_atomic(out / "gradebook.csv", buffer.getvalue())


def summarize(rows, reports, meta, seconds, graded, skipped, *, settings, checks, topic_max, max_score, kit,
              fingerprint) -> dict:
    """summary.json: per-check pass rates, diagnosis counts, timings, versions, sandbox layers."""
    ok = [r for r in rows if r["status"] == "ok"]
    totals = [r["total"] for r in ok]
    checks_by_id, checks, diagnoses = checks, {}, Counter()
    for cid, check in checks_by_id.items():
        checks[cid] = {"visibility": check.visibility, "points": check.points, "graded": 0, "passed": 0,
                       "pass_rate": None, "outcomes": Counter(), "diagnoses": Counter()}
    for report, _ in reports.values():
        for v in report.verdicts:
            entry = checks.setdefault(v.check_id, {"visibility": v.visibility, "points": v.max_score, "graded": 0,
                                                   "passed": 0, "pass_rate": None, "outcomes": Counter(),
                                                   "diagnoses": Counter()})
            entry["graded"] += 1
            entry["passed"] += v.passed
            entry["outcomes"][v.outcome.value] += 1
            if v.diagnosis:
                entry["diagnoses"][v.diagnosis] += 1
                diagnoses[v.diagnosis] += 1
    for entry in checks.values():
        entry["pass_rate"] = round(entry["passed"] / entry["graded"], 4) if entry["graded"] else None
        entry["outcomes"], entry["diagnoses"] = dict(entry["outcomes"]), dict(entry["diagnoses"])
    per_submission = [record.get("wall_seconds", report.seconds) for report, record in reports.values()
                      if record.get("student") in graded]
    cache = Counter()
    for _, record in reports.values():
        if record.get("student") in graded:
            cache.update(record.get("oracle_cache", {}))

    def stats(values):
        if not values:
            return None
        return {"mean": round(statistics.fmean(values), 4), "median": round(statistics.median(values), 4),
                "min": round(min(values), 4), "max": round(max(values), 4)}

    return {
        "dlgrade": __version__, "kit": kit, "fingerprint": fingerprint,
        "torch": meta.get("torch"), "device": meta.get("device"), "gpu": meta.get("gpu"),
        "executor": settings["executor"], "sandbox_layers": settings.get("layers") or [],
        "sandbox_missing_layers": settings.get("missing_layers") or {},
        "hidden": settings["hidden"], "topics": settings["topics"], "jobs": settings["jobs"],
        "timeout": settings["timeout"], "memory_mb": settings["memory_mb"],
        "students": len(rows), "graded_ok": len(ok), "errors": len(rows) - len(ok),
        "max_score": max_score, "score": stats(totals),
        "topic_scores": {t: {"max": topic_max.get(t, 0.0), **(stats([r[t] for r in ok]) or {})}
                         for t in settings["topics"]},
        "checks": checks, "diagnoses": dict(diagnoses.most_common()),
        "timing": {"wall_seconds": round(seconds, 3), "graded_this_run": len(graded), "skipped": len(skipped),
                   "submissions_per_minute": round(len(graded) / seconds * 60, 2) if graded and seconds else None,
                   "seconds_per_submission": stats(per_submission)},
        "oracle_cache": dict(cache),
        "errors_by_student": {r["student"]: r["status"] for r in rows if r["status"] != "ok"},
    }


def _cell(text: str) -> str:
    """Keep spreadsheet programs from reading a cell as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def print_class_table(result, console, topics: list[str]) -> None:
    from rich.table import Table

    table = Table(title=f"dlgrade: {len(result.rows)} submissions in {result.out}")
    table.add_column("student")
    table.add_column("total", justify="right")
    for topic in topics:
        table.add_column(topic, justify="right")
    table.add_column("status")
    for row in result.rows:
        style = None if row["status"] == "ok" else "red"
        table.add_row(row["student"], f"{row['total']:g}/{row['max']:g}", *(f"{row[t]:g}" for t in topics),
                      row["status"], style=style)
    score = result.summary.get("score")
    if score:
        table.add_section()
        table.add_row("mean", f"{score['mean']:.3g}/{result.summary['max_score']:g}",
                      *(f"{result.summary['topic_scores'][t].get('mean', 0):.3g}" for t in topics), "")
    console.print(table)
    timing = result.summary["timing"]
    rate = f", {timing['submissions_per_minute']:g} per minute" if timing["submissions_per_minute"] else ""
    console.print(f"{len(result.graded)} graded, {len(result.skipped)} skipped (already graded), "
                  f"{len(result.errors)} errors in {timing['wall_seconds']:.1f} s{rate}. "
                  f"Gradebook: {result.out / 'gradebook.csv'}")
