"""Fast inserts, updates and loads for the ingest hot path.

Django's bulk_create compiles every value of every row through the full field machinery, which costs
more than the database does at import rates (tens of thousands of rows a second). `fast_insert` builds
the INSERT once and converts values with one small function per column, then `executemany`s. It is used
only for append-only rows built by the hub itself (no signals, no custom save logic).
"""

from collections.abc import Sequence
from datetime import UTC, datetime

from django.db import DEFAULT_DB_ALIAS, connection, models
from django.db.models.base import ModelState
from django.utils import timezone


def _converter(field: models.Field):
    ops = connection.ops
    if field.is_relation:
        attname, name, target = field.attname, field.name, field.target_field.attname

        def related_id(obj):
            value = getattr(obj, attname, None)
            if value is None:
                state = getattr(obj, "_state", None)
                related = state.fields_cache.get(name) if state is not None else getattr(obj, name, None)
                if related is not None:
                    value = getattr(related, target)  # the key the FK points at (`.pk` is a property call)
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


_DATETIME_TEXT: dict = {}


def _sqlite_datetime(value):
    """What Django's SQLite backend stores for an aware datetime (naive UTC text), without its overhead.

    The same moments recur many times in a chunk (an event's time lands on its stored envelope, its hub
    row and the rows it updates), so the text is remembered."""
    if value is None:
        return None
    text = _DATETIME_TEXT.get(value)
    if text is None:
        if value.tzinfo is UTC:  # rows read back from the database
            text = value.isoformat(" ")[:-6]
        else:
            offset = value.utcoffset()
            text = str(value) if offset is None else str((value - offset).replace(tzinfo=None))
        if len(_DATETIME_TEXT) > 30_000:  # about a chunk's worth of distinct moments
            _DATETIME_TEXT.clear()
        _DATETIME_TEXT[value] = text
    return text


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
        for pk, key in rows_where_in(model, key_field, keys, [model._meta.pk.name, key_field]):
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
        plan = _UPDATE_PLANS[key] = (sql, [_converter(f) for f in model_fields], model._meta.pk.attname)
    sql, converters, pk = plan
    rows = [(*(convert(obj) for convert in converters), getattr(obj, pk)) for obj in objs]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


_IN_BATCH = 900  # under SQLite's historical 999-variable limit


def rows_where_in(model, key_field: str, values, columns: Sequence[str]) -> list[tuple]:
    """`SELECT columns FROM model WHERE key_field IN values`, as tuples.

    The ORM resolves every value of an `__in` list through the lookup machinery (microseconds each);
    at import rates, with thousands of ids per chunk, that is most of the cost of the query."""
    values = list(values)
    if not values:
        return []
    meta = model._meta
    qn = connection.ops.quote_name
    select = "SELECT {} FROM {} WHERE {}".format(
        ", ".join(qn(meta.get_field(name).column) for name in columns), qn(meta.db_table),
        qn(meta.get_field(key_field).column))
    rows = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(select + " = ANY(%s)", [values])
            rows.extend(cursor.fetchall())
        else:
            for start in range(0, len(values), _IN_BATCH):
                part = values[start:start + _IN_BATCH]
                cursor.execute(select + " IN ({})".format(", ".join(["%s"] * len(part))), part)
                rows.extend(cursor.fetchall())
    return rows


_LOAD_PLANS: dict[type, tuple[list[str], list[str], list]] = {}


def _load_converter(field: models.Field):
    """What the ORM would do to this column's value on the way out, as one small function (or None)."""
    if isinstance(field, models.DateTimeField) and connection.vendor == "sqlite":
        # The sqlite3 module already parsed the text (Django registers a converter for "datetime"
        # columns); Django's own converter would only make it aware in UTC, through several calls.
        def aware(value):
            if value is None or value.tzinfo is not None:
                return value
            if isinstance(value, str):
                value = datetime.fromisoformat(value)
            return value.replace(tzinfo=UTC)

        return aware
    col = field.get_col(field.model._meta.db_table)
    converters = connection.ops.get_db_converters(col) + field.get_db_converters(connection)
    if not converters:
        return None
    if len(converters) == 1:
        only = converters[0]
        return lambda value: only(value, col, connection)

    def convert(value):
        for converter in converters:
            value = converter(value, col, connection)
        return value

    return convert


