import pytest


@pytest.mark.django_db
def test_the_admin_login_goes_through_the_rate_limited_sign_in(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_a_signed_in_non_staff_user_cannot_open_the_admin(auth_client):
    assert auth_client.get("/admin/login/").status_code == 403
    assert auth_client.get("/admin/")["Location"].startswith("/admin/login/")
