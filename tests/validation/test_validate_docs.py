"""docs/validation.md lists every rule and check the validator can report."""
from __future__ import annotations

from validate_corpus import MUTATIONS

from balochistan_events.validation.constraints import CONSTRAINTS, FIELD_CONSTRAINTS
from balochistan_events.validation.rules import RULES


def test_every_rule_constraint_and_corpus_check_is_documented(root):
    doc = (root / "docs" / "validation.md").read_text(encoding="utf-8")
    names = set(RULES) | {s[0] for s in CONSTRAINTS.values()} | {s[0] for s in FIELD_CONSTRAINTS.values()}
    names |= {"type", "required", "unique", "primary_key", "unique_keys", "foreign_key", "missing_column",
              "extra_column", "duplicate_column", "column_order", "ragged_row", "blank_row", "encoding"}
    names |= {"line_endings", "control_character", "bidi_control", "csv_syntax", "empty_file"}
    assert names - {"empty_file"} <= {m for m in MUTATIONS} | {r for m in MUTATIONS for r in names if m.startswith(r + "_")}
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert not missing, missing
