"""Survey services (writes): templates, waves, sending, reminders, the public answer steps.

Every function is keyword-only, atomic and names its actor; the public steps act for the
customer behind a signed link (actor None) and take the invitation the link resolved to.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.access import roles
from kehu.core import events
from kehu.core.exceptions import DomainError
from kehu.customers.models import Customer, Transaction

from . import delivery, links, text
from .choices import DeliveryChannel, InvitationStatus, Privacy, QuestionKind, WaveStatus
from .models import (
    Dimension,
    SurveyAnswer,
    SurveyInvitation,
    SurveyKeyword,
    SurveyQuestion,
    SurveyResponse,
    SurveyTemplate,
    SurveyWave,
)

MAX_TEXT = 2000


def quiet_days() -> int:
    return int(str(settings.KEHU.get("SURVEY_QUIET_DAYS", 30)))


def can_manage_surveys(user: Any) -> bool:
    """Customer service runs the surveys (SOP 满意度管理); marketing managers and above as well."""
    return roles.is_customer_service(user) or roles.is_marketing_manager_or_above(user)


def _require_manager(actor: Any) -> None:
    if not can_manage_surveys(actor):
        raise DomainError(_("只有客服部或市场营销经理以上人员可以管理满意度调查。"))


# --- templates ---------------------------------------------------------------------------------


def _question_rows(template: SurveyTemplate, questions: list[dict[str, Any]]) -> None:
    """Create the questions; `show_if` names an earlier question by its position in the list (0-based)."""
    if not questions:
        raise DomainError(_("问卷至少需要一个问题。"), field_errors={"questions": [_("问卷至少需要一个问题。")]})
    dimensions = {d.code: d for d in Dimension.objects.all()}
    made: list[SurveyQuestion] = []
    for index, spec in enumerate(questions):
        kind = str(spec.get("kind", ""))
        if kind not in QuestionKind.values:
            raise DomainError(_("第 %(n)s 题的题型无效。") % {"n": index + 1}, field_errors={"questions": [kind]})
        label = str(spec.get("text", "")).strip()
        if not label:
            raise DomainError(_("第 %(n)s 题缺少题目。") % {"n": index + 1})
        options = [str(o).strip() for o in spec.get("options") or [] if str(o).strip()]
        if kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(options) < 2:
            raise DomainError(_("第 %(n)s 题（选择题）至少需要两个选项。") % {"n": index + 1})
        dimension = None
        if spec.get("dimension"):
            dimension = dimensions.get(str(spec["dimension"]))
            if dimension is None:
                raise DomainError(_("第 %(n)s 题的维度不存在。") % {"n": index + 1})
        show_if = None
        if spec.get("show_if") is not None:
            ref = spec["show_if"]
            if not isinstance(ref, int) or not 0 <= ref < index:
                raise DomainError(_("第 %(n)s 题的显示条件必须指向前面的题目。") % {"n": index + 1})
            show_if = made[ref]
        made.append(
            SurveyQuestion.objects.create(
                template=template,
                position=index,
                kind=kind,
                text=label[:300],
                text_en=str(spec.get("text_en", ""))[:300],
                dimension=dimension,
                options=options,
                required=bool(spec.get("required", True)),
                show_if=show_if,
                show_if_values=[str(v) for v in spec.get("show_if_values") or []],
            )
        )


@transaction.atomic
def template_create(
    *, actor: Any, code: str, name: str, questions: list[dict[str, Any]], intro: str = ""
) -> SurveyTemplate:
    _require_manager(actor)
    if SurveyTemplate.objects.filter(code=code).exists():
        raise DomainError(_("代码已被使用。"), field_errors={"code": [_("代码已被使用。")]})
    template = SurveyTemplate.objects.create(code=code, name=name, intro=intro, created_by=actor)
    _question_rows(template, questions)
    return template


def template_is_used(template: SurveyTemplate) -> bool:
    return SurveyWave.objects.filter(template=template).exclude(status=WaveStatus.DRAFT).exists()


@transaction.atomic
def template_revise(
    *,
    actor: Any,
    template: SurveyTemplate,
    questions: list[dict[str, Any]],
    name: str | None = None,
    intro: str | None = None,
) -> SurveyTemplate:
    """Edit a template: in place while no wave was sent with it, else as the next version."""
    _require_manager(actor)
    template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
    if not template.is_current:
        raise DomainError(_("只能修改当前版本。"))
    if template_is_used(template):
        template.is_current = False
        template.save(update_fields=["is_current"])
        template = SurveyTemplate.objects.create(
            code=template.code,
            version=template.version + 1,
            name=name or template.name,
            intro=template.intro if intro is None else intro,
            created_by=actor,
        )
    else:
        template.name = name or template.name
        template.intro = template.intro if intro is None else intro
        template.save(update_fields=["name", "intro"])
        template.questions.all().delete()
    _question_rows(template, questions)
    return template


# --- waves -------------------------------------------------------------------------------------


def segment_customers(actor: Any, segment: dict[str, Any]) -> QuerySet[Customer]:
    """A simple saved segment: grade(s), region, owner, product, and "due" under the grade policy."""
    queryset = Customer.objects.restrict(actor, "view").filter(is_archived=False)
    grades = segment.get("grade") or []
    if isinstance(grades, str):
        grades = [grades]
    if grades:
        queryset = queryset.filter(grade__in=[str(g) for g in grades])
    if segment.get("region"):
        queryset = queryset.filter(region__icontains=str(segment["region"])[:60])
    if segment.get("owner"):
        queryset = queryset.filter(owner_id=int(segment["owner"]))
    if segment.get("product"):
        product = str(segment["product"])[:100]
        sold = Transaction.objects.unscoped("a condition inside the actor's restricted customers").filter(
            customer=OuterRef("pk"), product__icontains=product
        )
        queryset = queryset.filter(Q(main_products__icontains=product) | Exists(sold))
    if segment.get("due"):
        from .schedule import survey_due_condition

        queryset = queryset.filter(survey_due_condition(timezone.now()))
    return queryset


def _validate_segment(segment: Any) -> dict[str, Any]:
    if not isinstance(segment, dict):
        raise DomainError(_("客户范围格式无效。"), field_errors={"segment": [_("客户范围格式无效。")]})
    allowed = {"grade", "region", "owner", "product", "due"}
    unknown = set(segment) - allowed
    if unknown:
        raise DomainError(
            _("客户范围只支持：%(keys)s") % {"keys": ", ".join(sorted(allowed))},
            field_errors={"segment": sorted(unknown)},
        )
    owner = segment.get("owner")
    if owner not in (None, "") and not str(owner).isdigit():
        raise DomainError(_("负责人编号无效。"), field_errors={"segment": ["owner"]})
    return segment


def in_quiet_period(customer_ids: Iterable[int], *, now: dt.datetime | None = None) -> set[int]:
    """Customers surveyed within the quiet period, or visited after a complaint (a complaint survey)."""
    from kehu.engagement.choices import FollowUpStatus, FollowUpType
    from kehu.engagement.models import FollowUp

    now = now or timezone.now()
    since = now - dt.timedelta(days=quiet_days())
    ids = list(customer_ids)
    quiet: set[int] = set()
    for chunk_start in range(0, len(ids), 900):
        chunk = ids[chunk_start : chunk_start + 900]
        quiet |= set(
            SurveyInvitation.objects.unscoped("quiet-period check over customers the actor chose")
            .filter(customer_id__in=chunk, sent_at__gte=since)
            .values_list("customer_id", flat=True)
        )
        quiet |= set(
            FollowUp.objects.unscoped("quiet-period check over customers the actor chose")
            .filter(customer_id__in=chunk, type=FollowUpType.AFTER_COMPLAINT)
            .filter(Q(status=FollowUpStatus.DONE, done_at__gte=since) | Q(status=FollowUpStatus.PLANNED))
            .values_list("customer_id", flat=True)
        )
    return quiet


def _expires_at(closes_on: dt.date) -> dt.datetime:
    end = dt.datetime.combine(closes_on + dt.timedelta(days=1), dt.time(0))
    return timezone.make_aware(end, timezone.get_current_timezone())


@transaction.atomic
def wave_create(
    *,
    actor: Any,
    name: str,
    template: SurveyTemplate,
    closes_on: dt.date,
    customers: list[int] | None = None,
    segment: dict[str, Any] | None = None,
    privacy: str = Privacy.NAMED,
    channel: str = DeliveryChannel.EMAIL,
    low_rating: int = 2,
    low_nps: int = 6,
) -> SurveyWave:
    """A wave with one invitation per customer; customers in their quiet period are left out."""
    _require_manager(actor)
    if closes_on <= timezone.localdate():
        raise DomainError(_("截止日期必须晚于今天。"), field_errors={"closes_on": [_("截止日期必须晚于今天。")]})
    if privacy not in Privacy.values:
        raise DomainError(_("隐私模式无效。"), field_errors={"privacy": [_("隐私模式无效。")]})
    if channel not in DeliveryChannel.values:
        raise DomainError(_("发送方式无效。"), field_errors={"channel": [_("发送方式无效。")]})
    if not 1 <= low_rating <= 5 or not 0 <= low_nps <= 10:
        raise DomainError(_("低分阈值超出范围。"))
    if bool(customers) == bool(segment):
        raise DomainError(
            _("请指定客户或客户范围（二选一）。"), field_errors={"customers": [_("请指定客户或客户范围（二选一）。")]}
        )
    if customers:
        wanted = {int(c) for c in customers}
        chosen = list(
            Customer.objects.restrict(actor, "view")
            .filter(pk__in=wanted, is_archived=False)
            .values_list("pk", flat=True)
        )
        if len(chosen) != len(wanted):
            raise DomainError(
                _("有客户不存在或您无权查看。"),
                field_errors={"customers": [str(pk) for pk in sorted(wanted - set(chosen))]},
            )
        stored_segment: dict[str, Any] = {}
    else:
        stored_segment = _validate_segment(segment)
        chosen = list(segment_customers(actor, stored_segment).values_list("pk", flat=True))
    quiet = in_quiet_period(chosen)
    invited = [pk for pk in chosen if pk not in quiet]
    if not invited:
        raise DomainError(_("没有可邀请的客户（或都在免打扰期内）。"))
    wave = SurveyWave.objects.create(
        name=name.strip()[:120] or template.name,
        template=template,
        privacy=privacy,
        channel=channel,
        closes_on=closes_on,
        segment={**stored_segment, "skipped_quiet": len(quiet & set(chosen))},
        low_rating=low_rating,
        low_nps=low_nps,
        created_by=actor,
    )
    expires = _expires_at(closes_on)
    main_contacts = _main_contacts(invited)
    SurveyInvitation.objects.bulk_create(
        [
            SurveyInvitation(
                wave=wave, customer_id=pk, contact_id=main_contacts.get(pk), nonce=links.new_nonce(), expires_at=expires
            )
            for pk in invited
        ],
        batch_size=1000,
    )
    return wave


def _main_contacts(customer_ids: list[int]) -> dict[int, int]:
    from kehu.customers.models import Contact

    found: dict[int, int] = {}
    for start in range(0, len(customer_ids), 900):
        rows = (
            Contact.objects.unscoped("the main contact of customers the actor may view, for the invitation")
            .filter(customer_id__in=customer_ids[start : start + 900])
            .order_by("customer_id", "-is_main_contact", "id")
            .values_list("customer_id", "pk")
        )
        for customer_id, pk in rows:
            found.setdefault(customer_id, pk)
    return found


def invitation_path(invitation: SurveyInvitation) -> str:
    from django.urls import reverse

    return reverse("feedback_public:survey", args=[links.make_token("s", invitation.pk, invitation.nonce)])


def _deliver(invitation: SurveyInvitation, base_url: str, *, reminder: bool) -> bool:
    """Queue the message for one invitation; QR and WeCom/DingTalk waves are handed out by staff."""
    wave = invitation.wave
    url = base_url.rstrip("/") + invitation_path(invitation)
    if wave.channel != DeliveryChannel.EMAIL:
        return True
    to = (invitation.contact.email if invitation.contact else "") or invitation.customer.email
    if not to:
        return False
    subject, body = text.invitation_mail(invitation, url, reminder=reminder)
    delivery.send(
        channel="email",
        to=to,
        subject=subject,
        body=body,
        customer=invitation.customer,
        contact=invitation.contact,
        related=f"survey_invitation:{invitation.pk}",
    )
    return True


@transaction.atomic
def wave_send(*, actor: Any, wave: SurveyWave, base_url: str) -> int:
    """Send every pending invitation; returns how many went out (an e-mail wave skips customers without an address)."""
    _require_manager(actor)
    wave = SurveyWave.objects.select_for_update().get(pk=wave.pk)
    if wave.status == WaveStatus.CLOSED:
        raise DomainError(_("该调查已结束。"))
    now = timezone.now()
    sent_ids: list[int] = []
    pending = (
        SurveyInvitation.objects.unscoped("the wave's own invitations, sent by its manager")
        .filter(wave=wave, status=InvitationStatus.PENDING)
        .select_related("customer", "contact", "wave")
    )
    for invitation in pending.iterator(chunk_size=500):
        if _deliver(invitation, base_url, reminder=False):
            sent_ids.append(invitation.pk)
    for start in range(0, len(sent_ids), 900):
        SurveyInvitation.objects.unscoped("marking the invitations just sent").filter(
            pk__in=sent_ids[start : start + 900]
        ).update(status=InvitationStatus.SENT, sent_at=now)
    wave.status = WaveStatus.SENT
    wave.sent_at = wave.sent_at or now
    wave.link_base = base_url[:200]
    wave.save(update_fields=["status", "sent_at", "link_base", "updated_at"])
    return len(sent_ids)


@transaction.atomic
def wave_remind(*, actor: Any, wave: SurveyWave, base_url: str) -> int:
    """Remind everyone who has not completed yet (and whose link still works)."""
    _require_manager(actor)
    if wave.status != WaveStatus.SENT:
        raise DomainError(_("只有已发送且未结束的调查可以提醒。"))
    now = timezone.now()
    reminded = 0
    open_ones = (
        SurveyInvitation.objects.unscoped("the wave's own invitations, reminded by its manager")
        .filter(wave=wave, completed_at__isnull=True, sent_at__isnull=False, expires_at__gt=now)
        .select_related("customer", "contact", "wave")
    )
    for invitation in open_ones.iterator(chunk_size=500):
        if wave.channel == DeliveryChannel.EMAIL and _deliver(invitation, base_url, reminder=True):
            SurveyInvitation.objects.unscoped("the invitation just reminded").filter(pk=invitation.pk).update(
                reminders=invitation.reminders + 1, last_reminded_at=now
            )
            reminded += 1
    return reminded


REMIND_AFTER_DAYS = 5
MAX_REMINDERS = 2


def reminders_sweep(*, now: dt.datetime | None = None) -> int:
    """The worker's daily run: e-mail waves remind whoever has not answered REMIND_AFTER_DAYS after the
    invitation or the last reminder (at most MAX_REMINDERS times); waves past their closing date close."""
    now = now or timezone.now()
    SurveyWave.objects.filter(status=WaveStatus.SENT, closes_on__lt=timezone.localdate(now)).update(
        status=WaveStatus.CLOSED, updated_at=now
    )
    cutoff = now - dt.timedelta(days=REMIND_AFTER_DAYS)
    reminded = 0
    for wave in SurveyWave.objects.filter(status=WaveStatus.SENT, channel=DeliveryChannel.EMAIL).exclude(link_base=""):
        due = (
            SurveyInvitation.objects.unscoped("the worker reminds non-responders of every wave")
            .filter(wave=wave, completed_at__isnull=True, sent_at__lte=cutoff, expires_at__gt=now)
            .filter(reminders__lt=MAX_REMINDERS)
            .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=cutoff))
            .select_related("customer", "contact", "wave")
        )
        for invitation in due.iterator(chunk_size=500):
            with transaction.atomic():
                if _deliver(invitation, wave.link_base, reminder=True):
                    SurveyInvitation.objects.unscoped("the invitation just reminded").filter(pk=invitation.pk).update(
                        reminders=invitation.reminders + 1, last_reminded_at=now
                    )
                    reminded += 1
    return reminded


@transaction.atomic
def wave_close(*, actor: Any, wave: SurveyWave) -> SurveyWave:
    _require_manager(actor)
    wave.status = WaveStatus.CLOSED
    wave.save(update_fields=["status", "updated_at"])
    return wave


# --- the public steps (actor: the customer behind the link) ----------------------------------


class LinkRefused(DomainError):
    """The link cannot be used: altered or unknown (404), already answered, expired or closed (410)."""

    def __init__(self, message: str, *, status: int = 410) -> None:
        super().__init__(message)
        self.status = status


def invitation_for_token(token: str) -> SurveyInvitation:
    parsed = links.read_token(token, "s")
    if parsed is None:
        raise LinkRefused(_("链接无效：请使用邀请中收到的完整链接。"), status=404)
    pk, nonce = parsed
    invitation = (
        SurveyInvitation.objects.unscoped("the customer behind a signed link reads their own invitation")
        .select_related("wave", "wave__template", "customer")
        .filter(pk=pk, nonce=nonce)
        .first()
    )
    if invitation is None:
        raise LinkRefused(_("链接无效：请使用邀请中收到的完整链接。"), status=404)
    return invitation


def check_open(invitation: SurveyInvitation) -> None:
    if invitation.completed_at is not None:
        raise LinkRefused(_("您已提交过这份问卷，感谢参与！每个链接只能提交一次，本次未做任何修改。"))
    if invitation.expires_at <= timezone.now() or invitation.wave.status == WaveStatus.CLOSED:
        raise LinkRefused(_("该调查链接已过期。如需参与，请联系您的客户经理。"))


def invitation_open(*, invitation: SurveyInvitation) -> None:
    if invitation.opened_at is None:
        now = timezone.now()
        SurveyInvitation.objects.unscoped("the customer behind a signed link").filter(
            pk=invitation.pk, opened_at__isnull=True
        ).update(opened_at=now, status=_later_status(invitation.status, InvitationStatus.OPENED))
        invitation.opened_at = now


_ORDER = [s.value for s in InvitationStatus]


def _later_status(current: str, new: str) -> str:
    return new if _ORDER.index(new) > _ORDER.index(current) else current


def questions_of(template: SurveyTemplate) -> list[SurveyQuestion]:
    return list(template.questions.select_related("dimension").order_by("position", "id"))


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value.strip()) < 4:
        return int(value.strip())
    return None


def _clean_answer(question: SurveyQuestion, value: Any) -> Any:
    """One answer as stored, or None when empty; DomainError for a value outside the question."""
    if value in (None, "", []):
        return None
    bad = DomainError(
        _("“%(q)s”的答案无效。") % {"q": question.text}, field_errors={str(question.pk): [_("答案无效。")]}
    )
    if question.kind in (QuestionKind.RATING, QuestionKind.NPS):
        number = _as_int(value[0] if isinstance(value, list) and len(value) == 1 else value)
        low, high = (1, 5) if question.kind == QuestionKind.RATING else (0, 10)
        if number is None or not low <= number <= high:
            raise bad
        return number
    if question.kind == QuestionKind.SINGLE:
        choice = value[0] if isinstance(value, list) and len(value) == 1 else value
        if not isinstance(choice, str) or choice not in question.options:
            raise bad
        return choice
    if question.kind == QuestionKind.MULTIPLE:
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) and v in question.options for v in values):
            raise bad
        return sorted(set(values), key=question.options.index)
    if not isinstance(value, str):
        raise bad
    return value.strip()[:MAX_TEXT] or None


def visible(question: SurveyQuestion, answers: dict[int, Any]) -> bool:
    if question.show_if_id is None:
        return True
    given = answers.get(question.show_if_id)
    given_values = [str(v) for v in given] if isinstance(given, list) else [str(given)] if given is not None else []
    return any(v in question.show_if_values for v in given_values)


def clean_answers(questions: list[SurveyQuestion], raw: Any, *, partial: bool) -> dict[int, Any]:
    """{question id: value} from a form or JSON; unknown ids are refused, hidden questions dropped."""
    if not isinstance(raw, dict):
        raise DomainError(_("answers 必须是以题目编号为键的对象。"))
    by_id = {q.pk: q for q in questions}
    cleaned: dict[int, Any] = {}
    for key, value in raw.items():
        number = _as_int(str(key)) if str(key).isdigit() and len(str(key)) < 12 else None
        if number is None or number not in by_id:
            raise DomainError(_("题目编号 %(id)s 不属于这份问卷。") % {"id": str(key)[:20]})
        answer = _clean_answer(by_id[number], value)
        if answer is not None:
            cleaned[number] = answer
    if partial:
        return cleaned
    missing = []
    for question in questions:
        if not visible(question, cleaned):
            cleaned.pop(question.pk, None)
        elif question.required and question.pk not in cleaned:
            missing.append(question)
    if missing:
        raise DomainError(
            _("请回答：%(questions)s") % {"questions": "；".join(q.text for q in missing[:5])},
            field_errors={str(q.pk): [_("此题必答。")] for q in missing},
        )
    return cleaned


@transaction.atomic
def invitation_autosave(*, invitation: SurveyInvitation, answers: Any) -> None:
    """Keep what the customer typed so far (a reload loses nothing)."""
    check_open(invitation)
    cleaned = clean_answers(questions_of(invitation.wave.template), answers, partial=True)
    now = timezone.now()
    draft = {str(k): v for k, v in cleaned.items()}
    SurveyInvitation.objects.unscoped("the customer behind a signed link").filter(
        pk=invitation.pk, completed_at__isnull=True
    ).update(
        draft=draft,
        started_at=invitation.started_at or now,
        opened_at=invitation.opened_at or now,
        status=_later_status(invitation.status, InvitationStatus.STARTED),
    )


@transaction.atomic
def response_submit(*, invitation: SurveyInvitation, answers: Any) -> SurveyResponse:
    """Store the answers once. The row lock makes a second submission (even a racing one) refused."""
    locked = (
        SurveyInvitation.objects.unscoped("the customer behind a signed link")
        .select_for_update()
        .select_related("wave", "wave__template", "customer")
        .get(pk=invitation.pk)
    )
    check_open(locked)
    wave = locked.wave
    questions = questions_of(wave.template)
    cleaned = clean_answers(questions, answers, partial=False)
    anonymous = wave.privacy == Privacy.ANONYMOUS
    customer = locked.customer
    ratings = [v for q in questions if q.kind == QuestionKind.RATING and (v := cleaned.get(q.pk)) is not None]
    nps_values = [v for q in questions if q.kind == QuestionKind.NPS and (v := cleaned.get(q.pk)) is not None]
    now = timezone.now()
    response = SurveyResponse.objects.create(
        wave=wave,
        invitation=None if anonymous else locked,
        customer=None if anonymous else customer,
        grade=customer.grade,
        region=customer.region[:60],
        submitted_at=now,
        lowest_rating=min(ratings) if ratings else None,
        nps=nps_values[0] if nps_values else None,
    )
    rows = []
    for question in questions:
        if question.pk not in cleaned:
            continue
        value = cleaned[question.pk]
        row = SurveyAnswer(
            response=response,
            wave=wave,
            question=question,
            customer=None if anonymous else customer,
            grade=customer.grade,
        )
        if question.kind in (QuestionKind.RATING, QuestionKind.NPS):
            row.number = value
        elif question.kind == QuestionKind.SINGLE:
            row.choices = [value]
        elif question.kind == QuestionKind.MULTIPLE:
            row.choices = value
        else:
            row.text = value
            row.keywords = text.keywords(value)
        rows.append(row)
    SurveyAnswer.objects.bulk_create(rows)
    words = {word for row in rows for word in row.keywords}
    SurveyKeyword.objects.bulk_create(
        [SurveyKeyword(wave=wave, response=response, grade=customer.grade, keyword=word[:40]) for word in sorted(words)]
    )
    SurveyInvitation.objects.unscoped("the customer behind a signed link").filter(pk=locked.pk).update(
        completed_at=now,
        status=InvitationStatus.COMPLETED,
        draft={},
        started_at=locked.started_at or now,
        opened_at=locked.opened_at or now,
    )
    low = (response.lowest_rating is not None and response.lowest_rating <= wave.low_rating) or (
        response.nps is not None and response.nps <= wave.low_nps
    )
    if low and not anonymous:
        response.followup_requested = True
        response.save(update_fields=["followup_requested"])
        events.publish(
            "survey_low_score",
            customer_id=customer.pk,
            response_id=response.pk,
            wave_id=wave.pk,
            note=text.low_score_note(wave, response),
            actor_id=None,
        )
    return response
