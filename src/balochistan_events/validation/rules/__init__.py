"""Domain rules: what the Table Schemas cannot say. Each rule reports one code of the catalogue
(validation/problems.py), runs on its own, and is skipped when the table or columns it declares are
missing or unreadable, because the structural checks have already reported that.

Rule parameters that describe columns (vocabularies, code mappings) live in schemas/*.json as custom
properties (x-vocabulary, x-belongs-to, x-without-figures, x-geonames-admin1).

Every rule is vectorised: Arrow compute kernels and numpy over whole columns, no Python loop over
rows. Python only runs per *reported* problem (to word its message), and the report caps those.

One module per table or concern: events, links (parent chains, claims of events, cited sources),
places (ISO codes, GeoNames), claims, text (URLs, formulas, whitespace); the machinery is in base.
"""
from __future__ import annotations

from balochistan_events.validation.rules import claims, events, links, places, text
from balochistan_events.validation.rules.base import Context, Rule, registered, rule, run_rules
from balochistan_events.validation.rules.claims import QUALIFIER_SHAPE

# Every rule by name, in catalogue order: the order they run in and are documented in.
RULES: dict[str, Rule] = registered()

__all__ = ["RULES", "Context", "Rule", "rule", "run_rules", "QUALIFIER_SHAPE", "claims", "events", "links", "places",
           "text"]
