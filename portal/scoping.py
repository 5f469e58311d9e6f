"""The one place that decides which rows a user may see: those of their own municipality.

Every scoped model names the path from itself to its municipality in `MUNICIPALITY_LOOKUP`
("municipality", "page__municipality", or "pk" for Municipality itself). Views and admin classes
start from `visible_to(user, queryset)`; nothing else filters by municipality on its own.
"""

from django.db.models import Model, QuerySet


def municipality_lookup(model: type[Model]) -> str:
    try:
        return model.MUNICIPALITY_LOOKUP
    except AttributeError:
        raise TypeError(f"{model.__name__} does not say how it belongs to a municipality") from None


def visible_to(user, queryset: QuerySet) -> QuerySet:
    """The rows of `queryset` that belong to `user`'s municipality (all of them for a platform superuser)."""
    if not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    if user.municipality_id is None:
        return queryset.none()
    return queryset.filter(**{municipality_lookup(queryset.model): user.municipality_id})


def belongs_to_user_municipality(user, obj: Model) -> bool:
    """Whether one object is within `user`'s municipality, without a query where it can be avoided."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    lookup = municipality_lookup(type(obj))
    if lookup == "pk":
        return obj.pk == user.municipality_id
    if lookup == "municipality":
        return obj.municipality_id == user.municipality_id
    return visible_to(user, type(obj).objects.filter(pk=obj.pk)).exists()
