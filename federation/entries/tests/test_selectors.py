"""The entry grid's suggestions: the tree's own register, and the sources the settings name."""

import datetime

from federation.entries.selectors import registry_suggestions
from federation.tests.factories import GrassrootsFactory


def admissions_of_seven(units, year, month):
    """A register in another app, as settings.ENTRY_SUGGESTION_SOURCES names one."""
    return {unit.pk: {"new_members": 7} for unit in units if unit.is_grassroots}


def test_grassroots_unions_founded_in_the_month_are_suggested_to_their_federation(tree, settings):
    settings.ENTRY_SUGGESTION_SOURCES = []
    GrassrootsFactory(parent=tree["hoai_duc"], founded_on=datetime.date(2026, 3, 12))
    GrassrootsFactory(parent=tree["hoai_duc"], founded_on=datetime.date(2026, 4, 1))
    found = registry_suggestions([tree["city"], tree["hoai_duc"], tree["hd_1"]], 2026, 3)
    assert found == {
        tree["city"].pk: {"new_grassroots_unions": 1},
        tree["hoai_duc"].pk: {"new_grassroots_unions": 1},
    }


def test_every_source_named_in_the_settings_adds_its_suggestions(tree, settings):
    settings.ENTRY_SUGGESTION_SOURCES = [f"{__name__}.admissions_of_seven"]
    found = registry_suggestions([tree["hoai_duc"], tree["hd_1"], tree["hd_2"]], 2026, 3)
    assert found == {tree["hd_1"].pk: {"new_members": 7}, tree["hd_2"].pk: {"new_members": 7}}


def test_the_roster_is_the_source_the_project_names(settings):
    assert settings.ENTRY_SUGGESTION_SOURCES == ["membership.selectors.registry_suggestions_for"]
