"""The analysis report of a wave (SOP 满意度管理: 形成分析报告并针对性优化), per segment.

Aggregates come from grouped queries over indexed columns (a 10,000-response wave in a few
queries); rows that name a customer (comments, change per customer) come only through
restrict(user, "view") and the wave's privacy mode. An anonymous wave, or a segment of fewer than
MIN_ANONYMOUS responses of it, shows no aggregate at all.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Q
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .choices import Privacy, QuestionKind, WaveStatus
from .models import SurveyAnswer, SurveyInvitation, SurveyKeyword, SurveyQuestion, SurveyResponse, SurveyWave

MIN_ANONYMOUS = 5
WHY = "aggregates of a wave the user may see (no row leaves this module without restrict)"


@dataclass
class Nps:
    n: int = 0
    promoters: int = 0
    passives: int = 0
    detractors: int = 0

    @property
    def score(self) -> float | None:
        return round(100 * (self.promoters - self.detractors) / self.n, 1) if self.n else None

    @property
    def ci95(self) -> tuple[float, float] | None:
        """Normal approximation of the NPS's sampling error: var = (p + d − (p − d)²) / n."""
        if not self.n:
            return None
        p, d = self.promoters / self.n, self.detractors / self.n
        half = 1.96 * math.sqrt(max(p + d - (p - d) ** 2, 0.0) / self.n) * 100
        score = 100 * (p - d)
        return round(max(score - half, -100.0), 1), round(min(score + half, 100.0), 1)


@dataclass
class QuestionStats:
    id: int
    text: str
    kind: str
    dimension: str
    n: int = 0
    average: float | None = None
    distribution: dict[str, int] = field(default_factory=dict)


@dataclass
class Report:
    wave: SurveyWave
    segment: dict[str, Any]
    invited: int = 0
    responded: int = 0
    funnel: dict[str, int] = field(default_factory=dict)
    hidden: bool = False
    questions: list[QuestionStats] = field(default_factory=list)
    dimensions: list[tuple[str, float, int]] = field(default_factory=list)
    nps: Nps = field(default_factory=Nps)
    themes: list[tuple[str, int]] = field(default_factory=list)
    comments: list[dict[str, Any]] = field(default_factory=list)
    previous: SurveyWave | None = None
    by_grade: list[dict[str, Any]] = field(default_factory=list)
    by_customer: list[dict[str, Any]] = field(default_factory=list)

    @property
    def response_rate(self) -> float:
        return round(100 * self.responded / self.invited, 1) if self.invited else 0.0


def _label(question: SurveyQuestion) -> str:
    if question.text_en and (get_language() or "").startswith("en"):
        return question.text_en
    return question.text


def _dimension_label(question: SurveyQuestion) -> str:
    if question.dimension is None:
        return ""
    if question.dimension.name_en and (get_language() or "").startswith("en"):
        return question.dimension.name_en
    return question.dimension.name


def _segment_q(segment: dict[str, Any], prefix: str) -> Q:
    q = Q()
    if segment.get("grade"):
        q &= Q(**{f"{prefix}grade__in": list(segment["grade"])})
    if segment.get("region"):
        q &= Q(**{f"{prefix}region__icontains": segment["region"]})
    return q


def _answer_segment_q(segment: dict[str, Any]) -> Q:
    """The segment on answers and keywords: their own grade column, the response's region."""
    q = Q()
    if segment.get("grade"):
        q &= Q(grade__in=list(segment["grade"]))
    if segment.get("region"):
        q &= Q(response__region__icontains=segment["region"])
    return q


def _scored(wave: SurveyWave, segment: dict[str, Any]) -> dict[int, Counter[int]]:
    """{question id: Counter(value -> n)} of the rating and NPS answers (one grouped query)."""
    rows = (
        SurveyAnswer.objects.unscoped(WHY)
        .filter(_answer_segment_q(segment), wave=wave, number__isnull=False)
        .values_list("question_id", "number")
        .annotate(n=Count("id"))
        .order_by()
    )
    found: dict[int, Counter[int]] = defaultdict(Counter)
    for question_id, number, n in rows:
        found[question_id][number] += n
    return found


def _nps_of(questions: list[SurveyQuestion], scored: dict[int, Counter[int]]) -> Nps:
    nps = Nps()
    for question in questions:
        if question.kind != QuestionKind.NPS:
            continue
        for value, n in scored.get(question.pk, Counter()).items():
            nps.n += n
            if value >= 9:
                nps.promoters += n
            elif value >= 7:
                nps.passives += n
            else:
                nps.detractors += n
    return nps


def _average(counter: Counter[int]) -> tuple[float | None, int]:
    n = sum(counter.values())
    return (round(sum(v * c for v, c in counter.items()) / n, 2) if n else None), n


