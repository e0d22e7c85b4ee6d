"""Which sheet column is which archive field: the SOP's 客户信息维护表 (表1) and the archive's other fields.

A column is recognised by its header as people write it (compared after NFKC, without spaces, a
trailing * or a bracketed unit); a header it does not recognise is reported as ignored in the
preview, never dropped silently. Headers spread over two rows by merged cells are combined
("联系人" over "姓名 | 职务 | 联系方式").
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from django.utils.translation import gettext_lazy

from ..choices import Grade, IndustryStanding, InfoSource, Nature, Priority
from ..models import Contact, Customer
from . import cells


@dataclass(frozen=True)
class Column:
    key: str  # where the value goes: a Customer field, "contact_*", "plan_*", "grade", "owner", "sales:<year>"
    label: Any
    synonyms: tuple[str, ...] = ()
    parser: Callable[[Any], Any] = cells.clean_text
    max_length: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _len(model: Any, name: str) -> int | None:
    return getattr(model._meta.get_field(name), "max_length", None)


def _text(key: str, label: Any, *synonyms: str, model: Any = Customer, model_field: str | None = None) -> Column:
    return Column(key, label, synonyms, cells.clean_text, _len(model, model_field or key))


_priority = cells.choice_parser(Priority, strip=("客户",), field_label=gettext_lazy("维护优先级"))
_grade = cells.choice_parser(Grade, strip=("类", "级", "类客户", "级客户"), field_label=gettext_lazy("客户等级"))
_nature = cells.choice_parser(Nature, field_label=gettext_lazy("企业性质"))
_standing = cells.choice_parser(IndustryStanding, field_label=gettext_lazy("行业地位"))
_source = cells.choice_parser(InfoSource, field_label=gettext_lazy("信息来源"))

COLUMNS: list[Column] = [
    # --- 客户信息维护表 (SOP 表1), in its order
    _text("name", gettext_lazy("客户名称"), "客户名称", "客户", "名称", "公司名称", "单位名称", "企业名称", "客户全称"),
    _text(
        "contact_name", gettext_lazy("联系人"), "联系人", "联系人姓名", "负责人姓名", model=Contact, model_field="name"
    ),
    _text(
        "contact_position", gettext_lazy("职务"), "职务", "职位", "联系人职务", model=Contact, model_field="position"
    ),
    Column("contact_info", gettext_lazy("联系方式"), ("联系方式", "联系人联系方式"), cells.parse_contact_info),
    Column(
        "cooperation_since",
        gettext_lazy("合作起始时间"),
        ("合作起始时间", "合作起始日期", "合作开始日期", "合作日期", "开始合作时间", "合作开始时间"),
        cells.parse_date,
    ),
    _text(
        "main_products",
        gettext_lazy("合作项目/产品"),
        "合作项目/产品",
        "合作项目",
        "合作产品",
        "购买产品",
        "购买的产品",
        "购买的产品/项目",
        "产品",
    ),
    _text("preferences", gettext_lazy("需求偏好"), "需求偏好", "需求与偏好", "偏好", "需求"),
    Column(
        "plan_last_contact_on",
        gettext_lazy("上次沟通时间"),
        ("上次沟通时间", "上次沟通日期", "上次联系时间", "最近沟通时间"),
        cells.parse_past_date,
    ),
    Column(
        "plan_next_due_on",
        gettext_lazy("下次沟通计划"),
        ("下次沟通计划", "下次沟通时间", "下次沟通日期", "下次联系时间"),
        cells.parse_date,
    ),
    Column("priority", gettext_lazy("维护优先级"), ("维护优先级", "优先级", "客户类型", "客户类别"), _priority),
    # --- the archive's other fields (客户档案管理方案 三)
    Column("grade", gettext_lazy("客户等级"), ("客户等级", "等级", "级别", "分级", "abc分类"), _grade),
    Column("owner", gettext_lazy("负责人"), ("负责人", "客户经理", "业务员", "跟进人")),
    _text("region", gettext_lazy("地区"), "地区", "区域", "省份", "城市", "所在地区"),
    _text("address", gettext_lazy("地址"), "地址", "公司地址", "通讯地址", "详细地址"),
    _text("postcode", gettext_lazy("邮编"), "邮编", "邮政编码"),
    Column("phone", gettext_lazy("电话"), ("电话", "公司电话", "联系电话", "座机", "办公电话"), cells.parse_phone, 40),
    Column("fax", gettext_lazy("传真"), ("传真", "传真号码"), cells.parse_phone, 40),
    Column(
        "email",
        gettext_lazy("邮箱"),
        ("邮箱", "电子邮箱", "email", "e-mail", "邮件", "公司邮箱"),
        cells.parse_email,
        254,
    ),
    _text("website", gettext_lazy("网址"), "网址", "网站", "公司网址", "主页"),
    Column("founded_on", gettext_lazy("成立日期"), ("成立日期", "成立时间", "注册日期"), cells.parse_past_date),
    Column("registered_capital", gettext_lazy("注册资本"), ("注册资本", "注册资金"), cells.parse_money),
    _text("legal_representative", gettext_lazy("法定代表人"), "法定代表人", "法人代表", "法人"),
    _text("main_shareholders", gettext_lazy("主要股东"), "主要股东", "股东"),
    _text("bank", gettext_lazy("开户银行"), "开户银行", "开户行"),
    _text("bank_account", gettext_lazy("银行账号"), "银行账号", "账号", "银行帐号"),
    Column(
        "staff_chinese", gettext_lazy("中方员工人数"), ("中方员工人数", "员工人数", "人数", "员工数"), cells.parse_count
    ),
    Column("staff_foreign", gettext_lazy("外方员工人数"), ("外方员工人数", "外籍员工人数"), cells.parse_count),
    Column("nature", gettext_lazy("企业性质"), ("企业性质", "公司性质", "企业类型"), _nature),
    Column("industry_standing", gettext_lazy("行业地位"), ("行业地位",), _standing),
    _text("main_business", gettext_lazy("主营业务"), "主营业务"),
    _text("additional_business", gettext_lazy("兼营业务"), "兼营业务"),
    _text("business_scope", gettext_lazy("经营范围"), "经营范围"),
    _text("culture_strategy", gettext_lazy("企业文化与发展战略"), "企业文化与发展战略", "企业文化", "发展战略"),
    _text("recent_developments", gettext_lazy("近期动态"), "近期动态", "最新动态"),
    _text("credit_rating", gettext_lazy("信用等级"), "信用等级", "信用状况", "信用"),
    _text("our_advantages", gettext_lazy("我方优势"), "我方优势"),
    _text("our_disadvantages", gettext_lazy("我方劣势及对策"), "我方劣势及对策", "我方劣势"),
    Column("deal_probability", gettext_lazy("成交可能性"), ("成交可能性", "成交概率"), cells.parse_percent),
    Column("info_source", gettext_lazy("信息来源"), ("信息来源", "收集渠道", "来源"), _source),
    Column(
        "contact_mobile",
        gettext_lazy("手机"),
        ("手机", "手机号", "手机号码", "移动电话", "联系人手机"),
        cells.parse_phone,
        40,
    ),
    Column("contact_direct_line", gettext_lazy("直线电话"), ("直线电话", "联系人电话", "直线"), cells.parse_phone, 40),
    Column("contact_email", gettext_lazy("联系人邮箱"), ("联系人邮箱", "联系人email"), cells.parse_email, 254),
]
BY_KEY = {column.key: column for column in COLUMNS}
# Sales of a year (近三年销售额): "2025年销售额", "2025 销售额（万元）", "销售额2025".
_SALES_WORD = "(?:销售额|销售收入|营业额|营收|销售)"
_SALES = re.compile(rf"^(?:(\d{{4}})年?度?{_SALES_WORD}|{_SALES_WORD}(\d{{4}})年?度?)$")
_BRACKETS = re.compile(r"[(（\[【](.*?)[)）\]】]")


def header_key(text: Any) -> str:
    """How a header is compared: NFKC, lower case, no spaces, no trailing * (SOP's 联系人*), no unit."""
    key = "".join(cells.clean_text(text).lower().split()).rstrip("*:：")
    return _BRACKETS.sub("", key).replace("必填", "")


_LOOKUP = {header_key(s): column for column in COLUMNS for s in column.synonyms}


def resolve(header: str) -> Column | None:
    """The column a header names, with its unit (万元) folded into the parser."""
    key = header_key(header)
    unit = Decimal(10_000) if "万元" in header or "万" in "".join(_BRACKETS.findall(header)) else Decimal(1)
    if match := _SALES.match(key):
        year = int(match[1] or match[2])
        if 1990 <= year <= 2100:
            return Column(
                f"sales:{year}",
                gettext_lazy("%(year)s 年销售额") % {"year": year},
                parser=partial(cells.parse_money, unit=unit),
            )
        return None
    column = _LOOKUP.get(key)
    if column is not None and column.parser is cells.parse_money and unit != 1:
        return Column(column.key, column.label, column.synonyms, partial(cells.parse_money, unit=unit))
    return column


def label(key: str) -> str:
    if key.startswith("sales:"):
        return str(gettext_lazy("%(year)s 年销售额") % {"year": key.split(":", 1)[1]})
    column = BY_KEY.get(key)
    return str(column.label) if column else key
