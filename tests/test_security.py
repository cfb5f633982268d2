"""Production settings, security headers graded by the Observatory's rules, and login throttling."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests import observatory
from tests.builders import make_rich_article

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "x8#mQ2!vL9@pR4$kT7&wZ1*nB6^cF3(hJ5)yD0-sG8+eA2=uK4_iO7",
    "DJANGO_ALLOWED_HOSTS": "news.example.com",
    "DJANGO_HTTPS": "1",
    "DJANGO_BEHIND_PROXY": "1",
}


@pytest.fixture
def https(settings):
    """What DJANGO_HTTPS=1 turns on, for one test."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 63_072_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = settings.SECURE_HSTS_PRELOAD = True


def test_check_deploy_passes_with_production_settings():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env | PRODUCTION,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["home", "article", "admin login"])
def test_pages_grade_a_plus_by_the_observatory_rules(client, https, page):
    article = make_rich_article()
    url = {"home": "/", "article": article.get_absolute_url(), "admin login": reverse("admin:login")}[page]

    response = client.get(url, secure=True)
    total, grade, results = observatory.score(response)

    assert response.status_code == 200
    assert grade == "A+", (total, results)


@pytest.mark.django_db
def test_every_response_carries_the_security_headers(client):
    for url in ["/", "/story/missing/", reverse("admin:login"), "/robots.txt"]:
        response = client.get(url)
        csp = observatory.directives(response["Content-Security-Policy"])
        assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"], url
        assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"], url
        assert response["X-Content-Type-Options"] == "nosniff", url
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin", url
        assert response["Cross-Origin-Opener-Policy"] == "same-origin", url
        assert "geolocation=()" in response["Permissions-Policy"], url
        assert response["X-Frame-Options"] == "DENY", url


@pytest.mark.django_db
def test_cookies_are_secure_httponly_and_samesite_over_https(client, https):
    response = client.get(reverse("admin:login"), secure=True)

    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2(django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = django_user_model.objects.create_user("hashcheck", password="correct horse battery staple")

    assert user.password.startswith("argon2$")


@pytest.mark.django_db
def test_admin_login_is_locked_after_repeated_wrong_passwords(client, django_user_model, settings):
    settings.AXES_ENABLED = True
    django_user_model.objects.create_user("desk", password="right-password-123", is_staff=True)
    login = reverse("admin:login")

    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(login, {"username": "desk", "password": "guess"}).status_code == 200
    assert client.post(login, {"username": "desk", "password": "guess"}).status_code == 429
    locked = client.post(login, {"username": "desk", "password": "right-password-123"})

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
