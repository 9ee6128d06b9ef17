"""pandera schemas generated from schemas/*.json (pandera_schema.py) agree with the validator: on each
constraint mutation of the corpus, the rows pandera fails in the loaded frames are the rows
`validate` reports, and the unmutated frames pass."""
from __future__ import annotations

import pandas as pd
import pytest

import balochistan_events as be
from balochistan_events.validation.engine import validate_package
from balochistan_events.validation.problems import Code, Group, codes
from validate_corpus import MUTATIONS, Csv

pandera = pytest.importorskip("pandera")

# the value constraints and duplicate keys (types are pandera's dtypes; foreign keys span frames)
CONSTRAINT_RULES = {c.value for c in codes(Group.CONSTRAINT) if c is not Code.TYPE} | {Code.PRIMARY_KEY, Code.UNIQUE_KEYS}
CASES = sorted(n for n in MUTATIONS if any(n == r or n.startswith(r + "_") for r in CONSTRAINT_RULES))


def pandera_failures(schema, frame) -> set[int]:
    """Frame row indexes pandera fails (column checks, nullability, uniqueness, frame-level keys)."""
    try:
        schema.validate(frame, lazy=True)
    except pandera.errors.SchemaErrors as exc:
        return set(exc.failure_cases["index"].dropna().astype(int))
    return set()


def test_the_real_package_frames_pass(root):
    ds = be.load(root)
    schemas = be.pandera_schemas(root)
    for name, frame in ds.items():
        assert pandera_failures(schemas[name], frame) == set(), name


def test_schema_is_derived_from_the_table_schema(root):
    import json

    schemas = be.pandera_schemas(root)
    for name, schema in schemas.items():
        fields = json.loads((root / "schemas" / f"{name}.json").read_text())["fields"]
        assert list(schema.columns) == [f["name"] for f in fields]
        for f in fields:
            col = schema.columns[f["name"]]
            assert col.nullable == (not f.get("constraints", {}).get("required", False))
            names = {c.name for c in col.checks}
            for key in ("pattern", "minimum", "maximum", "minLength", "maxLength"):
                if key in f.get("constraints", {}):
                    assert {"minLength": "min_length", "maxLength": "max_length"}.get(key, key) in names


@pytest.mark.parametrize("name", CASES)
def test_pandera_agrees_with_the_validator_on_mutated_frames(name, package_copy):
    expect = MUTATIONS[name](package_copy)
    report = validate_package(package_copy, max_errors=None)
    ours = {p.line for p in report.problems if p.table == expect.table and p.rule in CONSTRAINT_RULES}
    frame = be.load(package_copy, prefer_parquet=False)[expect.table]
    schema = be.pandera_schemas(package_copy)[expect.table]
    t = Csv(package_copy, expect.table)
    theirs = {t.line_of(i) for i in pandera_failures(schema, frame)}
    assert expect.line in ours
    assert theirs == ours, (sorted(theirs), sorted(ours))


def test_analysts_can_check_a_derived_frame(root):
    """e.g. a filtered, re-typed copy of claims: the same schema catches a bad figure."""
    ds = be.load(root)
    claims = ds.claims[ds.claims["value_best"].notna()].copy()
    claims.loc[claims.index[0], "credibility"] = 9
    schema = be.pandera_schemas(root)["claims"]
    assert pandera_failures(schema, claims) == {claims.index[0]}
    assert isinstance(claims, pd.DataFrame)
