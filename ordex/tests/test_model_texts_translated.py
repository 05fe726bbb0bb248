"""What the admin and the model forms show about Ordex's own tables is in the reader's language: each model's
name (singular and plural), each field's label (verbose_name) and help text, and each choice's label are lazy
translations (an English msgid) with a zh-Hans entry in the app's catalogue.

A text left as a plain str is never looked up in a catalogue, so a Chinese reader sees it in English; a lazy text
without a zh-Hans entry falls back to its English msgid, which this test catches for every text holding Latin
letters. Django's own automatic parts — the implicit primary key "ID" and the reverse side of relations — are
not Ordex's texts; the fields Ordex inherits from Django (the user's username, password...) are checked like
the others and translated by Django's catalogue."""

import re

from django.apps import apps
from django.utils import translation
from django.utils.functional import Promise

LATIN = re.compile("[A-Za-z]")

# Texts deliberately the same in both languages, each with why ("app_label.Model.field.attribute").
SAME_IN_BOTH_LANGUAGES: dict[str, str] = {}


def ordex_models():
    return [model for config in apps.get_app_configs() if config.name.startswith("ordex.")
            for model in config.get_models()]


def model_texts():
    """(where, text) for every text of every Ordex model and of its own fields."""
    for model in ordex_models():
        options = model._meta
        yield f"{options.label}.verbose_name", options.verbose_name
        yield f"{options.label}.verbose_name_plural", options.verbose_name_plural
        for field in options.get_fields():
            if field.auto_created:  # the implicit "ID" primary key, reverse relations: Django's, not Ordex's
                continue
            yield f"{options.label}.{field.name}.verbose_name", field.verbose_name
            if field.help_text:
                yield f"{options.label}.{field.name}.help_text", field.help_text
            for value, label in field.flatchoices if field.choices else ():
                yield f"{options.label}.{field.name}.choices[{value}]", label


def test_the_walk_covers_the_apps_with_tables():
    labels = {model._meta.app_label for model in ordex_models()}
    assert labels >= {"accounts", "orders", "ingest", "cases", "detection", "resolutions", "notify"}


def test_every_model_text_is_a_lazy_translation():
    plain = [f"{where}: {text!r}" for where, text in model_texts() if not isinstance(text, Promise)]
    assert plain == [], f"{len(plain)} model texts are plain str, not gettext_lazy:\n" + "\n".join(plain)


def test_every_model_text_has_its_zh_hans_translation():
    missing = []
    for where, text in model_texts():
        if not isinstance(text, Promise) or where in SAME_IN_BOTH_LANGUAGES:
            continue
        with translation.override("en"):
            english = str(text)
        with translation.override("zh-hans"):
            chinese = str(text)
        if LATIN.search(english) and chinese == english:
            missing.append(f"{where}: {english!r}")
    assert missing == [], f"{len(missing)} model texts have no zh-Hans translation:\n" + "\n".join(missing)


def test_the_exemptions_name_real_texts():
    where = {where for where, _text in model_texts()}
    assert set(SAME_IN_BOTH_LANGUAGES) <= where
