"""PIPL: consent withdrawal, person export (JSON + xlsx), erasure incl. history, retention review."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from kehu.access.models import AccessLog, RetentionReview
from kehu.customers import privacy as services
from kehu.customers.models import Contact, Customer, Transaction
from kehu.customers.services import contact_create

pytestmark = pytest.mark.django_db

PERSONAL = {
    "birth_date": "1970-05-01",
    "family": "妻子王丽",
    "personal_phone": "13911112222",
    "hobbies": "钓鱼",
    "education": "硕士",
}


@pytest.fixture
def contact(users, archive):
    made = contact_create(
        actor=users["admin"],
        customer=archive["B"],
        name="赵总",
        mobile="13800001111",
        email="zhao@example.cn",
        **PERSONAL,
    )
    made.position = "采购总监"
    made._history_user = users["sales2"]
    made.save()  # a second history row holding the personal values
    return made


def _history_values(contact_pk: int) -> list[tuple]:
    return list(
        Contact.history.model.objects.filter(id=contact_pk).values_list(
            "name", "mobile", "email", "birth_date", "family", "personal_phone", "hobbies", "education"
        )
    )


def test_consent_withdrawal_clears_sensitive_fields_everywhere_and_is_logged(users, contact):
    consent = services.consent_record(
        actor=users["cs"], contact=contact, legal_basis="consent", given_on=timezone.localdate(), method="written"
    )
    services.consent_withdraw(actor=users["cs"], consent=consent)
    reloaded = Contact.objects.get(pk=contact.pk)
    assert all(getattr(reloaded, f) == "" for f in PERSONAL)
    assert reloaded.name == "赵总" and reloaded.mobile == "13800001111"  # business contact data stays
    assert reloaded.history.count() == 3  # the fact is in the history ...
    assert all(row[3:] == ("", "", "", "", "") for row in _history_values(contact.pk))  # ... the values are not
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None and consent.withdrawn_by == users["cs"]
    assert AccessLog.objects.filter(action="consent_withdraw", object_id=str(contact.pk), user=users["cs"]).exists()


def test_consent_needs_the_sensitive_right_and_valid_input(users, contact):
    with pytest.raises(PermissionDenied):
        services.consent_record(
            actor=users["tech"], contact=contact, legal_basis="consent", given_on=timezone.localdate(), method="oral"
        )
    from kehu.core.exceptions import DomainError

    with pytest.raises(DomainError) as err:
        services.consent_record(
            actor=users["cs"],
            contact=contact,
            legal_basis="gossip",
            given_on=timezone.localdate() + datetime.timedelta(days=3),
            method="oral",
        )
    assert set(err.value.field_errors) == {"legal_basis", "given_on"}


def test_person_export_json_and_xlsx(users, contact):
    data = services.person_export(actor=users["cs"], contact=contact)
    assert data["contact"]["personal_phone"] == "13911112222"
    assert data["contact"]["family"] == "妻子王丽"
    assert len(data["history"]) == 2
    json.dumps(data, ensure_ascii=False)  # serialisable as delivered
    book = load_workbook(io.BytesIO(services.person_export_xlsx(data).content()))
    values = {row[0]: row[1] for row in book["contact"].iter_rows(min_row=2, values_only=True)}
    assert values["name"] == "赵总" and values["hobbies"] == "钓鱼"
    assert "history" in book.sheetnames
    entry = AccessLog.objects.get(action="person_export")
    assert entry.user == users["cs"] and entry.object_id == str(contact.pk) and entry.rows >= 3
    with pytest.raises(PermissionDenied):
        services.person_export(actor=users["tech"], contact=contact)


def test_person_erasure_keeps_business_records_and_removes_personal_data(users, archive, contact):
    deal = Transaction.objects.create(customer=archive["B"], occurred_on=timezone.localdate(), amount=1000)
    with pytest.raises(PermissionDenied):
        services.person_erase(actor=users["cs_lead"], contact=contact, reason="本人申请")
    services.person_erase(actor=users["admin"], contact=contact, reason="本人 2026-11-20 书面申请")
    reloaded = Contact.objects.get(pk=contact.pk)
    assert reloaded.name.endswith(f"#{contact.pk}")
    assert (reloaded.mobile, reloaded.mobile_digits, reloaded.email, reloaded.personal_phone) == ("", "", "", "")
    assert reloaded.position == "采购总监"
    assert all(row[1:] == ("",) * 7 and row[0].endswith(f"#{contact.pk}") for row in _history_values(contact.pk))
    assert Transaction.objects.filter(pk=deal.pk).exists()
    customer = Customer.objects.get(pk=archive["B"].pk)
    assert "赵总" not in customer.search_text and "13800001111" not in customer.search_text
    assert "赵" not in reloaded.search_text
    with connection.cursor() as cursor:  # nothing left in any raw column either
        cursor.execute("SELECT * FROM customers_historicalcontact WHERE id = %s", [contact.pk])
        assert "13800001111" not in repr(cursor.fetchall())
    entry = AccessLog.objects.get(action="person_erase")
    assert entry.user == users["admin"] and "书面申请" in entry.detail["reason"]


def test_retention_flags_stale_customers_for_review_and_never_deletes(users, archive, settings):
    settings.KEHU = {**settings.KEHU, "RETENTION_YEARS": 3}
    long_ago = timezone.now() - datetime.timedelta(days=365 * 5)
    Customer.objects.filter(pk__in=[archive["A"].pk, archive["B"].pk]).update(created_at=long_ago)
    Transaction.objects.create(customer=archive["B"], occurred_on=timezone.localdate(), amount=5)
    Transaction.objects.create(
        customer=archive["A"], occurred_on=timezone.localdate() - datetime.timedelta(days=365 * 4), amount=5
    )
    assert services.retention_flag() == 1  # A: old business only; B: recent deal; C: new customer
    review = RetentionReview.objects.get()
    assert review.customer_id == archive["A"].pk and review.last_business_on is not None
    assert services.retention_flag() == 0  # an open review is not flagged twice
    services.retention_decide(actor=users["admin"], review=review, archive=True)
    assert Customer.objects.get(pk=archive["A"].pk).is_archived
    assert Customer.objects.count() == 3
    assert AccessLog.objects.filter(action="retention_flag").count() == 2
