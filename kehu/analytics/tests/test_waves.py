"""Satisfaction and NPS per survey wave over time, against a hand count.

Spring (15 March): 乙一 4 / NPS 9, 乙二 2 / 3, 丙 5 / 10, and one anonymous 1 / 0 (not readable, not
counted). Autumn (15 September): 乙一 3 / 7, 丙 5 / 9, 甲 4 / 6. A confidential wave in November
(乙二 1 / 0) is customer service's only. 乙一 belongs to `sales`; the others to the marketing manager."""

import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kehu.access.models import AccessLog
from kehu.analytics import loyalty
from kehu.feedback.models import SurveyAnswer, SurveyQuestion, SurveyResponse, SurveyTemplate, SurveyWave

from .factories import customer

pytestmark = pytest.mark.django_db
SINCE, UNTIL = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
QUERY = {"since": "2026-01-01", "until": "2026-12-31"}


@pytest.fixture
def waves(users):
    mgr = users["mkt_mgr"]
    b1 = customer(mgr, "乙一", grade="B", owner=users["sales"])
    b2 = customer(mgr, "乙二", grade="B")
    c1 = customer(mgr, "丙", grade="C")
    a = customer(mgr, "甲", grade="A")
    template = SurveyTemplate.objects.create(code="wave-test", name="满意度")
    question = SurveyQuestion.objects.create(template=template, kind="rating", text="总体满意度")

    def wave(name, day, answers, privacy="named"):
        made = SurveyWave.objects.create(name=name, template=template, privacy=privacy, closes_on=UNTIL, created_by=mgr)
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
        for c, rating, nps in answers:
            grade = c.grade if c else "B"
            response = SurveyResponse.objects.create(
                wave=made, customer=c, grade=grade, region="", submitted_at=at, lowest_rating=rating, nps=nps
            )
            SurveyAnswer.objects.create(
                response=response, wave=made, question=question, customer=c, grade=grade, number=rating
            )

    # created in another order than they were answered: the trend follows the answers' dates
    wave("2026 秋季", dt.date(2026, 9, 15), [(b1, 3, 7), (c1, 5, 9), (a, 4, 6)])
    wave("2026 春季", dt.date(2026, 3, 15), [(b1, 4, 9), (b2, 2, 3), (c1, 5, 10), (None, 1, 0)])
    wave("2026 保密", dt.date(2026, 11, 1), [(b2, 1, 0)], privacy="confidential")
    wave("2025 冬季", dt.date(2025, 12, 1), [(b1, 1, 0)])  # before the period


def _pick(rows):
    return [(r["name"], r["responses"], r["satisfaction_avg"], r["nps_avg"], r["nps"], r["low"]) for r in rows]


def test_trend_per_wave_matches_the_hand_count(users, waves):
    rows = loyalty.wave_trend(users["mkt_mgr"], since=SINCE, until=UNTIL)
    assert _pick(rows) == [
        ("2026 春季", 3, 3.67, 7.3, 33.3, 1),  # promoters 9, 10; detractor 3
        ("2026 秋季", 3, 4.0, 7.3, 0.0, 0),  # promoter 9; detractor 6
    ]
    assert rows[0]["first"] == dt.date(2026, 3, 15)
    only_b = loyalty.wave_trend(users["mkt_mgr"], since=SINCE, until=UNTIL, grade="B")
    assert _pick(only_b) == [("2026 春季", 2, 3.0, 6.0, 0.0, 1), ("2026 秋季", 1, 3.0, 7.0, 0.0, 0)]


def test_a_viewer_counts_only_what_they_may_view(client, users, waves):
    assert _pick(loyalty.wave_trend(users["sales"], since=SINCE, until=UNTIL)) == [
        ("2026 春季", 1, 4.0, 9.0, 100.0, 0),
        ("2026 秋季", 1, 3.0, 7.0, 0.0, 0),
    ]
    assert loyalty.wave_trend(users["tech"], since=SINCE, until=UNTIL) == []
    client.force_login(users["tech"])
    html = client.get(reverse("analytics:waves"), QUERY).content.decode()
    assert "2026 春季" not in html and "没有可显示的记录" in html and 'data-chart="line"' not in html


def test_page_shows_chart_and_table_within_pinned_queries(client, users, waves, django_assert_max_num_queries):
    client.force_login(users["mkt_mgr"])
    with django_assert_max_num_queries(12):
        response = client.get(reverse("analytics:waves"), QUERY)
    html = response.content.decode()
    assert response.status_code == 200 and html.count('data-chart="line"') == 2
    assert 'data-labels="2026 春季|2026 秋季"' in html and 'data-values="33.300000|0.000000"' in html
    table = html.split('data-table="waves"', 1)[1]
    assert table.index("2026 春季") < table.index("2026 秋季") and "33.3" in table and "2026 保密" not in table


def test_excel_export_is_logged(client, users, waves):
    client.force_login(users["mkt_mgr"])
    response = client.get(reverse("analytics:waves-export"), QUERY)
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "2026 春季" and rows[1][2] == 3 and rows[1][5] == 33.3 and len(rows) == 3
    assert AccessLog.objects.filter(object_type="survey_wave_trend", action="export", rows=2).exists()


@pytest.mark.parametrize(
    "query", [{"grade": "Z"}, {"since": "2026-13-01"}, {"since": "2026-12-01", "until": "2026-01-01"}]
)
def test_bad_parameters_are_a_400(client, users, query):
    client.force_login(users["mkt_mgr"])
    assert client.get(reverse("analytics:waves"), query).status_code == 400
    assert client.get(reverse("analytics:waves-export"), query).status_code == 400
