"""Satisfaction and loyalty per segment against a hand count (period: the year 2026).

B: 乙一 (上海, 3+ years, member, two sales -> repeat; answered 4 / NPS 9) and 乙二 (北京, new, one sale;
answered 2 / NPS 3 -> low). C: 丙 (北京, 3+ years, two sales in 2026 and one in 2025; answered 5 / NPS
10). A: 甲 (上海, two sales, no answer). One anonymous B answer of 1 is not readable and not counted."""

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kehu.analytics import loyalty
from kehu.analytics.sales import sales_month_rebuild
from kehu.customers.models import Transaction
from kehu.feedback.models import SurveyAnswer, SurveyQuestion, SurveyResponse, SurveyTemplate, SurveyWave
from kehu.loyalty.models import Membership, Tier

from .factories import customer

pytestmark = pytest.mark.django_db
SINCE, UNTIL = dt.date(2026, 1, 1), dt.date(2026, 12, 31)


@pytest.fixture
def segments(users):
    mgr = users["mkt_mgr"]
    b1 = customer(mgr, "乙一", grade="B", region="上海", age_days=1200)
    b2 = customer(mgr, "乙二", grade="B", region="北京", age_days=100)
    c1 = customer(mgr, "丙", grade="C", region="北京", age_days=1200)
    a = customer(mgr, "甲", grade="A", region="上海", age_days=800)
    for c, days in [(b1, [dt.date(2026, 3, 1), dt.date(2026, 3, 9)]), (b2, [dt.date(2026, 4, 1)]),
                    (c1, [dt.date(2026, 2, 1), dt.date(2026, 8, 1), dt.date(2025, 6, 1)]),
                    (a, [dt.date(2026, 5, 1), dt.date(2026, 6, 1)])]:  # fmt: skip
        for day in days:
            Transaction.objects.create(customer=c, amount=Decimal("100"), occurred_on=day)
    sales_month_rebuild()
    tier, _ = Tier.objects.get_or_create(code="t-analytics", defaults={"name": "金卡", "rank": 99})
    Membership.objects.update_or_create(customer=b1, defaults={"tier": tier})
    template = SurveyTemplate.objects.create(code="loyalty-test", name="满意度")
    question = SurveyQuestion.objects.create(template=template, kind="rating", text="总体满意度")
    wave = SurveyWave.objects.create(
        name="2026 年度", template=template, privacy="named", closes_on=UNTIL, created_by=mgr
    )
    answered = timezone.make_aware(dt.datetime(2026, 6, 15, 10, 0))
    for c, rating, nps in [(b1, 4, 9), (b2, 2, 3), (c1, 5, 10), (None, 1, 0)]:
        grade, region = (c.grade, c.region) if c else ("B", "上海")
        response = SurveyResponse.objects.create(
            wave=wave, customer=c, grade=grade, region=region, submitted_at=answered, lowest_rating=rating, nps=nps
        )
        SurveyAnswer.objects.create(
            response=response, wave=wave, question=question, customer=c, grade=grade, number=rating
        )
    return {"b1": b1, "a": a}


def _by_key(rows):
    return {r["key"]: r for r in rows}


def test_per_grade_matches_the_hand_count(users, segments):
    rows = _by_key(loyalty.segment_table(users["mkt_mgr"], by="grade", since=SINCE, until=UNTIL))
    pick = ("customers", "repeat_buyers", "long_standing", "members", "responses", "satisfaction_avg", "nps_avg", "low")
    assert [rows["B"][k] for k in pick] == [2, 1, 1, 1, 2, 3.0, 6.0, 1]
    assert [rows["C"][k] for k in pick] == [1, 1, 1, 0, 1, 5.0, 10.0, 0]
    assert [rows["A"][k] for k in pick] == [1, 1, 0, 0, 0, None, None, 0]
    assert rows["B"]["repeat_rate"] == 50.0


def test_per_region(users, segments):
    rows = _by_key(loyalty.segment_table(users["mkt_mgr"], by="region", since=SINCE, until=UNTIL))
    assert (rows["上海"]["customers"], rows["上海"]["responses"], rows["上海"]["satisfaction_avg"]) == (2, 1, 4.0)
    assert (rows["北京"]["customers"], rows["北京"]["responses"], rows["北京"]["satisfaction_avg"]) == (2, 2, 3.5)


def test_a_user_without_rights_sees_no_figures(client, users, segments):
    assert loyalty.segment_table(users["tech"], by="grade", since=SINCE, until=UNTIL) == []
    client.force_login(users["tech"])
    html = client.get(reverse("analytics:loyalty"), {"since": "2026-01-01", "until": "2026-12-31"}).content.decode()
    assert "乙" not in html and 'data-table="loyalty"' in html
    body = html.split('data-table="loyalty"', 1)[1].split("</table>", 1)[0]
    assert '<td class="text-end">' not in body


def test_page_within_pinned_queries_and_export_reads_back(client, users, segments, django_assert_max_num_queries):
    client.force_login(users["mkt_mgr"])
    query = {"by": "grade", "since": "2026-01-01", "until": "2026-12-31"}
    with django_assert_max_num_queries(12):
        response = client.get(reverse("analytics:loyalty"), query)
    assert response.status_code == 200
    export = client.get(reverse("analytics:loyalty-export"), query)
    sheet = load_workbook(BytesIO(b"".join(export.streaming_content))).active
    rows = {row[0]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
    label_b = next(label for label in rows if "B" in str(label))
    assert rows[label_b][1:3] == (2, 1) and rows[label_b][7] == 3.0


BAD = [{"by": "owner"}, {"since": "2026-02-30"}, {"since": "2026-05-01", "until": "2026-01-01"}]


@pytest.mark.parametrize("query", BAD)
def test_bad_parameters_are_a_400(client, users, query):
    client.force_login(users["mkt_mgr"])
    response = client.get(reverse("analytics:loyalty"), query)
    assert response.status_code == 400 and 'class="alert alert-danger"' in response.content.decode()
    assert client.get(reverse("analytics:loyalty-export"), query).status_code == 400


def test_page_in_english(client, users, segments):
    client.force_login(users["mkt_mgr"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse("analytics:loyalty")).content.decode()
    assert "Satisfaction and loyalty" in html and "满意度与忠诚度" not in html
