"""The care calendar as the policy's data: statutory holidays on the official dates, lunar festivals
and lunar birthdays on their solar dates, greetings for every grade and gifts by grade."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from kehu.customers import services as customer_services
from kehu.engagement.care import birthday_on, care_plan, festivals_of
from kehu.engagement.models import CareItem, Interaction
from kehu.engagement.services import care_gift_approve, care_item_record

D = dt.date

# 国务院办公厅关于2026年部分节假日安排的通知: the festival day and the days off.
OFFICIAL_2026 = {
    "元旦": (D(2026, 1, 1), D(2026, 1, 1), D(2026, 1, 3)),
    "春节": (D(2026, 2, 17), D(2026, 2, 15), D(2026, 2, 23)),
    "清明节": (D(2026, 4, 5), D(2026, 4, 4), D(2026, 4, 6)),
    "劳动节": (D(2026, 5, 1), D(2026, 5, 1), D(2026, 5, 5)),
    "端午节": (D(2026, 6, 19), D(2026, 6, 19), D(2026, 6, 21)),
    "中秋节": (D(2026, 9, 25), D(2026, 9, 25), D(2026, 9, 27)),
    "国庆节": (D(2026, 10, 1), D(2026, 10, 1), D(2026, 10, 7)),
}


@pytest.mark.django_db
def test_every_statutory_holiday_of_2026_is_on_the_dates_of_the_official_notice():
    statutory = {o.name: (o.on, o.off_from, o.off_until) for o in festivals_of(2026) if o.statutory}
    assert statutory == OFFICIAL_2026
    assert {o.source for o in festivals_of(2026) if o.statutory} == {"notice"}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("year", "expected"),
    [
        (
            2027,
            {
                "春节": D(2027, 2, 6),
                "元宵节": D(2027, 2, 20),
                "清明节": D(2027, 4, 5),
                "端午节": D(2027, 6, 9),
                "七夕节": D(2027, 8, 8),
                "中秋节": D(2027, 9, 15),
                "重阳节": D(2027, 10, 8),
            },
        ),
        (
            2028,
            {
                "春节": D(2028, 1, 26),
                "元宵节": D(2028, 2, 9),
                "清明节": D(2028, 4, 4),
                "端午节": D(2028, 5, 28),
                "七夕节": D(2028, 8, 26),
                "中秋节": D(2028, 10, 3),
                "重阳节": D(2028, 10, 26),
            },
        ),
    ],
)
def test_lunar_festivals_of_future_years_fall_on_their_solar_dates(year, expected):
    occasions = {o.name: o.on for o in festivals_of(year)}
    assert {name: occasions[name] for name in expected} == expected
    assert {"元旦", "劳动节", "国庆节"} <= occasions.keys()


def test_a_lunar_birthday_moves_with_the_lunar_calendar():
    born = D(1980, 8, 3)  # 八月初三 (lunar)
    assert birthday_on(birth=born, lunar=True, year=2027) == D(2027, 9, 3)
    assert birthday_on(birth=born, lunar=True, year=2028) == D(2028, 9, 21)
    assert birthday_on(birth=born, lunar=False, year=2028) == D(2028, 8, 3)


@pytest.fixture
def customers(users):  # type: ignore[no-untyped-def]
    made = {}
    for grade in "ABC":
        made[grade] = customer_services.customer_create(
            actor=users["mkt_mgr"], owner=users["sales"], name=f"{grade}级客户有限公司", grade=grade
        )
    return made


@pytest.mark.django_db
def test_the_plan_greets_every_grade_and_gives_gifts_by_grade(customers, users):
    assert care_plan(today=D(2027, 1, 25)) > 0  # 春节 2027-02-06 within 30 days
    items = CareItem.objects.unscoped("test").filter(occasion="春节")
    by_grade = {(i.customer.grade, i.action): i for i in items}
    assert set(by_grade) == {("A", "greeting"), ("B", "greeting"), ("C", "greeting"), ("A", "gift"), ("B", "gift")}
    assert by_grade[("A", "gift")].budget == Decimal("500.00") and by_grade[("A", "gift")].gift == "新春礼盒"
    assert by_grade[("A", "greeting")].plan_on == D(2027, 2, 5)  # one day ahead
    assert by_grade[("A", "gift")].plan_on == D(2027, 1, 27)  # ten days ahead
    assert care_plan(today=D(2027, 1, 25)) == 0  # idempotent


@pytest.mark.django_db
def test_lunar_birthdays_and_purchase_anniversaries_are_planned(customers, users):
    customer = customers["C"]
    customer_services.contact_create(
        actor=users["mkt"],
        customer=customer,
        name="王总",
        is_key_person=True,
        birth_date="1980-08-03",
        birthday_is_lunar=True,
    )
    customer_services.transaction_create(
        actor=users["mkt"], customer=customer, occurred_on=D(2026, 9, 10), amount="12000", product="数控机床"
    )
    care_plan(today=D(2027, 8, 20))
    items = CareItem.objects.unscoped("test").filter(customer=customer)
    birthday = items.get(kind="birthday")
    assert (birthday.occasion, birthday.occasion_on) == ("王总生日", D(2027, 9, 3))
    assert "1980" not in birthday.occasion and "1980" not in birthday.key  # no birth date copied
    purchase = items.get(kind="purchase")
    assert purchase.occasion_on == D(2027, 9, 10) and "数控机床" in purchase.occasion


@pytest.mark.django_db
def test_a_gift_needs_a_managers_approval_and_lands_on_the_timeline(customers, users):
    care_plan(today=D(2027, 1, 25))
    gift = CareItem.objects.unscoped("test").get(occasion="春节", action="gift", customer=customers["A"])
    from kehu.core.exceptions import DomainError

    with pytest.raises(DomainError):
        care_item_record(actor=users["mkt_mgr"], item=gift, status="sent", record="新春礼盒已寄出")
    with pytest.raises(DomainError):
        care_gift_approve(actor=users["sales"], item=gift)
    care_gift_approve(actor=users["mkt_mgr"], item=gift)
    care_item_record(actor=users["mkt_mgr"], item=gift, status="sent", record="新春礼盒已寄出，顺丰 SF123")
    interaction = Interaction.objects.unscoped("test").get(customer=customers["A"])
    assert "春节" in interaction.subject and "SF123" in interaction.content


@pytest.mark.django_db
def test_the_gift_list_exports_to_excel_and_pdf(customers, api_for):
    care_plan(today=D(2027, 1, 25))
    response = api_for("mkt_mgr").get("/api/care-items/gift-list/?type=xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "客户" and len(rows) == 3  # header + A and B gifts of 春节
    assert {r[4] for r in rows[1:]} == {"新春礼盒", "新春台历"}
    pdf = api_for("mkt_mgr").get("/api/care-items/gift-list/?type=pdf")
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "新春礼盒" in text and "礼品清单" in text
    assert api_for("mkt_mgr").get("/api/care-items/gift-list/?type=doc").status_code == 400


@pytest.mark.django_db
def test_the_care_calendar_api(api_for):
    body = api_for("sales").get("/api/calendar/care/?year=2026").json()
    spring = next(o for o in body if o["name"] == "春节")
    assert (spring["on"], spring["off_from"], spring["off_until"]) == ("2026-02-17", "2026-02-15", "2026-02-23")
    assert api_for("sales").get("/api/calendar/care/?year=3000").status_code == 400
