"""The admin site as a whole: every model opens for a superuser; read-only ones refuse adds."""

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.urls import reverse

from federation import services
from federation.entries.services import EntryRow, entries_save
from federation.models import EntryFinding, PendingUpload, Rollup, UnitMove
from federation.targets.services import target_set
from federation.tests.factories import indicator
from membership.models import RosterExport
from membership.tests.factories import MemberFactory

# Records kept by the system: for reading, never added by hand.
READ_ONLY_MODELS = {
    Rollup,
    UnitMove,
    RosterExport,
    PendingUpload,
    EntryFinding,
    AccessAttempt,
    AccessLog,
    AccessFailureLog,
}


def url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def admin_client(client, superuser):
    client.force_login(superuser)
    return client


class TestPages:
    @pytest.fixture
    def one_of_each(self, tree, superuser):
        members = indicator("new_members")
        entries_save(rows=[EntryRow(tree["hd_1"], members, 2024, 3, 5)], user=None)
        target_set(
            unit=tree["hd_1"],
            indicator=indicator("new_members"),
            year=2024,
            period="Y",
            value=50,
            user=superuser,
        )
        services.role_grant(user=superuser, unit=tree["hoai_duc"], role="leader")
        services.unit_move(unit=tree["hd_2"], new_parent=tree["me_linh"], user=superuser)
        MemberFactory(union=tree["hd_1"])

    def test_superuser_opens_every_changelist_and_add_page(self, admin_client, one_of_each):
        for model in admin.site._registry:
            assert admin_client.get(url(model, "changelist")).status_code == 200, model
            add_status = 403 if model in READ_ONLY_MODELS else 200
            assert admin_client.get(url(model, "add")).status_code == add_status, model

    def test_superuser_opens_a_change_page_of_every_model(self, admin_client, one_of_each):
        for model in admin.site._registry:
            obj = model._default_manager.first()
            if obj is not None:
                assert admin_client.get(url(model, "change", obj.pk)).status_code == 200, model
