"""Chinese first, English second, the choice remembered for the person (not only the browser)."""

from django.test import Client


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
