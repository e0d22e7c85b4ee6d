"""`make bench` for surveys (issue 12): the public answer page and the report of a 10,000-response wave.

Runs in-process against a throwaway SQLite database (or --database-url): migrates, inserts N
customers, a wave with one invitation each and N answered responses (7 answers each, comments with
jieba keywords as the public page stores them), then times
- GET of the public answer page through Django's full middleware stack (signed link, rate limit, CSRF
  token, template), sequentially; targets p95 ≤ 50 ms;
- wave_report() of the whole wave (invited, funnel, per-question and per-dimension averages, NPS with
  its CI, grade comparison, themes); target ≤ 500 ms.
Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import atexit
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, default=10_000)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", ""))
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp()
    atexit.register(shutil.rmtree, tmp, True)
    from cryptography.fernet import Fernet

    os.environ.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        KEHU_FIELD_KEYS=Fernet.generate_key().decode(),
        KEHU_BLIND_INDEX_KEY=secrets.token_urlsafe(32),
        KEHU_DATA_DIR=tmp,
        DJANGO_SETTINGS_MODULE="config.settings",
        ALLOWED_HOSTS="testserver,127.0.0.1",
        KEHU_PUBLIC_RATE_PER_MINUTE="100000",
        KEHU_SCOPE_GUARD="raise",
    )
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    seed(args.responses)
    print(measure(args.requests))


def seed(n: int) -> None:
    import datetime as dt

    from django.db import transaction
    from django.utils import timezone

    from kehu.accounts.models import User
    from kehu.customers.models import Customer
    from kehu.feedback import links, text
    from kehu.feedback.models import (
        SurveyAnswer,
        SurveyInvitation,
        SurveyKeyword,
        SurveyResponse,
        SurveyTemplate,
        SurveyWave,
    )

    rng = random.Random(12)
    owner, _ = User.objects.get_or_create(username="bench_mgr", defaults={"department": "marketing", "level": 20})
    template = SurveyTemplate.objects.get(code="annual", is_current=True)
    questions = list(template.questions.order_by("position"))
    started = time.monotonic()
    with transaction.atomic():
        Customer.objects.bulk_create(
            [
                Customer(
                    archive_no=f"BENCH-{i:06d}", name=f"基准客户{i}", owner=owner, grade="ABC"[i % 3], region="华东"
                )
                for i in range(n + 1)
            ],
            batch_size=2000,
        )
        customers = list(
            Customer.objects.unscoped("bench").filter(archive_no__startswith="BENCH-").values_list("pk", flat=True)
        )
        wave = SurveyWave.objects.create(
            name="基准调查",
            template=template,
            closes_on=timezone.localdate() + dt.timedelta(days=30),
            created_by=owner,
            status="sent",
            sent_at=timezone.now(),
        )
        expires = timezone.now() + dt.timedelta(days=30)
        SurveyInvitation.objects.bulk_create(
            [
                SurveyInvitation(
                    wave=wave,
                    customer_id=pk,
                    nonce=links.new_nonce(),
                    expires_at=expires,
                    status="sent",
                    sent_at=timezone.now(),
                )
                for pk in customers
            ],
            batch_size=2000,
        )
        invitations = list(
            SurveyInvitation.objects.unscoped("bench").filter(wave=wave).values_list("pk", "customer_id")
        )
        comments = [
            "产品质量稳定，服务响应很快",
            "希望响应速度再快一些",
            "售后服务态度很好",
            "价格偏高，交付有延迟",
            "",
        ]
        keywords = {c: text.keywords(c) for c in comments if c}
        now = timezone.now()
        answered = invitations[:n]
        responses = [
            SurveyResponse(
                wave=wave, invitation_id=inv, customer_id=cust, grade="ABC"[i % 3], region="华东", submitted_at=now
            )
            for i, (inv, cust) in enumerate(answered)
        ]
        SurveyResponse.objects.bulk_create(responses, batch_size=2000)
        rows = []
        words = []
        responses_rows = (
            SurveyResponse.objects.unscoped("bench").filter(wave=wave).values_list("pk", "customer_id", "grade")
        )
        for response in responses_rows:
            for q in questions:
                answer = SurveyAnswer(
                    response_id=response[0], wave=wave, question=q, customer_id=response[1], grade=response[2]
                )
                if q.kind == "rating":
                    answer.number = rng.randint(1, 5)
                elif q.kind == "nps":
                    answer.number = rng.randint(0, 10)
                else:
                    comment = rng.choice(comments)
                    if not comment:
                        continue
                    answer.text, answer.keywords = comment, keywords[comment]
                    words += [
                        SurveyKeyword(wave=wave, response_id=response[0], grade=response[2], keyword=w)
                        for w in keywords[comment]
                    ]
                rows.append(answer)
        SurveyAnswer.objects.bulk_create(rows, batch_size=5000)
        SurveyKeyword.objects.bulk_create(words, batch_size=5000)
        SurveyInvitation.objects.unscoped("bench").filter(pk__in=[i for i, _c in answered]).update(
            status="completed", completed_at=now
        )
    print(f"seeded {n} responses ({len(rows)} answers) in {time.monotonic() - started:.1f} s", file=sys.stderr)


def measure(requests: int) -> str:
    from django.test import Client
    from django.urls import reverse

    from kehu.accounts.models import User
    from kehu.feedback import report, surveys
    from kehu.feedback.models import SurveyInvitation, SurveyWave

    wave = SurveyWave.objects.get(name="基准调查")
    pending = SurveyInvitation.objects.unscoped("bench").filter(wave=wave, completed_at__isnull=True).first()
    assert pending is not None
    url = surveys.invitation_path(pending)
    client = Client()
    assert client.get(url).status_code == 200
    page_ms = []
    for _ in range(requests):
        t = time.perf_counter()
        response = client.get(url)
        page_ms.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    user = User.objects.get(username="bench_mgr")
    report.wave_report(user, wave)
    report_ms = []
    for _ in range(10):
        t = time.perf_counter()
        result = report.wave_report(user, wave)
        report_ms.append((time.perf_counter() - t) * 1000)
    assert result.responded >= 1
    # The same report as the manager sees it: the wave page through the whole stack (auth, access log, template).
    staff = Client()
    staff.force_login(user)
    detail_url = reverse("feedback:wave", args=[wave.pk])
    assert staff.get(detail_url).status_code == 200
    page_report_ms = []
    for _ in range(10):
        t = time.perf_counter()
        response = staff.get(detail_url)
        page_report_ms.append((time.perf_counter() - t) * 1000)
        assert response.status_code == 200
    lines = [
        "| surveys (issue 12) | median | p95 | target |",
        "|---|---|---|---|",
        f"| public answer page GET | {statistics.median(page_ms):.1f} ms | {p95(page_ms):.1f} ms | p95 ≤ 50 ms |",
        f"| report of a {result.responded}-response wave | {statistics.median(report_ms):.1f} ms "
        f"| {p95(report_ms):.1f} ms | ≤ 500 ms |",
        f"| report page of that wave (GET, signed in) | {statistics.median(page_report_ms):.1f} ms "
        f"| {p95(page_report_ms):.1f} ms | ≤ 500 ms |",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
