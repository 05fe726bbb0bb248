"""The admin's configuration pages speak the admin's language: a zh-hans admin reads the resolutions settings'
names, field labels and help texts in Chinese, an English one in English."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from ordex.accounts.services import set_user_language
from ordex.resolutions.models import ApprovalLimit, CommerceSettings


def change_page(user, model, pk):
    client = Client()
    client.force_login(user)
    response = client.get(f"/admin/resolutions/{model._meta.model_name}/{pk}/change/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_zh_hans_admin_reads_the_commerce_settings_in_chinese(carol):
    set_user_language(carol, "zh-hans")
    page = change_page(carol, CommerceSettings, CommerceSettings.objects.get(shop=None).pk)
    assert "修改 商家对接设置" in page
    assert "执行方式" in page and "运费额度" in page and "确认时限（小时）" in page
    assert "订单可超出实付金额支付的现金（退货运费）" in page
    assert "已完成的动作超过此时长仍无对应事件，即生成异常发现" in page
    assert "Cash an order may pay out" not in page and "Postage allowance" not in page


def test_an_english_admin_reads_the_same_page_in_english(carol):
    set_user_language(carol, "en")
    page = change_page(carol, CommerceSettings, CommerceSettings.objects.get(shop=None).pk)
    assert "Change commerce settings" in page
    assert "Postage allowance" in page
    assert "Cash an order may pay out beyond what it paid (return postage)" in page
    assert "订单可超出实付金额支付的现金" not in page


@pytest.mark.browser
def test_an_admin_sees_the_approval_limit_help_in_chinese(live_page):
    limit = ApprovalLimit.objects.get(role="agent")
    page = live_page("admin")
    page.goto(f"/admin/resolutions/approvallimit/{limit.pk}/change/")
    expect(page.locator("h1")).to_have_text("修改 审批额度")
    expect(page.locator("label[for=id_per_case]")).to_have_text("每个工单:")
    expect(page.locator("#id_per_case_helptext")).to_have_text("留空：不限额")
    expect(page.locator("label[for=id_role]")).to_have_text("角色:")
