"""Templates are data: seeded for every type × moment × language × channel, rendered over a closed set of
strings; a missing variable fails the preview, never the send."""

import pytest
from django.test import Client

from ordex.cases.models import ExceptionType
from ordex.core.errors import InvalidInput
from ordex.notify import actions, render
from ordex.notify.admin import MessageTemplateForm
from ordex.notify.choices import Channel, Language, Moment
from ordex.notify.models import MessageTemplate


def test_every_type_moment_language_and_channel_is_seeded(db):
    types = ExceptionType.objects.count()
    assert types >= 30
    assert MessageTemplate.objects.count() == types * len(Moment) * len(Language) * 2
    assert set(MessageTemplate.objects.values_list("channel", flat=True)) == {Channel.EMAIL, Channel.SMS}


def test_every_seeded_template_previews_on_a_real_case_in_both_languages(open_case):
    previewed = 0
    for exception_type in ExceptionType.objects.all():
        case = open_case(exception_type.code)
        for language in Language.values:
            context = actions.message_context(case, language, link="http://testserver/c/x/")
            for template in MessageTemplate.objects.filter(exception_type=exception_type, language=language):
                rendered = render.preview(template.subject, template.body, context)
                assert case.order_no in rendered.subject + rendered.body
                previewed += 1
    assert previewed == MessageTemplate.objects.count()


def test_chinese_texts_apologise_and_say_what_comes_next(db):
    template = MessageTemplate.objects.get(exception_type__code="out_of_stock", moment=Moment.OPENED,
                                           language=Language.ZH_HANS, channel=Channel.EMAIL)
    assert "抱歉" in template.body and "接下来" in template.body


def test_unknown_variable_fails_the_preview_but_renders_empty_when_sending():
    with pytest.raises(InvalidInput) as refused:
        render.preview("", "您好 {{ customer }}，电话 {{ phone }}", {"customer": "张*"})
    assert refused.value.code == "template_missing_variable" and "phone" in refused.value.message
    assert render.render("", "您好 {{ customer }}，电话 {{ phone }}", {"customer": "张*"}).body == "您好 张*，电话"


def test_a_template_cannot_reach_data_beyond_its_strings():
    context = {"order_no": "T-1"}
    with pytest.raises(InvalidInput):
        render.preview("", "{{ order_no.customer.phone }}", context)
    with pytest.raises(InvalidInput) as refused:
        render.preview("", "{% load i18n %}{{ order_no }}", context)
    assert refused.value.code == "template_syntax"
    with pytest.raises(InvalidInput):
        render.preview("", '{% include "admin/base.html" %}', context)
    with pytest.raises(ValueError):
        render.preview("", "{{ order_no }}", {"order": object()})


def test_customer_name_is_masked_and_deadline_shown_in_shanghai_time(open_case):
    case = open_case()
    context = actions.message_context(case, Language.ZH_HANS, link="x")
    assert context["customer"] == "张*"
    assert context["amount"] == "¥99.00"


def test_admin_form_refuses_a_template_with_a_missing_variable(db):
    template = MessageTemplate.objects.filter(channel=Channel.SMS).first()
    form = MessageTemplateForm(instance=template, data={
        "exception_type": template.exception_type_id, "moment": template.moment, "language": template.language,
        "channel": template.channel, "subject": "", "body": "{{ customer.phone }}", "active": True})
    assert not form.is_valid()
    assert "customer" in str(form.errors)


def test_admin_previews_a_template_on_a_real_case(open_case, carol):
    case = open_case("wrong_item")
    template = MessageTemplate.objects.get(exception_type__code="wrong_item", moment=Moment.OPENED,
                                           language=Language.ZH_HANS, channel=Channel.EMAIL)
    client = Client()
    client.force_login(carol)
    page = client.get(f"/admin/notify/messagetemplate/{template.pk}/change/?case={case.pk}")
    assert page.status_code == 200
    assert f"工单 #{case.pk}" in page.content.decode() and case.order_no in page.content.decode()
