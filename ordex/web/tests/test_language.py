"""Chinese first, English second, the choice remembered for the person (not only the browser)."""

import importlib
import importlib.util
import re

from django.test import Client
from django.utils import translation

from ordex.cases.choices import CaseStatus, Severity, StepStatus, TimelineKind

HAN = re.compile(r"[\u3400-\u9fff]")


def test_pages_are_in_chinese_by_default(person):
    client = Client()
    client.force_login(person("agent"))
    html = client.get("/").content.decode()
    assert '<html lang="zh-hans">' in html
    assert "队列" in html


def test_a_chosen_language_follows_the_person_to_another_browser(person):
    alice = person("agent")
    first = Client()
    first.force_login(alice)
    first.post("/language/", {"language": "en", "next": "/"})
    alice.refresh_from_db()
    assert alice.language == "en"

    elsewhere = Client()
    elsewhere.force_login(alice)
    html = elsewhere.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Queue" in html and "队列" not in html


def test_an_unknown_language_changes_nothing(person):
    alice = person("agent")
    client = Client()
    client.force_login(alice)
    client.post("/language/", {"language": "xx", "next": "/"})
    alice.refresh_from_db()
    assert alice.language == ""


def _every_choices_class():
    """Every TextChoices / IntegerChoices of every Ordex app (their choices and models modules imported)."""
    from django.apps import apps
    from django.db.models import Choices

    for config in apps.get_app_configs():
        if config.name.startswith("ordex.") and importlib.util.find_spec(f"{config.name}.choices"):
            importlib.import_module(f"{config.name}.choices")
    found, queue = set(), list(Choices.__subclasses__())
    while queue:
        cls = queue.pop()
        queue.extend(cls.__subclasses__())
        if cls.__module__.startswith("ordex."):
            found.add(cls)
    return sorted(found, key=lambda cls: f"{cls.__module__}.{cls.__qualname__}")


def test_every_choice_label_is_an_english_msgid_with_its_chinese_translation():
    classes = _every_choices_class()
    assert len(classes) > 30
    problems = []
    for cls in classes:
        for member in cls:
            with translation.override("en"):
                english = str(member.label)
            with translation.override("zh-hans"):
                chinese = str(member.label)
            name = f"{cls.__module__}.{cls.__qualname__}.{member.name}"
            if HAN.search(english):
                problems.append(f"{name}: the English label {english!r} carries Chinese")
            if chinese == english or not HAN.search(chinese):
                problems.append(f"{name}: no zh-Hans translation of {english!r}")
    assert not problems, "\n".join(problems)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S))


CASE_CHOICES = (CaseStatus, Severity, StepStatus, TimelineKind)


def test_the_queue_and_the_case_page_show_choice_labels_in_the_page_language_only(person, make_case):
    case = make_case()
    client = Client()
    alice = person("agent")
    client.force_login(alice)
    for language in ("en", "zh-hans"):
        alice.language = language
        alice.save(update_fields=["language"])
        for url in ("/", f"/cases/{case.pk}/"):
            text = _text(client.get(url).content.decode())
            for cls in CASE_CHOICES:
                for member in cls:
                    with translation.override("zh-hans"):
                        chinese = str(member.label)
                    with translation.override("en"):
                        english = str(member.label)
                    unwanted, wanted = (chinese, english) if language == "en" else (english, chinese)
                    assert not re.search(rf"(?<![\w-]){re.escape(unwanted)}(?![\w-])", text), (language, url, unwanted)
            with translation.override(language):
                assert str(CaseStatus.NEW.label) in text and str(Severity.P3.label) in text, (language, url)
