"""The assistant's evaluation set: articles, questions phrased differently from them, and questions
no article answers. Used by the tests (thresholds) and by `make bench` (printed shares)."""

from __future__ import annotations

from typing import Any

ARTICLES: list[dict[str, str]] = [
    {
        "key": "invoice",
        "title": "如何申请开具增值税发票",
        "body": "付款完成后，在客户后台“财务-发票申请”填写开票抬头、税号和邮寄地址，"
        "财务部在 5 个工作日内开具增值税专用发票或普通发票并快递寄出。",
    },
    {
        "key": "return",
        "title": "退货流程和条件",
        "body": "收到货物 7 天内，产品未使用且包装完好，"
        "可以申请退货。请联系客服登记退货单号，将货物寄回仓库，验收后办理。",
    },
    {
        "key": "refund",
        "title": "退款多久到账",
        "body": "退货验收通过后，退款原路返回，银行转账一般 3 到 7 个工作日到账，对公账户以银行处理时间为准。",
    },
    {
        "key": "warranty",
        "title": "产品保修政策",
        "body": "整机保修一年，主要部件保修三年。保修期内非人为损坏的故障免费维修，请保留购买凭证和设备序列号。",
    },
    {
        "key": "password",
        "title": "忘记登录密码怎么办",
        "body": "在登录页点击“忘记密码”，输入注册手机号获取验证码，"
        "即可重新设置密码。若手机号已更换，请联系管理员重置。",
    },
    {
        "key": "delivery",
        "title": "下单后多久发货",
        "body": "现货订单在付款后 48 小时内发货，定制产品按合同约定交期生产后发货，发货后系统会短信通知物流单号。",
    },
    {
        "key": "install",
        "title": "设备上门安装服务",
        "body": "设备到货后，技术支持工程师将在 3 个工作日内预约上门安装调试，安装服务免费，偏远地区另行约定。",
    },
    {
        "key": "payment",
        "title": "支持哪些付款方式",
        "body": "支持对公银行转账、支票和电子承兑汇票。合同金额较大时可以分期付款，具体以合同约定为准。",
    },
    {
        "key": "hours",
        "title": "客服热线和服务时间",
        "body": "客服热线 400-800-1234，服务时间为工作日 9:00 至 18:00，节假日可在线留言，我们会在下一个工作日回复。",
    },
    {
        "key": "contract",
        "title": "合同到期如何续签",
        "body": "合同到期前 30 天，客户经理会联系您确认续约意向，续签可沿用原合同条款，价格按当年报价执行。",
    },
    {
        "key": "remote",
        "title": "远程技术支持",
        "body": "设备出现软件故障时，可申请远程协助：安装远程工具后把设备编号告诉工程师，工程师远程诊断并排除故障。",
    },
    {
        "key": "training",
        "title": "新用户操作培训",
        "body": "新客户签约后提供一次免费的操作培训，可选线上或现场，培训内容包括日常操作、保养和常见故障处理。",
    },
]

# A draft about invoices that must never be used in an answer, however well it matches.
DRAFT = {"title": "发票开具新规定（草稿）", "body": "草稿：发票 开票 增值税发票 申请 开具 发票抬头 税号，未审核内容。"}

QUESTIONS: list[tuple[str, str]] = [
    ("我想开个专票，要怎么弄", "invoice"),
    ("开票需要提供哪些信息", "invoice"),
    ("东西不想要了可以退回吗", "return"),
    ("买的产品能退换货吗，有什么条件", "return"),
    ("退的钱什么时候能收到", "refund"),
    ("退费要几天到账", "refund"),
    ("设备坏了还在质保期内吗，维修要钱吗", "warranty"),
    ("质保是几年", "warranty"),
    ("密码忘了登不上去", "password"),
    ("账号口令怎么重设", "password"),
    ("下了订单什么时候送货", "delivery"),
    ("物流要几天能发出", "delivery"),
    ("你们能上门装机吗", "install"),
    ("安装调试收费吗", "install"),
    ("可以用承兑汇票支付吗", "payment"),
    ("能不能分期打款", "payment"),
    ("你们几点上班，热线是多少", "hours"),
    ("客服电话多少", "hours"),
    ("协议快到期了，怎么续约", "contract"),
    ("软件报错了，能远程帮我看看吗", "remote"),
    ("有没有操作教程或者培训", "training"),
    ("How long does a refund take", "refund"),
]

UNANSWERABLE: list[str] = [
    "你们公司老板叫什么名字",
    "明天天气怎么样",
    "你们在招聘销售吗",
    "可以帮我订一张去北京的机票吗",
    "公司股票代码是多少",
    "推荐一家附近的餐厅",
    "你们的竞争对手是谁",
    "我想投资你们公司",
    "你们的产品可以出口到国外吗",
    "设备的外壳是什么颜色",
]


def load(create: Any) -> tuple[dict[str, int], int]:
    """create(title=, body=, status=) -> article; returns ({key: id}, draft id)."""
    ids = {a["key"]: create(title=a["title"], body=a["body"], status="public").pk for a in ARTICLES}
    draft = create(title=DRAFT["title"], body=DRAFT["body"], status="draft").pk
    return ids, draft


def evaluate(ask: Any, ids: dict[str, int], draft_id: int) -> dict[str, Any]:
    """ask(question) -> (article_id or None, handed_over/refused bool). The shares the bench prints."""
    right = wrong = 0
    misses: list[str] = []
    draft_used = False
    for question, key in QUESTIONS:
        article_id, _refused = ask(question)
        draft_used |= article_id == draft_id
        if article_id == ids[key]:
            right += 1
        else:
            wrong += article_id is not None
            misses.append(question)
    refused = 0
    false_answers: list[str] = []
    for question in UNANSWERABLE:
        article_id, was_refused = ask(question)
        draft_used |= article_id == draft_id
        if article_id is None and was_refused:
            refused += 1
        else:
            false_answers.append(question)
    return {
        "answered_right": right / len(QUESTIONS),
        "answered_wrong": wrong / len(QUESTIONS),
        "unanswerable_handed_over": refused / len(UNANSWERABLE),
        "draft_used": draft_used,
        "missed": misses,
        "false_answers": false_answers,
    }
