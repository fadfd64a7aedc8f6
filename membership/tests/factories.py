import datetime

import factory
from django.db import transaction

from federation.tests.factories import GrassrootsFactory, UnitFactory
from membership import tally
from membership.models import Gender, Member


class MemberFactory(factory.django.DjangoModelFactory):
    """A current member of a CĐCS; pass `union=` to put it in an existing one."""

    class Meta:
        model = Member

    union = factory.SubFactory(GrassrootsFactory, parent=factory.SubFactory(UnitFactory))
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn An {n}")
    gender = Gender.MALE
    birth_date = datetime.date(1990, 5, 17)
    joined_on = datetime.date(2015, 3, 1)
    card_number = factory.Sequence(lambda n: f"TDV{n:07d}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # Saved as the factory does, and counted in the tally as every door counts its rows.
        with transaction.atomic():
            member = super()._create(model_class, *args, **kwargs)
            tally.members_added([member])
        return member
