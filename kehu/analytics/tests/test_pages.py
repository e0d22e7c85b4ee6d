import datetime as dt
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kehu.access.models import AccessLog
from kehu.analytics import services
from kehu.analytics.sales import sales_month_rebuild

from .factories import complaint, contact, customer, orders

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(users):
    mgr = users["mkt_mgr"]
    risky = customer(mgr, "流失公司", owner=users["sales2"])
    contact(risky, mgr, 200)
    orders(risky, [200, 240, 280, 320, 360, 400])
    complaint(risky, users["cs"], nature="serious")
    steady = customer(mgr, "稳定公司", owner=users["sales"])
    contact(steady, mgr, 2)
    orders(steady, [10, 20, 30])
    a = customer(mgr, "甲公司", grade="A", owner=users["sales"])
    contact(a, mgr, 300)
    services.grade_snapshot_take(today=dt.date.today().replace(day=1) - dt.timedelta(days=1))
    services.grade_snapshot_take()
    sales_month_rebuild()
    services.churn_run(services.churn_run_start(enqueue=False).pk)
    return {"risky": risky, "steady": steady, "a": a}


PAGES = [
    ("analytics:composition", 16),
    ("analytics:churn", 14),
    ("analytics:kpis", 14),
    ("analytics:service", 16),
    ("analytics:service-timers", 12),
    ("analytics:waves", 12),
]


@pytest.mark.parametrize("name,limit", PAGES)
def test_pages_render_within_pinned_queries(client, users, data, name, limit, django_assert_max_num_queries):
    client.force_login(users["mkt_mgr"])
    with django_assert_max_num_queries(limit):
        response = client.get(reverse(name))
    assert response.status_code == 200
    assert "data-scope-notice" not in response.content.decode()  # mkt_mgr sees every grade


@pytest.mark.parametrize("name,_limit", PAGES)
def test_limited_viewer_is_told(client, users, data, name, _limit):
    client.force_login(users["sales"])
    html = client.get(reverse(name)).content.decode()
    assert "data-scope-notice" in html and "只包含您有权查看的客户" in html


def test_churn_page_lists_risky_first_with_reasons_and_owner(client, users, data):
    client.force_login(users["mkt_mgr"])
    html = client.get(reverse("analytics:churn")).content.decode()
    assert "流失公司" in html and "已 200 天未联系" in html and "周杰" in html
    assert "稳定公司" not in html  # below the at-risk threshold


def test_churn_page_hides_what_the_user_may_not_view(client, users, data):
    client.force_login(users["sales"])
    html = client.get(reverse("analytics:churn"), {"min_score": 0}).content.decode()
    assert "甲公司" not in html and "流失公司" not in html and "稳定公司" in html
    client.force_login(users["tech"])
    html = client.get(reverse("analytics:churn"), {"min_score": 0}).content.decode()
    assert "稳定公司" not in html and "没有达到该风险分的客户" in html


def test_action_form_assigns_and_tracks(client, users, data):
    from kehu.analytics.models import ChurnAction

    client.force_login(users["sales"])  # may not view the risky customer: nothing happens
    client.post(reverse("analytics:churn-action-create"), {"customer": data["risky"].pk, "description": "拜访"})
    assert ChurnAction.objects.count() == 0
    client.force_login(users["mkt_mgr"])
    client.post(reverse("analytics:churn-action-create"), {"customer": data["risky"].pk, "description": "总监拜访"})
    action = ChurnAction.objects.get()
    assert action.owner == users["sales2"]
    html = client.get(reverse("analytics:churn")).content.decode()
    assert "总监拜访" in html
    client.force_login(users["sales2"])
    client.post(reverse("analytics:churn-action-update", args=[action.pk]), {"status": "doing", "note": "约了下周"})
    action.refresh_from_db()
    assert action.status == "doing" and action.note == "约了下周"


def test_run_now_button_only_for_managers(client, users, data):
    from kehu.analytics.models import ChurnRun

    before = ChurnRun.objects.count()
    client.force_login(users["sales"])
    assert "立即重新计算" not in client.get(reverse("analytics:churn")).content.decode()
    client.post(reverse("analytics:churn-run"))
    assert ChurnRun.objects.count() == before


