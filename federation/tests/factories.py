import factory
from django.contrib.auth import get_user_model

from federation import services
from federation.models import Indicator, RoleKind, Sector, Unit, UnitKind


class UnitFactory(factory.django.DjangoModelFactory):
    """A unit placed in the tree through the service: pass `parent=` for a child."""

    class Meta:
        model = Unit

    parent = None
    code = factory.Sequence(lambda n: f"DV{n:05d}")
    name = factory.Sequence(lambda n: f"Liên đoàn Lao động số {n}")
    kind = UnitKind.DISTRICT_FEDERATION

    @classmethod
    def _create(cls, model_class, parent=None, **kwargs):
        return services.unit_create(parent=parent, user=None, **kwargs)


class GrassrootsFactory(UnitFactory):
    name = factory.Sequence(lambda n: f"Công đoàn Công ty TNHH số {n}")
    kind = UnitKind.GRASSROOTS_UNION
    sector = Sector.NON_STATE
    workforce_total = 120
    workforce_female = 70


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "mat-khau-123")

    @factory.post_generation
    def role_on(user, create, unit, role=RoleKind.STAFF, **kwargs):
        """UserFactory(role_on=unit, role_on__role="leader") grants a role on the unit."""
        if create:
            user.save()
            if unit is not None:
                services.role_grant(user=user, unit=unit, role=role)


def indicator(code: str) -> Indicator:
    """An indicator of the seeded catalogue."""
    return Indicator.objects.get(code=code)
