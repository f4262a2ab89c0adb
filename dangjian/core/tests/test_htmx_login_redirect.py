from django.urls import reverse


def test_an_htmx_request_after_logout_reloads_the_login_page(client, world):
    url = reverse("orgs:children", args=[world.mine.pk])
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("accounts:login"))


def test_an_ordinary_request_is_still_redirected(client, world):
    response = client.get(reverse("orgs:children", args=[world.mine.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
