"""Demo users. Their shared password is demo data only: production installs never run this."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.hashers import make_password

from .choices import Department, Level
from .models import User

DEMO_PASSWORD = "kehu-demo"  # noqa: S105 (demo data, documented in README)

# username, family name, given name, department, level, manager username
DEMO_USERS = [
    ("admin", "管", "理员", "", Level.ADMIN, None),
    ("mkt_mgr", "王", "芳", Department.MARKETING, Level.MANAGER, None),
    ("mkt_dir", "赵", "敏", Department.MARKETING, Level.DIRECTOR, None),
    # 市场营销部专人: keeps the archive up to date (客户档案管理方案 七.1).
    ("mkt", "钱", "丽", Department.MARKETING, Level.STAFF, "mkt_mgr"),
    ("sales_mgr", "孙", "强", Department.SALES, Level.MANAGER, None),
    ("sales", "李", "明", Department.SALES, Level.STAFF, "sales_mgr"),
    ("sales2", "周", "杰", Department.SALES, Level.STAFF, "sales_mgr"),
    ("cs_lead", "陈", "静", Department.CUSTOMER_SERVICE, Level.MANAGER, None),
    ("cs", "刘", "洋", Department.CUSTOMER_SERVICE, Level.STAFF, "cs_lead"),
    ("tech_mgr", "吴", "刚", Department.TECH_SUPPORT, Level.MANAGER, None),
    ("tech", "张", "伟", Department.TECH_SUPPORT, Level.STAFF, "tech_mgr"),
    ("quality", "郑", "丽", Department.QUALITY, Level.MANAGER, None),
]


def seed(*, customers: int, stdout: Any) -> None:
    password = make_password(DEMO_PASSWORD)  # hash once: argon2 is slow on purpose
    by_name: dict[str, User] = {}
    for username, last, first, department, level, _manager in DEMO_USERS:
        user, _ = User.objects.update_or_create(
            username=username,
            defaults={
                "last_name": last,
                "first_name": first,
                "department": department,
                "level": level,
                "email": f"{username}@kehu.example",
                "is_staff": level >= Level.ADMIN,
                "is_superuser": level >= Level.ADMIN,
                "password": password,
            },
        )
        by_name[username] = user
    for username, *_rest, manager in DEMO_USERS:
        if manager:
            User.objects.filter(pk=by_name[username].pk).update(manager=by_name[manager])
    stdout.write(f"  demo users: {', '.join(by_name)} (password {DEMO_PASSWORD})")
