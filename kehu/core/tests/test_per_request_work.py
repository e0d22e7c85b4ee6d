"""Work done once instead of on every request (issue 16): serializer fields built once per class,
links reversed once per name and arguments. What a user sees must not change."""

from __future__ import annotations

import pytest
from django.template import engines
from django.urls import NoReverseMatch, reverse, set_script_prefix
from rest_framework import serializers

from kehu.customers.api.serializers import ContactSerializer, CustomerSerializer


def test_each_serializer_gets_its_own_fields_equal_to_what_drf_builds():
    first, second = CustomerSerializer(), CustomerSerializer()
    built = serializers.ModelSerializer.get_fields(first)  # DRF's own, field by field from the model
    assert list(first.fields) == list(built) == list(second.fields)
    for name, field in first.fields.items():
        other = second.fields[name]
        assert field is not other and field.parent is first and other.parent is second
        assert type(field) is type(built[name])
        assert (field.read_only, field.required) == (built[name].read_only, built[name].required)
    # a class with other fields is not handed the first one's
    assert set(ContactSerializer().fields) != set(first.fields)


def _render(source: str, **context: object) -> str:
    return engines["django"].from_string(source).render(context)


def test_a_link_is_the_path_django_reverses_for_its_arguments_and_prefix():
    assert _render("{% url 'customers:detail' pk %}", pk=7) == reverse("customers:detail", args=[7])
    assert _render("{% url 'customers:detail' pk %}", pk=8) == reverse("customers:detail", args=[8])
    assert _render("{% url 'customers:list' as where %}[{{ where }}]") == f"[{reverse('customers:list')}]"
    set_script_prefix("/kehu/")  # served under a sub-path: the remembered path must not be reused
    try:
        under_prefix = _render("{% url 'customers:detail' pk %}", pk=7)
        assert under_prefix.startswith("/kehu/") and under_prefix == reverse("customers:detail", args=[7])
    finally:
        set_script_prefix("/")
    assert _render("{% url 'customers:detail' pk %}", pk=7) == reverse("customers:detail", args=[7])


def test_a_link_that_does_not_exist_still_fails_loudly_unless_asked_for_as_a_variable():
    with pytest.raises(NoReverseMatch):
        _render("{% url 'customers:no_such_page' %}")
    assert _render("{% url 'customers:no_such_page' as where %}[{{ where }}]") == "[]"


@pytest.mark.django_db
def test_a_row_reads_the_same_as_drf_reads_it(users):
    from kehu.customers.models import Customer
    from kehu.customers.services import contact_create, customer_create

    customer = customer_create(actor=users["sales"], name="天讯科技有限公司", phone="021-5566 7788", region="上海")
    contact = contact_create(actor=users["admin"], customer=customer, name="张伟", mobile="138-0013-8000")
    customer = Customer.objects.select_related("owner").get(pk=customer.pk)  # search_text deferred, as pages read it
    for serializer, row in ((CustomerSerializer(), customer), (ContactSerializer(), contact)):
        ours = serializer.to_representation(row)
        drf = serializers.Serializer.to_representation(serializer, row)
        assert ours == drf and ours["name"] == row.name
    assert CustomerSerializer().to_representation(customer)["owner_name"] == str(users["sales"])


def test_a_field_that_reads_for_itself_is_asked_to():
    from kehu.access.drf import ScopedModelSerializer
    from kehu.customers.models import Customer

    class Shouting(serializers.CharField):
        def get_attribute(self, instance: object) -> str:
            return str(super().get_attribute(instance)).upper()

    class NameSerializer(ScopedModelSerializer):
        name = Shouting()

        class Meta:
            model = Customer
            fields = ["name", "region"]

    row = NameSerializer().to_representation(Customer(name="tianxun", region="上海"))
    assert row == {"name": "TIANXUN", "region": "上海"}


TRANSLATE_CASES = [
    '{% load i18n %}{% translate "客户档案" %}',  # a label both languages ship
    '{% load i18n %}{% trans "退出" %}',
    '{% load i18n %}{% translate "成交可能性（%）" %}',  # a percent sign, doubled for gettext and restored
    "{% load i18n %}{% translate \"a <b> & 'c'\" %}",  # a template literal is trusted text: not escaped
    '{% load i18n %}{% translate "客户档案" as label %}[{{ label }}]',
    "{% load i18n %}{% translate \"a <b> & 'c'\" as label %}[{{ label }}]",  # still safe when kept as a variable
    '{% load i18n %}{% translate "客户档案"|upper %}',  # a filter: Django's own node
    '{% load i18n %}{% translate "客户档案" noop %}',
    '{% load i18n %}{% translate "May" context "month name" %}',
    "{% load i18n %}{% translate word %}",  # a variable: Django's own node
    "{% load i18n %}{% blocktranslate %}共 {{ n }} 条{% endblocktranslate %}",
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("source", TRANSLATE_CASES)
def test_a_translated_label_reads_exactly_as_djangos_translate_tag_gives_it(source, language):
    from django.template import Context, Engine
    from django.utils import translation

    django_engine = Engine(libraries={"i18n": "django.templatetags.i18n"})
    with translation.override(language):
        ours = _render(source, word="客户档案", n=3)
        theirs = django_engine.from_string(source).render(Context({"word": "客户档案", "n": 3}))
    assert ours == theirs


def test_labels_follow_the_language_of_the_request():
    from django.utils import translation

    from kehu.core.templatetags.kehu_i18n import ConstantTranslateNode

    source = '{% load i18n %}{% translate "客户档案" %}|{% translate "客户档案" as t %}{{ t }}'
    template = engines["django"].from_string(source)
    assert any(isinstance(node, ConstantTranslateNode) for node in template.template.nodelist)
    with translation.override("zh-hans"):
        assert template.render({}) == "客户档案|客户档案"
    with translation.override("en"):
        english = template.render({})
    assert english != "客户档案|客户档案" and "客户档案" not in english


def test_only_the_i18n_library_is_replaced_on_purpose():
    """settings silence templates.W003 for the i18n library Kehu replaces; any other name used twice
    by two tag modules would silently shadow one of them, so it fails here."""
    warnings = [w for w in engines["django"].check() if w.id == "templates.W003"]
    assert [w.msg for w in warnings] == [
        "'i18n' is used for multiple template tag modules: "
        "'django.templatetags.i18n', 'kehu.core.templatetags.kehu_i18n'"
    ]
