"""Fast inserts for the ingest hot path.

Django's bulk_create compiles every value of every row through the full field machinery, which costs
more than the database does at import rates (tens of thousands of rows a second). `fast_insert` builds
the INSERT once and converts values with one small function per column, then `executemany`s. It is used
only for append-only rows built by the hub itself (no signals, no custom save logic).
"""

from collections.abc import Sequence

from django.db import connection, models
from django.utils import timezone


def _converter(field: models.Field):
    ops = connection.ops
    if field.is_relation:
        attname, name = field.attname, field.name

        def related_id(obj):
            value = getattr(obj, attname, None)
            if value is None:
                state = getattr(obj, "_state", None)
                related = state.fields_cache.get(name) if state is not None else getattr(obj, name, None)
                if related is not None:
                    value = related.pk
            return value

        return related_id
    attname = field.attname
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        def stamped(obj):
            value = getattr(obj, attname)
            if value is None:
                value = timezone.now()
                setattr(obj, attname, value)
            return ops.adapt_datetimefield_value(value)

        return stamped
    if isinstance(field, models.DateTimeField):
        adapt = _sqlite_datetime if connection.vendor == "sqlite" else ops.adapt_datetimefield_value
        return lambda obj: adapt(getattr(obj, attname))
    if isinstance(field, models.DecimalField):
        adapt = ops.adapt_decimalfield_value
        return lambda obj: adapt(getattr(obj, attname))
    if isinstance(field, (models.JSONField, models.GenericIPAddressField, models.DateField)):
        return lambda obj: field.get_db_prep_save(getattr(obj, attname), connection)
    return lambda obj: getattr(obj, attname)


def _sqlite_datetime(value):
    """What Django's SQLite backend stores for an aware datetime (naive UTC text), without its overhead."""
    if value is None:
        return None
    offset = value.utcoffset()
    if offset is None:
        return str(value)
    return str((value - offset).replace(tzinfo=None))


_PLANS: dict[type, tuple[str, list, str]] = {}


def _plan(model):
    plan = _PLANS.get(model)
    if plan is None:
        qn = connection.ops.quote_name
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields)))
        plan = _PLANS[model] = (sql, [_converter(f) for f in fields], connection.vendor)
    return plan


def fast_insert(model, objs: Sequence[models.Model], *, key_field: str | None = None) -> None:
    """Insert `objs` (model instances, or plain objects with the model's attribute names); with
    `key_field` (a unique column), read the new primary keys back onto them."""
    if not objs:
        return
    sql, converters, _ = _plan(model)
    rows = [tuple(convert(obj) for convert in converters) for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    if key_field:
        keys = {getattr(obj, key_field): obj for obj in objs}
        step = 2000
        key_list = list(keys)
        for start in range(0, len(key_list), step):
            part = key_list[start:start + step]
            for pk, key in model.objects.filter(**{f"{key_field}__in": part}).values_list("pk", key_field):
                obj = keys[key]
                obj.pk = pk
                obj._state.adding = False
    elif isinstance(objs[0], models.Model):
        for obj in objs:
            obj._state.adding = False


_UPDATE_PLANS: dict[tuple, tuple[str, list]] = {}


def fast_update(model, objs, fields: Sequence[str]) -> None:
    """Write `fields` of each object back by primary key: one prepared UPDATE, executemany.

    (Django's bulk_update builds one CASE WHEN expression per field per row; at import rates that
    costs seconds per chunk.)"""
    if not objs:
        return
    key = (model, tuple(fields))
    plan = _UPDATE_PLANS.get(key)
    if plan is None:
        qn = connection.ops.quote_name
        model_fields = [model._meta.get_field(name) for name in fields]
        sql = "UPDATE {} SET {} WHERE {} = %s".format(
            qn(model._meta.db_table), ", ".join(f"{qn(f.column)} = %s" for f in model_fields),
            qn(model._meta.pk.column))
        plan = _UPDATE_PLANS[key] = (sql, [_converter(f) for f in model_fields])
    sql, converters = plan
    rows = [(*(convert(obj) for convert in converters), obj.pk) for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
