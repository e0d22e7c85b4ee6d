"""Both languages ship: every English catalogue is complete and the chrome renders in English."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(
    [*ROOT.glob("locale/en/LC_MESSAGES/django.po"), *ROOT.glob("kehu/*/locale/en/LC_MESSAGES/django.po")]
)
ENTRY = re.compile(r'(?ms)^(#, [^\n]*\n)?msgid ((?:"(?:[^"\\]|\\.)*"\n)+)msgstr ((?:"(?:[^"\\]|\\.)*"\n)+)')


def _join(block: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block))


def test_there_are_english_catalogues():
    assert len(CATALOGUES) >= 3


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete(path):
    problems = []
    for match in ENTRY.finditer(path.read_text()):
        flags, msgid, msgstr = match.group(1) or "", _join(match.group(2)), _join(match.group(3))
        if not msgid:
            continue
        if "fuzzy" in flags:
            problems.append(f"fuzzy: {msgid}")
        elif not msgstr:
            problems.append(f"untranslated: {msgid}")
    assert problems == []


@pytest.mark.django_db
def test_login_page_renders_in_english(client):
    client.cookies["django_language"] = "en"
    html = client.get(reverse("accounts:login")).content.decode()
    assert "Log in to your account" in html
    assert "登录您的账号" not in html
