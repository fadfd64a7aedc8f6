"""Vietnamese text folded for search: what a person types without accents finds the unit.

PostgreSQL's unaccent is not on SQLite (the first run's database), so the folding happens here,
in Python, once when a unit is saved (Unit.search_key) and once per query.
"""

import unicodedata


def fold(text: str) -> str:
    """ "LĐLĐ huyện Hoài Đức" → "ldld huyen hoai duc": lower case, no marks, đ as d."""
    decomposed = unicodedata.normalize("NFD", text.lower().replace("đ", "d"))
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())