def wave_report(user: Any, wave: SurveyWave, *, segment: dict[str, Any] | None = None) -> Report:
    segment = {k: v for k, v in (segment or {}).items() if v}
    report = Report(wave=wave, segment=segment)
    invitations = SurveyInvitation.objects.unscoped(WHY).filter(wave=wave)
    if segment:
        invitations = invitations.filter(_segment_q(segment, "customer__"))
    report.funnel = invitations.aggregate(
        invited=Count("id"),
        sent=Count("id", filter=Q(sent_at__isnull=False)),
        opened=Count("id", filter=Q(opened_at__isnull=False)),
        started=Count("id", filter=Q(started_at__isnull=False)),
        completed=Count("id", filter=Q(completed_at__isnull=False)),
    )
    report.invited = report.funnel["invited"]
    responses = SurveyResponse.objects.unscoped(WHY).filter(_segment_q(segment, ""), wave=wave)
    report.responded = responses.count()
    if wave.privacy == Privacy.ANONYMOUS and report.responded < MIN_ANONYMOUS:
        report.hidden = True
        return report
    questions = list(wave.template.questions.select_related("dimension").order_by("position", "id"))
    scored = _scored(wave, segment)
    choice_counts: dict[int, Counter[str]] = defaultdict(Counter)
    choice_ids = [q.pk for q in questions if q.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE)]
    if choice_ids:
        for question_id, choices in (
            SurveyAnswer.objects.unscoped(WHY)
            .filter(_answer_segment_q(segment), wave=wave, question_id__in=choice_ids)
            .values_list("question_id", "choices")
        ):
            choice_counts[question_id].update(choices)
    by_dimension: dict[str, Counter[int]] = defaultdict(Counter)
    for question in questions:
        stats = QuestionStats(question.pk, _label(question), question.kind, _dimension_label(question))
        if question.is_scored:
            counter = scored.get(question.pk, Counter())
            stats.average, stats.n = _average(counter)
            low, high = (1, 5) if question.kind == QuestionKind.RATING else (0, 10)
            stats.distribution = {str(v): counter.get(v, 0) for v in range(low, high + 1)}
            if question.kind == QuestionKind.RATING and stats.dimension:
                by_dimension[stats.dimension].update(counter)
        elif question.pk in choice_counts or question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            counts = choice_counts.get(question.pk, Counter())
            stats.distribution = {option: counts.get(option, 0) for option in question.options}
            stats.n = sum(stats.distribution.values())
        report.questions.append(stats)
    for name, counter in by_dimension.items():
        average, n = _average(counter)
        if average is not None:
            report.dimensions.append((name, average, n))
    report.nps = _nps_of(questions, scored)
    report.themes = _themes(wave, segment)
    report.previous = previous_wave(wave)
    report.by_grade = _by_grade(wave, report.previous)
    if wave.privacy != Privacy.ANONYMOUS:
        report.comments = _comments(user, wave, segment)
        report.by_customer = _by_customer(user, wave, report.previous)
    return report


def _themes(wave: SurveyWave, segment: dict[str, Any], top: int = 12) -> list[tuple[str, int]]:
    """Free-text comments grouped by their jieba keywords (cut when stored): theme -> comments."""
    return [
        (keyword, n)
        for keyword, n in SurveyKeyword.objects.unscoped(WHY)
        .filter(_answer_segment_q(segment), wave=wave)
        .values_list("keyword")
        .annotate(n=Count("id"))
        .order_by("-n", "keyword")[:top]
    ]


def _comments(user: Any, wave: SurveyWave, segment: dict[str, Any], limit: int = 50) -> list[dict[str, Any]]:
    rows = (
        SurveyAnswer.objects.restrict(user, "view")
        .filter(_answer_segment_q(segment), wave=wave, question__kind=QuestionKind.TEXT)
        .exclude(text="")
        .select_related("customer", "question")
        .order_by("-id")[:limit]
    )
    return [
        {
            "customer": a.customer.name if a.customer else "",
            "question": a.question.text,
            "text": a.text,
            "keywords": a.keywords,
        }
        for a in rows
    ]


def previous_wave(wave: SurveyWave) -> SurveyWave | None:
    """The wave sent before this one with the same questionnaire (any version of it)."""
    return (
        SurveyWave.objects.filter(template__code=wave.template.code, pk__lt=wave.pk)
        .exclude(status=WaveStatus.DRAFT)
        .order_by("-pk")
        .first()
    )


