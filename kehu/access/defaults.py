"""The default permission matrix, word for word from the policies (docs/permissions.md).

Loaded into AccessRule by migrations 0002/0003; the policy also falls back to it when the rule
table has no rows at all (a flushed or freshly restored database), so that an empty table never
locks everybody out. Rules are data: an admin deactivates a rule to deny, activates one of the
convenience options (shipped inactive) to allow more. Each rule carries the policy line it follows.
"""

from __future__ import annotations

from typing import NamedTuple

from kehu.accounts.choices import Level

STAFF, MANAGER, DIRECTOR, ADMIN = Level.STAFF, Level.MANAGER, Level.DIRECTOR, Level.ADMIN

# The policy lines quoted (客户档案管理方案 = seed 002; 客户回访制度细则 = seed 003).
P_ELECTRONIC = "档案管理方案 六.1：将所有收集到的客户信息……全部输入电脑之中……便于调用和查找"
P_A_GRADE = "档案管理方案 六.3：A级客户资料的查询和使用需为市场营销经理级以上人员"
P_OTHERS = "档案管理方案 六.4：其他部门人员出于工作要求需要查询客户档案信息的，需经客户服务部予以批准"
P_KEEPERS = "档案管理方案 七.1：市场营销部由专人负责客户档案的完善和更新工作"
P_CS = "回访制度细则 二.2：客服部门……协助销售部门进行客户回访工作，提供必要的客户信息和支持"
P_SALES = "回访制度细则 二.1：销售部门负责对新客户进行首次回访……定期回访老客户……对重点客户进行深度回访"
P_EXPORT = "档案管理方案 六.2：根据客户档案信息编写《客户联络一览表》（导出仍需能查看该档案）"
P_CONVENIENCE = "便利选项（政策未规定，默认停用）"


class Rule(NamedTuple):
    action: str
    grade: str  # "" = every grade
    principal: str
    department: str  # "" = any department
    min_level: int
    is_active: bool
    note: str


def _rule(action: str, grade: str, principal: str, department: str, level: int, note: str, *, active: bool = True):
    return Rule(action, grade, principal, department, int(level), active, note)


DEFAULT_RULES: list[Rule] = [
    # Everyone finds an archive by name: the row shows only name, grade and owner (六.1).
    _rule("list", "", "everyone", "", STAFF, P_ELECTRONIC),
    # B and C: the keepers (marketing), customer service, and the account manager who visits them.
    _rule("view", "B", "role", "marketing", STAFF, P_KEEPERS),
    _rule("view", "C", "role", "marketing", STAFF, P_KEEPERS),
    _rule("view", "B", "role", "customer_service", STAFF, P_CS),
    _rule("view", "C", "role", "customer_service", STAFF, P_CS),
    _rule("view", "B", "owner", "", STAFF, P_SALES),
    _rule("view", "C", "owner", "", STAFF, P_SALES),
    # Whoever may query A-grade archives (六.3 "以上人员") may query the less guarded ones too.
    _rule("view", "B", "role", "", DIRECTOR, P_A_GRADE),
    _rule("view", "C", "role", "", DIRECTOR, P_A_GRADE),
    # A: marketing managers and above; every other department asks customer service (六.4: grants).
    _rule("view", "A", "role", "marketing", MANAGER, P_A_GRADE),
    _rule("view", "A", "role", "", DIRECTOR, P_A_GRADE),
    _rule("view", "A", "owner", "", STAFF, P_CONVENIENCE + "：客户经理查看自己负责的A级客户", active=False),
    _rule("view", "", "owner_managers", "", STAFF, P_CONVENIENCE + "：负责人的上级查看其客户", active=False),
    # Personal data of key people: the account manager, customer service (care, relationship cards),
    # marketing managers and above. Always on top of "view".
    _rule("view_sensitive", "", "owner", "", STAFF, P_SALES),
    _rule("view_sensitive", "", "role", "customer_service", STAFF, P_CS),
    _rule("view_sensitive", "", "role", "marketing", MANAGER, P_A_GRADE),
    _rule("view_sensitive", "", "role", "", DIRECTOR, P_A_GRADE),
    # Keeping the archive is marketing's (七.1); A-grade archives only from marketing managers up (六.3).
    _rule("edit", "B", "role", "marketing", STAFF, P_KEEPERS),
    _rule("edit", "C", "role", "marketing", STAFF, P_KEEPERS),
    _rule("edit", "A", "role", "marketing", MANAGER, P_KEEPERS + "；" + P_A_GRADE),
    _rule("edit", "", "role", "", ADMIN, P_KEEPERS + "（系统管理员）"),
    _rule("edit", "", "owner", "", STAFF, P_CONVENIENCE + "：客户经理直接修改自己客户的档案", active=False),
    # Exports: only what one may view; staff exports are capped (roles.export_row_cap).
    _rule("export", "", "role", "marketing", STAFF, P_EXPORT),
    _rule("export", "", "role", "customer_service", STAFF, P_EXPORT),
    _rule("export", "", "role", "sales", STAFF, P_EXPORT),
    _rule("export", "", "role", "", MANAGER, P_EXPORT),
]

# The wave-1 defaults (migration 0002), replaced by migration 0003 where an install still has them.
WAVE1_RULES: list[tuple[str, str, str, str, int]] = [
    ("list", "", "everyone", "", STAFF),
    ("view", "B", "everyone", "", STAFF),
    ("view", "C", "everyone", "", STAFF),
    ("view", "A", "owner", "", STAFF),
    ("view", "A", "role", "marketing", MANAGER),
    ("view", "A", "role", "", DIRECTOR),
    ("view_sensitive", "", "owner", "", STAFF),
    ("view_sensitive", "", "owner_managers", "", STAFF),
    ("view_sensitive", "", "role", "customer_service", STAFF),
    ("view_sensitive", "", "role", "marketing", MANAGER),
    ("view_sensitive", "", "role", "", DIRECTOR),
    ("edit", "", "owner", "", STAFF),
    ("edit", "", "owner_managers", "", STAFF),
    ("edit", "", "role", "", ADMIN),
    ("export", "", "role", "sales", STAFF),
    ("export", "", "role", "marketing", STAFF),
    ("export", "", "role", "customer_service", STAFF),
    ("export", "", "role", "", MANAGER),
]
