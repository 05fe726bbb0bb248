"""Seeding stored rules from the code's defaults (DESIGN.md's default limits). Existing rows keep their
edited parameters; new parameters get their defaults."""

from ordex.core.text import stored_text


def seed_rules(rule_model) -> int:
    from .rules import RULES

    created = 0
    for rule in RULES:
        defaults = {p.name: p.to_json(p.default) for p in rule.params}
        row, made = rule_model.objects.get_or_create(code=rule.code, defaults={
            "type_code": rule.type_code, "trigger": rule.trigger, "params": defaults,
            "description": stored_text(rule.description)})
        created += made
        if not made:
            missing = {k: v for k, v in defaults.items() if k not in row.params}
            if missing or row.type_code != rule.type_code or row.trigger != rule.trigger:
                row.params = {**row.params, **missing}
                row.type_code, row.trigger = rule.type_code, rule.trigger
                row.save(update_fields=["params", "type_code", "trigger"])
    return created