@pytest.mark.parametrize(
    "name,query",
    [
        ("analytics:composition", {"since": "2026-13-45"}),
        ("analytics:composition", {"by": "colour"}),
        ("analytics:churn", {"min_score": "x"}),
        ("analytics:kpis", {"period": "2026-13"}),
        ("analytics:service", {"period": "last month"}),
    ],
)
def test_bad_parameters_answer_400_with_a_message(client, users, name, query):
    client.force_login(users["mkt_mgr"])
    response = client.get(reverse(name), query)
    assert response.status_code == 400 and 'class="alert alert-danger"' in response.content.decode()


def test_kpis_of_someone_else_are_refused(client, users):
    client.force_login(users["sales"])
    response = client.get(reverse("analytics:kpis"), {"user": users["sales2"].pk})
    assert response.status_code == 403 and "周杰" not in response.content.decode()


@pytest.mark.parametrize(
    "name,object_type",
    [
        ("analytics:composition-export", "composition"),
        ("analytics:churn-export", "churn_risk"),
        ("analytics:kpis-export", "kpis"),
        ("analytics:service-export", "service_stats"),
    ],
)
def test_every_table_exports_to_excel_and_is_logged(client, users, data, name, object_type):
    client.force_login(users["mkt_mgr"])
    response = client.get(reverse(name))
    assert response.status_code == 200
    workbook = load_workbook(BytesIO(response.getvalue()))
    assert workbook.worksheets
    assert AccessLog.objects.filter(object_type=object_type, action="export").exists()


def test_churn_export_holds_only_exportable_rows(client, users, data):
    client.force_login(users["sales"])
    workbook = load_workbook(BytesIO(client.get(reverse("analytics:churn-export")).getvalue()))
    names = [row[0] for row in workbook.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert "流失公司" not in names and "甲公司" not in names


@pytest.mark.parametrize("name", [n for n, _ in PAGES])
def test_pages_in_english(client, users, data, name):
    client.force_login(users["mkt_mgr"])
    client.cookies["django_language"] = "en"
    html = client.get(reverse(name)).content.decode()
    assert "客户构成" not in html and "流失风险" not in html and "员工绩效" not in html


def test_anonymous_is_sent_to_login(client):
    for name, _limit in PAGES:
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.browser
def test_pages_draw_their_charts_without_console_errors(login, users, data):
    page = login("mkt_mgr")
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.goto(page.base_url + reverse("analytics:composition") + "?by=region")
    page.wait_for_selector("[data-chart] canvas")
    page.goto(page.base_url + reverse("analytics:churn"))
    page.wait_for_selector("[data-table=churn]")
    assert page.locator("[data-table=churn] tbody tr").count() >= 1
    page.goto(page.base_url + reverse("analytics:kpis"))
    page.wait_for_selector("[data-table=kpis]")
    page.goto(page.base_url + reverse("analytics:service"))
    page.wait_for_selector("[data-table=timers]")
    assert errors == []


def test_exports_of_a_user_without_rights_hold_no_figures(client, users, data):
    client.force_login(users["tech"])
    workbook = load_workbook(BytesIO(client.get(reverse("analytics:composition-export")).getvalue()))
    assert all(sheet.max_row <= 2 for sheet in workbook.worksheets)  # header (+ the Pareto zero line)
    names = [c for sheet in workbook.worksheets for row in sheet.iter_rows(values_only=True) for c in row]
    assert "流失公司" not in names and "稳定公司" not in names
    workbook = load_workbook(BytesIO(client.get(reverse("analytics:churn-export")).getvalue()))
    assert workbook.worksheets[0].max_row == 1


def test_the_nightly_job_fills_every_summary(users, data):
    from kehu.analytics.models import ChurnRisk, ChurnRun, GradeSnapshot
    from kehu.analytics.tasks import nightly_analytics

    runs = ChurnRun.objects.count()
    nightly_analytics.call_local()
    assert ChurnRun.objects.count() == runs + 1 and ChurnRun.objects.order_by("-id").first().status == "done"
    assert ChurnRisk.objects.unscoped("test").count() == 3
    assert GradeSnapshot.objects.unscoped("test").filter(month=timezone.localdate().replace(day=1)).count() == 3
