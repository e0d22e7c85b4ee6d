"""Who is who: the one place that answers role questions (SPEC "Roles").

Department, level, manager chain, customer-service supervisor, grader, service-desk handler and
board owner are defined here once. Services and selectors ask these functions; views only ask
services; templates read the `User` properties, which delegate here. Nothing else in the code
compares a department or a level.

Policy lines (docs/permissions.md quotes them in full):
- 客户档案管理方案 六.3 "A级客户资料的查询和使用需为市场营销经理级以上人员" -> is_marketing_manager_or_above;
- 六.4 "其他部门人员……需经客户服务部予以批准" -> is_cs_supervisor approves access requests;
- 七.1 "市场营销部由专人负责客户档案的完善和更新工作" -> is_archive_keeper;
- 客户投诉处理方案 三.1 "客户服务部安排专人受理客户的各类投诉" -> is_service_desk (every complaint);
- 五.2 "客户服务主管向相关责任部门送达《客户投诉处理单》副本" -> is_cs_supervisor routes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q

from kehu.accounts.choices import Department, Level

if TYPE_CHECKING:
    from kehu.accounts.models import User


def is_active(user: User | Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def level(user: User | Any) -> int:
    """Superusers count as administrators; anonymous users have no level."""
    if not is_active(user):
        return 0
    return int(Level.ADMIN) if user.is_superuser else int(user.level)


def department(user: User | Any) -> str:
    return str(user.department or "") if is_active(user) else ""


def is_admin(user: User | Any) -> bool:
    return level(user) >= Level.ADMIN


def is_manager(user: User | Any) -> bool:
    """经理 and above, in any department."""
    return level(user) >= Level.MANAGER


def is_director_or_above(user: User | Any) -> bool:
    return level(user) >= Level.DIRECTOR


def in_department(user: User | Any, dept: str) -> bool:
    return bool(dept) and department(user) == dept


def is_marketing_manager_or_above(user: User | Any) -> bool:
    """市场营销经理级以上: marketing managers and directors, any director, administrators."""
    if is_director_or_above(user):
        return True
    return in_department(user, Department.MARKETING) and is_manager(user)


def is_marketing_director(user: User | Any) -> bool:
    """营销总监: marketing at director level, or an administrator."""
    return is_admin(user) or (in_department(user, Department.MARKETING) and is_director_or_above(user))


def is_archive_keeper(user: User | Any) -> bool:
    """市场营销部专人 keep the archive (七.1): marketing staff of every level, and administrators."""
    return is_admin(user) or in_department(user, Department.MARKETING)


def is_grader(user: User | Any) -> bool:
    """Grades change through a marketing manager's confirmation (SPEC M2)."""
    return is_marketing_manager_or_above(user)


def is_importer(user: User | Any) -> bool:
    """Imports write the archive: the archive keepers (七.1)."""
    return is_archive_keeper(user)


def is_customer_service(user: User | Any) -> bool:
    """客户服务部 (any level) or an administrator."""
    return is_admin(user) or in_department(user, Department.CUSTOMER_SERVICE)


def is_cs_supervisor(user: User | Any) -> bool:
    """客服主管: customer service at manager level or above, or an administrator."""
    return is_admin(user) or (in_department(user, Department.CUSTOMER_SERVICE) and is_manager(user))


def cs_supervisors() -> Any:
    """The active customer-service supervisors as users (those who approve access requests)."""
    from kehu.accounts.models import User

    supervisors = Q(department=Department.CUSTOMER_SERVICE, level__gte=Level.MANAGER)
    return User.objects.filter(supervisors, is_active=True)


def is_service_desk(user: User | Any) -> bool:
    """Accepts, routes and closes every complaint, ticket and demand, of every grade (投诉处理方案 三.1)."""
    return is_customer_service(user)


def is_tech_support(user: User | Any) -> bool:
    return in_department(user, Department.TECH_SUPPORT)


def can_read_audit(user: User | Any) -> bool:
    return is_admin(user) or (is_active(user) and bool(getattr(user, "is_auditor", False)))


def export_row_cap(user: User | Any) -> int | None:
    """Rows one export may contain: staff are capped (KEHU EXPORT_ROW_CAP_STAFF), managers are not."""
    from .conf import setting

    if is_manager(user):
        return None
    return int(setting("EXPORT_ROW_CAP_STAFF"))


# --- the manager chain (one definition) ----------------------------------------------------------

CHAIN_DEPTH = 3


def managed_users_q(manager: User | Any, *, prefix: str = "") -> Q:
    """Users whose work `manager` manages, as a condition on a User (or on `prefix`, e.g. "owner__"):
    their reports up to CHAIN_DEPTH levels down and, for a manager, everyone of their own department.
    Used for customers' owners, board items, follow-ups: a director who sees a card may also move it."""
    if not is_active(manager):
        return Q(pk__in=[])
    path = "manager"
    q = Q()
    for _depth in range(CHAIN_DEPTH):
        q |= Q(**{f"{prefix}{path}": manager})
        path += "__manager"
    dept = department(manager)
    if is_manager(manager) and dept:
        q |= Q(**{f"{prefix}department": dept})
    return q


def managed_users(manager: User | Any) -> Any:
    """The managed users as a subquery of primary keys (users are few)."""
    from kehu.accounts.models import User

    return User.objects.filter(managed_users_q(manager)).values("pk")


def manages(manager: User | Any, user: User | Any) -> bool:
    """Does `manager` manage `user`? The same definition as managed_users_q, asked in Python when
    the chain is already loaded would drift; one small query keeps it one rule."""
    from kehu.accounts.models import User

    user_pk: Any = getattr(user, "pk", user)
    if user_pk is None or not is_active(manager) or manager.pk == user_pk:
        return False
    return User.objects.filter(managed_users_q(manager), pk=user_pk).exists()


def is_owner_or_manager(user: User | Any, owner: User | Any) -> bool:
    """The board owner rule: the owner, their managers, administrators."""
    if not is_active(user):
        return False
    return is_admin(user) or getattr(owner, "pk", owner) == user.pk or manages(user, owner)
