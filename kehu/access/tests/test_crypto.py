"""Ciphertext at rest, key rotation, blind-index lookup."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from kehu.core.crypto import blind_index
from kehu.customers.models import Contact
from kehu.customers.selectors import contacts_by_personal_phone
from kehu.customers.services import contact_create

pytestmark = pytest.mark.django_db

SECRET_FIELDS = {"birth_date": "1975-03-08", "family": "妻子：王丽，女儿在读大学", "personal_phone": "13900001111"}


def _raw_row(contact_pk: int, table: str = "customers_contact") -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT birth_date, family, personal_phone FROM {table} WHERE id = %s", [contact_pk])
        return dict(zip(["birth_date", "family", "personal_phone"], cursor.fetchone(), strict=True))


def _history_raw(contact_pk: int) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT family FROM customers_historicalcontact WHERE id = %s", [contact_pk])
        return [row[0] for row in cursor.fetchall()]


def test_rotation_reencrypts_everything_and_old_key_can_go(users, archive, settings):
    key1 = settings.FIELD_ENCRYPTION_KEYS[0]
    key2 = Fernet.generate_key().decode()
    contact = contact_create(actor=users["admin"], customer=archive["A"], name="王总", **SECRET_FIELDS)
    before = _raw_row(contact.pk)
    for column, plain in SECRET_FIELDS.items():
        assert plain not in before[column]
        assert before[column].startswith("fernet:")
    assert all(value and "妻子" not in value for value in _history_raw(contact.pk))

    settings.FIELD_ENCRYPTION_KEYS = [key2, key1]
    call_command("rotate_field_keys", "--batch-size", "1", stdout=open("/dev/null", "w"))  # noqa: SIM115
    after = _raw_row(contact.pk)
    assert all(after[c] != before[c] and after[c].startswith("fernet:") for c in SECRET_FIELDS)

    settings.FIELD_ENCRYPTION_KEYS = [key2]  # the old key is gone
    reloaded = Contact.objects.get(pk=contact.pk)
    assert {c: getattr(reloaded, c) for c in SECRET_FIELDS} == SECRET_FIELDS
    assert reloaded.history.first().family == SECRET_FIELDS["family"]  # history rows were rotated too

    settings.FIELD_ENCRYPTION_KEYS = [key1]  # and the old key alone no longer opens the data
    with pytest.raises(ValueError, match="cannot decrypt"):
        Contact.objects.get(pk=contact.pk)


def test_blind_index_lookup_respects_the_sensitive_scope(users, archive):
    contact = contact_create(actor=users["admin"], customer=archive["B"], name="钱总", personal_phone="139 0000 2222")
    assert contact.personal_phone_index == blind_index("13900002222")  # written by contact_create
    assert list(contacts_by_personal_phone(users["cs"], "139-0000-2222")) == [contact]
    assert list(contacts_by_personal_phone(users["tech"], "13900002222")) == []  # may not read private phones
    assert list(contacts_by_personal_phone(users["cs"], "13900009999")) == []
    assert list(contacts_by_personal_phone(users["cs"], "")) == []
