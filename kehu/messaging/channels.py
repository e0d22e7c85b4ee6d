"""The channels behind one interface: `channel_for(name).send(message) -> provider reference`.

A channel raises SendError with `permanent=True` when trying again cannot help (a refused
address, a rejected template) and `permanent=False` for what may pass later (a timeout, a 5xx,
a provider's rate limit). Every endpoint is the company's own configuration (settings or rows);
no outside service is contacted that the company did not configure.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import smtplib
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _


class SendError(Exception):
    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason[:300]
        self.permanent = permanent


@dataclass
class Outgoing:
    delivery_id: int
    to: str
    subject: str
    body: str
    unsubscribe_url: str = ""
    user_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class Channel(Protocol):
    def send(self, message: Outgoing) -> str: ...


def messaging_conf(name: str, default: Any = None) -> Any:
    return getattr(settings, "KEHU_MESSAGING", {}).get(name, default)


def post_json(url: str, payload: dict[str, Any], *, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """POST JSON to a configured endpoint and return its JSON answer; HTTP failures become SendError."""
    if not url.startswith(("http://", "https://")):
        raise SendError(_("接口地址无效：%(url)s") % {"url": url}, permanent=True)
    data = json.dumps(payload, ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (scheme checked above; the company's own endpoint)
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    )
    return _open(request)


def get_json(url: str) -> dict[str, Any]:
    if not url.startswith(("http://", "https://")):
        raise SendError(_("接口地址无效：%(url)s") % {"url": url}, permanent=True)
    return _open(urllib.request.Request(url, method="GET"))  # noqa: S310 (scheme checked above)


def _open(request: urllib.request.Request) -> dict[str, Any]:
    timeout = messaging_conf("HTTP_TIMEOUT", 10)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (scheme checked)
            raw = response.read()
    except urllib.error.HTTPError as exc:
        # 429 and 5xx may pass later; any other 4xx is our request's fault and will not.
        permanent = 400 <= exc.code < 500 and exc.code != 429
        raise SendError(_("接口返回 HTTP %(code)s") % {"code": exc.code}, permanent=permanent) from exc
    except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
        raise SendError(_("无法连接接口：%(error)s") % {"error": exc}) from exc
    except http.client.HTTPException as exc:
        # a malformed answer or address: its text may quote the request's URL (and a secret in its query)
        raise SendError(_("接口应答无效：%(error)s") % {"error": type(exc).__name__}) from exc
    try:
        answer = json.loads(raw.decode("utf-8") or "{}")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SendError(_("接口返回的不是 JSON")) from exc
    return answer if isinstance(answer, dict) else {}


# --- e-mail -------------------------------------------------------------------------------------


class EmailChannel:
    def send(self, message: Outgoing) -> str:
        mail = EmailMessage(subject=message.subject, body=message.body, to=[message.to])
        if message.unsubscribe_url:
            # RFC 2369 / RFC 8058: mail clients offer their own one-click unsubscribe button.
            mail.extra_headers["List-Unsubscribe"] = f"<{message.unsubscribe_url}>"
            mail.extra_headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        mail.extra_headers["X-Kehu-Delivery"] = str(message.delivery_id)
        try:
            mail.send()
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendError(_("收件地址被拒绝：%(error)s") % {"error": exc.recipients}, permanent=True) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SendError(_("邮件服务器错误：%(error)s") % {"error": exc}) from exc
        return mail.extra_headers.get("Message-ID", "") or ""


# --- SMS through the provider's HTTP API ------------------------------------------------------


class SmsChannel:
    """A provider adapter: POST {phone, sign, template_id, params} signed with HMAC-SHA256.

    Chinese SMS providers only send approved templates; the template id per topic is
    configuration (KEHU_MESSAGING["SMS"]["TEMPLATES"]), the text goes in as a parameter.
    """

    def send(self, message: Outgoing) -> str:
        conf = messaging_conf("SMS", {}) or {}
        endpoint = conf.get("ENDPOINT", "")
        if not endpoint:
            raise SendError(_("未配置短信接口。"), permanent=True)
        topic = message.extra.get("topic", "")
        templates = conf.get("TEMPLATES", {}) or {}
        template_id = templates.get(topic) or templates.get("default", "")
        if not template_id:
            raise SendError(_("未配置主题“%(topic)s”的短信模板。") % {"topic": topic}, permanent=True)
        text = message.body
        if message.unsubscribe_url:
            label = _("退订")
            text = f"{text} {label}: {message.unsubscribe_url}"
        payload = {
            "phone": message.to,
            "sign_name": conf.get("SIGN_NAME", ""),
            "template_id": template_id,
            "params": {"content": text},
            "out_id": str(message.delivery_id),
        }
        timestamp = str(int(time.time()))
        body = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        signature = hmac.new(
            str(conf.get("SECRET", "")).encode(), f"{timestamp}\n{body}".encode(), hashlib.sha256
        ).hexdigest()
        answer = post_json(
            endpoint,
            payload,
            headers={
                "X-Access-Key": str(conf.get("ACCESS_KEY", "")),
                "X-Timestamp": timestamp,
                "X-Signature": signature,
            },
        )
        if str(answer.get("code", "")).upper() != "OK":
            code = str(answer.get("code", ""))
            # Throttling codes pass later; a refused number or template does not.
            permanent = "LIMIT" not in code.upper() and "THROTTL" not in code.upper()
            raise SendError(
                _("短信服务商拒绝：%(code)s %(message)s") % {"code": code, "message": answer.get("message", "")},
                permanent=permanent,
            )
        return str(answer.get("biz_id", ""))


# --- group robots ---------------------------------------------------------------------------------


def dingtalk_signed_url(webhook_url: str, secret: str, timestamp_ms: int) -> str:
    """DingTalk's 加签: sign = urlencode(base64(HMAC-SHA256(secret, f"{timestamp}\\n{secret}")))."""
    string_to_sign = f"{timestamp_ms}\n{secret}"
    digest = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    joiner = "&" if "?" in webhook_url else "?"
    return f"{webhook_url}{joiner}timestamp={timestamp_ms}&sign={sign}"