def fast_load(model, key_field: str, values) -> list:
    """The rows of `model` whose `key_field` is in `values`, as model instances with every concrete field
    loaded, equal to what `model.objects.filter(<key_field>__in=values)` returns.

    Built without the ORM's per-row machinery (compiler converters, `Model.__init__` over every field:
    ~15 µs an order); only for models without `__init__` logic or init signals (the hub's rows)."""
    return from_rows(model, rows_where_in(model, key_field, values, _load_plan(model)[0]))


def _load_plan(model):
    plan = _LOAD_PLANS.get(model)
    if plan is None:
        fields = model._meta.concrete_fields
        plan = _LOAD_PLANS[model] = ([f.name for f in fields], [f.attname for f in fields],
                                     [(i, c) for i, c in enumerate(_load_converter(f) for f in fields) if c])
    return plan


def load_columns(model) -> list[str]:
    """The columns `from_rows` expects, in order: every concrete field of `model`."""
    return [model._meta.get_field(name).column for name in _load_plan(model)[0]]


def from_rows(model, rows) -> list:
    """Model instances from raw rows of `load_columns(model)`, as `fast_load` builds them."""
    _, attnames, converters = _load_plan(model)
    alias = connection.alias
    objs = []
    new = model.__new__
    for row in rows:
        if converters:
            row = list(row)
            for i, convert in converters:
                row[i] = convert(row[i])
        obj = new(model)
        state = ModelState()
        state.adding = False
        state.db = alias
        obj._state = state
        obj.__dict__.update(zip(attnames, row, strict=True))
        objs.append(obj)
    return objs


_NEW_PLANS: dict[type, tuple] = {}


def _new_plan(model):
    plan = _NEW_PLANS.get(model)
    if plan is None:
        constant, computed, related = {}, [], {}
        for f in model._meta.concrete_fields:
            if f.has_default() and callable(f.default):
                computed.append((f.attname, f.default))
            else:
                constant[f.attname] = f.get_default()
            if f.is_relation:
                related[f.name] = (f.attname, f.target_field.attname, f.cache_name)
        plan = _NEW_PLANS[model] = (constant, computed, related, frozenset(constant) | {a for a, _ in computed})
    return plan


def fast_new(model, related=None, **values):
    """A new, unsaved instance equal to `model(**values, **related)`, built without `Model.__init__`.

    `values` by attribute name (`shop_id`, not `shop`); `related` maps foreign-key names to instances, set
    as `set_related` does. The ORM's constructor walks every field with its descriptors (~15 µs an order,
    ~9,000 new orders in every 100,000 imported events). Only for models without `__init__` logic or init
    signals (the hub's rows), like `fast_load`."""
    constant, computed, _, attnames = _new_plan(model)
    unknown = values.keys() - attnames
    if unknown:
        raise TypeError(f"{model.__name__} has no field(s) {', '.join(sorted(unknown))}")
    obj = model.__new__(model)
    obj._state = ModelState()
    attrs = obj.__dict__
    attrs.update(constant)
    for attname, make in computed:
        attrs[attname] = make()
    attrs.update(values)
    if related:
        set_related(obj, **related)
    return obj


def set_related(obj, **related) -> None:
    """`obj.<name> = instance` for foreign keys: the key and the cached instance, as the ORM's descriptor
    sets them, without its per-assignment checks (type, database routing) — hub rows, one database."""
    fields = _new_plan(type(obj))[2]
    attrs = obj.__dict__
    state = obj._state
    cache = state.fields_cache
    for name, value in related.items():
        attname, target, cache_name = fields[name]
        if value is None:
            attrs[attname] = None
        else:
            attrs[attname] = getattr(value, target)
            if state.db is None:  # as the descriptor does (the router's answer with no routers configured)
                state.db = value._state.db or DEFAULT_DB_ALIAS
        cache[cache_name] = value
