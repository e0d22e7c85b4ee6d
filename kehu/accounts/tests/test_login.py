import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_is_chinese_by_default(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert "登录您的账号" in response.content.decode()


def test_demo_user_logs_in_and_lands_on_the_workbench(client, users):
    """Issue 11: logging in opens the 工作台 (what is due today), not the customer list."""
    response = client.post(reverse("accounts:login"), {"username": "sales", "password": "kehu-demo"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("workbench:home")
    assert "李明" in response.content.decode()


def test_wrong_password_is_refused_with_a_message(client, users):
    response = client.post(reverse("accounts:login"), {"username": "sales", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_api_token_for_valid_credentials(client, users):
    response = client.post("/api/auth/token/", {"username": "sales", "password": "kehu-demo"})
    assert response.status_code == 200
    assert len(response.json()["token"]) >= 40 and response.json()["expires_at"]


def test_api_token_refused_for_bad_credentials(client, users):
    response = client.post("/api/auth/token/", {"username": "sales", "password": "nope"})
    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.browser
def test_sales_logs_in_through_chromium(login):
    page = login("sales")
    assert "客户档案" in page.content()