def _grade_rows(wave: SurveyWave) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    rating_ids = list(wave.template.questions.filter(kind=QuestionKind.RATING).values_list("pk", flat=True))
    for grade, avg in (
        SurveyAnswer.objects.unscoped(WHY)
        .filter(wave=wave, question_id__in=rating_ids, number__isnull=False)
        .values_list("grade")
        .annotate(avg=Avg("number"))
        .order_by("grade")
    ):
        rows[grade] = {"grade": grade, "rating": round(float(avg), 2) if avg is not None else None, "n": 0}
    for grade, n in (
        SurveyResponse.objects.unscoped(WHY).filter(wave=wave).values_list("grade").annotate(n=Count("id")).order_by()
    ):
        rows.setdefault(grade, {"grade": grade, "rating": None, "n": 0})["n"] = n
    for grade, n, promoters, detractors in (
        SurveyResponse.objects.unscoped(WHY)
        .filter(wave=wave, nps__isnull=False)
        .values_list("grade")
        .annotate(
            n=Count("id"), promoters=Count("id", filter=Q(nps__gte=9)), detractors=Count("id", filter=Q(nps__lte=6))
        )
        .order_by("grade")
    ):
        rows.setdefault(grade, {"grade": grade, "rating": None, "n": 0})["nps"] = round(
            100 * (promoters - detractors) / n, 1
        )
    return rows


def _by_grade(wave: SurveyWave, previous: SurveyWave | None) -> list[dict[str, Any]]:
    """Average rating and NPS per grade, this wave against the previous one (segments below 5 of an
    anonymous wave are left out)."""
    now = _grade_rows(wave)
    before = _grade_rows(previous) if previous else {}
    result = []
    for grade in sorted(set(now) | set(before)):
        row_now, row_before = now.get(grade, {}), before.get(grade, {})
        if wave.privacy == Privacy.ANONYMOUS and row_now.get("n", 0) < MIN_ANONYMOUS:
            continue
        rating, rating_before = row_now.get("rating"), row_before.get("rating")
        result.append(
            {
                "grade": grade,
                "n": row_now.get("n", 0),
                "rating": rating,
                "rating_before": rating_before,
                "rating_change": round(rating - rating_before, 2)
                if rating is not None and rating_before is not None
                else None,
                "nps": row_now.get("nps"),
                "nps_before": row_before.get("nps"),
            }
        )
    return result


def _by_customer(user: Any, wave: SurveyWave, previous: SurveyWave | None, limit: int = 200) -> list[dict[str, Any]]:
    """Average rating per customer against the previous wave, for the customers the user may see."""
    if previous is None or previous.privacy == Privacy.ANONYMOUS:
        return []

    def averages(of: SurveyWave) -> dict[int, float]:
        return {
            customer_id: float(avg)
            for customer_id, avg in SurveyAnswer.objects.restrict(user, "view")
            .filter(wave=of, question__kind=QuestionKind.RATING)
            .values_list("customer_id")
            .annotate(avg=Avg("number"))
            .order_by()
        }

    now, before = averages(wave), averages(previous)
    both = sorted(set(now) & set(before))[:limit]
    from kehu.customers.models import Customer

    names = dict(Customer.objects.restrict(user, "view").filter(pk__in=both).values_list("pk", "name"))
    rows = [
        {
            "customer_id": pk,
            "customer": names.get(pk, ""),
            "rating": round(now[pk], 2),
            "rating_before": round(before[pk], 2),
            "change": round(now[pk] - before[pk], 2),
        }
        for pk in both
        if pk in names
    ]
    rows.sort(key=lambda r: float(r["change"]))  # type: ignore[arg-type]
    return rows


def report_summary(report: Report) -> dict[str, Any]:
    """The API's shape: invited, responded, nps, nps_n, per-question averages and the rest."""
    ci = report.nps.ci95
    return {
        "wave": report.wave.pk,
        "segment": report.segment,
        "invited": report.invited,
        "responded": report.responded,
        "response_rate": report.response_rate,
        "funnel": report.funnel,
        "hidden": report.hidden,
        "hidden_reason": _("匿名调查不足 %(n)s 份答卷时不显示汇总。") % {"n": MIN_ANONYMOUS} if report.hidden else "",
        "nps": report.nps.score,
        "nps_n": report.nps.n,
        "nps_ci95": list(ci) if ci else None,
        "questions": [
            {
                "id": q.id,
                "text": q.text,
                "kind": q.kind,
                "dimension": q.dimension,
                "n": q.n,
                "average": q.average,
                "distribution": q.distribution,
            }
            for q in report.questions
        ],
        "dimensions": [{"dimension": name, "average": avg, "n": n} for name, avg, n in report.dimensions],
        "themes": [{"keyword": word, "count": n} for word, n in report.themes],
        "previous_wave": report.previous.pk if report.previous else None,
        "by_grade": report.by_grade,
        "by_customer": report.by_customer,
    }