def _robot_answer(answer: dict[str, Any]) -> str:
    code = answer.get("errcode", 0)
    if code not in (0, "0"):
        # 45009 (WeCom) / 130101 (DingTalk): the robot's own rate limit, passes later.
        permanent = code not in (45009, 130101)
        raise SendError(
            _("机器人接口返回错误：%(code)s %(message)s") % {"code": code, "message": answer.get("errmsg", "")},
            permanent=permanent,
        )
    return ""


class RobotChannel:
    def __init__(self, kind: str) -> None:
        self.kind = kind

    def send(self, message: Outgoing) -> str:
        robot = message.extra["robot"]
        text = f"{message.subject}\n{message.body}".strip() if message.subject else message.body
        payload = {"msgtype": "text", "text": {"content": text}}
        url = robot.webhook_url
        if self.kind == "dingtalk" and robot.secret:
            url = dingtalk_signed_url(url, robot.secret, int(time.time() * 1000))
        return _robot_answer(post_json(url, payload))


# --- WeCom application messages -------------------------------------------------------------------


class WeComAppChannel:
    """企业微信应用消息: gettoken with corp id and secret, then message/send to a member's userid."""

    def send(self, message: Outgoing) -> str:
        conf = messaging_conf("WECOM_APP", {}) or {}
        base = str(conf.get("API_BASE", "")).rstrip("/")
        if not base or not conf.get("CORP_ID"):
            raise SendError(_("未配置企业微信应用。"), permanent=True)
        query = urllib.parse.urlencode({"corpid": conf["CORP_ID"], "corpsecret": conf.get("SECRET", "")})
        token = get_json(f"{base}/cgi-bin/gettoken?{query}")
        if token.get("errcode", 0) not in (0, "0") or not token.get("access_token"):
            raise SendError(_("企业微信获取令牌失败：%(message)s") % {"message": token.get("errmsg", "")})
        text = f"{message.subject}\n{message.body}".strip() if message.subject else message.body
        payload = {
            "touser": message.to,
            "msgtype": "text",
            "agentid": conf.get("AGENT_ID"),
            "text": {"content": text},
        }
        answer = post_json(
            f"{base}/cgi-bin/message/send?{urllib.parse.urlencode({'access_token': token['access_token']})}", payload
        )
        _robot_answer(answer)
        return str(answer.get("msgid", ""))


