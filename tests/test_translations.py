"""Both languages ship: every English catalogue is complete and the chrome renders in English."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = sorted(
    [*ROOT.glob("locale/en/LC_MESSAGES/django.po"), *ROOT.glob("kehu/*/locale/en/LC_MESSAGES/django.po")]
)
# The comment lines before an entry (#: places, "#, fuzzy" flags, "#| msgid" previous ids) are group 1:
# a fuzzy entry is a guess gettext made from a similar old string, left out of the compiled catalogue.
ENTRY = re.compile(r'(?ms)^((?:#[^\n]*\n)*)msgid ((?:"(?:[^"\\]|\\.)*"\n)+)msgstr ((?:"(?:[^"\\]|\\.)*"\n)+)')


def _is_fuzzy(comments: str) -> bool:
    return any(line.startswith("#,") and "fuzzy" in line for line in comments.splitlines())


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
        if _is_fuzzy(flags):
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


def _entries(path):
    found = {}
    for match in ENTRY.finditer(path.read_text()):
        flags, msgid, msgstr = match.group(1) or "", _join(match.group(2)), _join(match.group(3))
        if msgid:
            found[msgid] = "" if _is_fuzzy(flags) else msgstr
    return found


def test_every_marked_string_has_an_english_entry(tmp_path):
    """Extract the strings of each app again (from a copy, so the tree stays untouched): a string
    marked for translation but missing from the committed catalogue would show in Chinese to English users."""

    django_admin = Path(sys.executable).with_name("django-admin")
    missing = []
    for catalogue in CATALOGUES:
        source = catalogue.parents[3]  # kehu/<app> (or the project root for locale/)
        if source == ROOT:
            source = ROOT / "kehu" / "templates"
            copy = tmp_path / "templates"
            shutil.copytree(source, copy)
            (copy / "locale" / "en" / "LC_MESSAGES").mkdir(parents=True)
            shutil.copy(catalogue, copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
        else:
            copy = tmp_path / source.name
            shutil.copytree(source, copy, ignore=shutil.ignore_patterns("tests", "__pycache__", "*.mo"))
        subprocess.run(
            [str(django_admin), "makemessages", "-l", "en", "-v0", "--ignore=tests/*"],
            cwd=copy,
            check=True,
            env={**os.environ, "KEHU_DEBUG": "1", "PYTHONPATH": str(ROOT)},
        )
        extracted = _entries(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
        missing += [f"{source.name}: {msgid}" for msgid, msgstr in extracted.items() if not msgstr]
    assert missing == [], "\n".join(missing)