# --- DingTalk work notifications ------------------------------------------------------------------

# errcode -1 is DingTalk's "系统繁忙" (busy): it may pass later; any other refusal will not.
DINGTALK_PASSING = (-1, "-1")


class DingTalkAppChannel:
    """钉钉工作通知 to one person: an access token from the app's key and secret (gettoken), then a corp
    conversation message (topapi/message/corpconversation/asyncsend_v2) with the app's agent_id and the
    person's userid in userid_list. The secret travels only to the configured API and is never part of
    a SendError (what the caller logs)."""

    def send(self, message: Outgoing) -> str:
        conf = messaging_conf("DINGTALK_APP", {}) or {}
        base = str(conf.get("API_BASE", "")).rstrip("/")
        if not base or not conf.get("APP_KEY") or not conf.get("AGENT_ID"):
            raise SendError(_("未配置钉钉应用。"), permanent=True)
        query = urllib.parse.urlencode({"appkey": conf["APP_KEY"], "appsecret": conf.get("APP_SECRET", "")})
        token = get_json(f"{base}/gettoken?{query}")
        if token.get("errcode", 0) not in (0, "0") or not token.get("access_token"):
            raise SendError(_("钉钉获取令牌失败：%(message)s") % {"message": str(token.get("errmsg", ""))[:200]})
        text = f"{message.subject}\n{message.body}".strip() if message.subject else message.body
        payload = {
            "agent_id": conf["AGENT_ID"],
            "userid_list": message.to,
            "msg": {"msgtype": "text", "text": {"content": text}},
        }
        url = f"{base}/topapi/message/corpconversation/asyncsend_v2"
        answer = post_json(f"{url}?{urllib.parse.urlencode({'access_token': token['access_token']})}", payload)
        code = answer.get("errcode", 0)
        if code not in (0, "0"):
            raise SendError(
                _("钉钉工作通知发送失败：%(code)s %(message)s") % {"code": code, "message": answer.get("errmsg", "")},
                permanent=code not in DINGTALK_PASSING,
            )
        return str(answer.get("task_id", ""))


# --- in the app -----------------------------------------------------------------------------------


class InAppChannel:
    """A Notification row of kehu.access (the bell in the header)."""

    def send(self, message: Outgoing) -> str:
        from kehu.access.models import Notification

        if message.user_id is None:
            raise SendError(_("站内通知需要接收用户。"), permanent=True)
        text = message.subject or message.body
        note = Notification.objects.create(
            user_id=message.user_id, message=text[:300], url=str(message.extra.get("url", ""))[:300]
        )
        return str(note.pk)


# --- printed letters ----------------------------------------------------------------------------------


class LetterChannel:
    """A letter to print and post: a PDF in the document storage; `document` keeps its name."""

    def send(self, message: Outgoing) -> str:
        from .letters import letter_pdf_save

        return letter_pdf_save(message)


def channel_for(name: str) -> Channel:
    channels: dict[str, Channel] = {
        "email": EmailChannel(),
        "sms": SmsChannel(),
        "wecom_robot": RobotChannel("wecom"),
        "dingtalk_robot": RobotChannel("dingtalk"),
        "wecom_app": WeComAppChannel(),
        "dingtalk_app": DingTalkAppChannel(),
        "in_app": InAppChannel(),
        "letter": LetterChannel(),
    }
    return channels[name]
