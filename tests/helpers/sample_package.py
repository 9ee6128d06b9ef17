"""A small, valid, SYNTHETIC package with the real schemas, for the export, codebook, R and DuckDB tests.

The real data/*.csv may be small or still being filled; these rows exercise every export path
(a campaign with incidents, a campaign without any, figures from several claimants and subjects,
an all-persons total, one-sided violence against civilians). Nothing here is a real report: the
actors, sources and numbers are invented for tests and never leave tests/."""
from __future__ import annotations

import csv
import json
import re
import shutil
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

ACTORS = [
    dict(actor_id="bla", name="Baloch Liberation Army", aliases="BLA", actor_type="rebel_group", acled_inter="2",
         country_code="PK", description="Test actor: an armed separatist group."),
    dict(actor_id="pk-military", name="Pakistan Armed Forces", actor_type="state_forces", acled_inter="1",
         country_code="PK", description="Test actor: the armed forces of a state."),
    dict(actor_id="ispr", name="Inter-Services Public Relations", aliases="ISPR", actor_type="state_authority",
         parent_actor_id="pk-military", country_code="PK", description="Test actor: a military press wing."),
    dict(actor_id="civilians-pk", name="Civilians (Pakistan)", actor_type="civilians", acled_inter="7",
         country_code="PK", description="Test actor: unarmed non-combatants."),
    dict(actor_id="test-agency", name="Test News Agency", actor_type="media",
         description="Test actor: a news agency with its own count."),
]

SOURCES = [
    dict(source_id="agency-2026-02-01", publisher="Test News Agency", outlet="news.example.org",
         title="Synthetic wire report", url="https://news.example.org/a", published_date="2026-02-01",
         accessed_date="2026-11-23", source_type="news_agency", language="en", reliability="B"),
    dict(source_id="ispr-2026-02-02", publisher="Inter-Services Public Relations", outlet="press.example.org",
         url="https://press.example.org/b", published_date="2026-02-02", accessed_date="2026-11-23",
         source_type="official_statement", language="en", reliability="C"),
    dict(source_id="bla-2026-02-02", publisher="Baloch Liberation Army", outlet="statements.example.org",
         url="https://statements.example.org/c", accessed_date="2026-11-23",
         source_type="armed_group_statement", language="en", reliability="F", notes="No date shown."),
]

_BA = dict(country_code="PK", admin1_code="PK-BA", admin1="Balochistan", civilian_targeting="false",
           verification="corroborated")
EVENTS = [
    dict(_BA, event_id="EV-2026-0001", event_level="campaign", title="Test campaign",
         date_start="2026-01-31", date_end="2026-02-02", date_precision="days",
         event_type="Battles", sub_event_type="Armed clash", actor1_id="bla", actor2_id="pk-military",
         location="Balochistan", geonames_id="1167528", latitude="30.18414", longitude="67.00141",
         geo_precision="province", description="Test campaign of coordinated attacks across the province."),
    dict(_BA, event_id="EV-2026-0002", parent_event_id="EV-2026-0001", event_level="incident",
         title="Test clash at Mastung", date_start="2026-01-31", date_end="2026-01-31", date_precision="day",
         event_type="Battles", sub_event_type="Armed clash", actor1_id="bla", actor2_id="pk-military",
         admin2="Mastung", location="Mastung", geonames_id="1170706", latitude="29.79966", longitude="66.84553",
         geo_precision="exact", tags="suicide_attack|vbied", description="Test clash between attackers and troops."),
    dict(_BA, event_id="EV-2026-0003", parent_event_id="EV-2026-0001", event_level="incident",
         title="Test highway attack near Turbat", date_start="2026-02-01", date_end="2026-02-01",
         date_precision="day", event_type="Violence against civilians", sub_event_type="Attack",
         actor1_id="bla", actor2_id="civilians-pk", civilian_targeting="true", admin2="Kech",
         location="Turbat road", geonames_id="1163054", latitude="26.00122", longitude="63.04849",
         geo_precision="near", tags="highway_blockade", verification="single_source",
         description="Test attack on travellers stopped on a highway."),
    dict(_BA, event_id="EV-2024-0001", event_level="campaign", title="Test earlier campaign",
         date_start="2024-08-25", date_end="2024-08-26", date_precision="days",
         event_type="Explosions/Remote violence", sub_event_type="Remote explosive/landmine/IED",
         actor1_id="bla", actor2_id="pk-military", admin2="Quetta", location="Quetta", geonames_id="1167528",
         latitude="30.18414", longitude="67.00141", geo_precision="district",
         description="Test campaign recorded without incident rows.", notes="Synthetic row."),
]

_C = dict(credibility="3")
CLAIMS = [
    dict(_C, claim_id="CL-000001", event_id="EV-2026-0001", source_id="agency-2026-02-01", claimant_id="test-agency",
         claim_date="2026-02-01", claim_type="occurred", subject="unspecified", quote="coordinated attacks"),
    dict(_C, claim_id="CL-000002", event_id="EV-2026-0001", source_id="ispr-2026-02-02", claimant_id="ispr",
         claim_date="2026-02-02", claim_type="killed", subject="militants", value_low="177", value_best="177",
         value_high="177", qualifier="exact", quote="177 attackers", scope_note="campaign total"),
    dict(_C, claim_id="CL-000003", event_id="EV-2026-0002", source_id="agency-2026-02-01", claimant_id="test-agency",
         claim_date="2026-02-01", claim_type="occurred", subject="unspecified", quote="clash at Mastung"),
    dict(_C, claim_id="CL-000004", event_id="EV-2026-0002", source_id="ispr-2026-02-02", claimant_id="ispr",
         claim_date="2026-02-02", claim_type="killed", subject="security_forces", value_low="10", value_best="10",
         value_high="10", qualifier="exact", quote="10 personnel"),
    dict(_C, claim_id="CL-000005", event_id="EV-2026-0002", source_id="ispr-2026-02-02", claimant_id="ispr",
         claim_date="2026-02-02", claim_type="killed", subject="militants", value_low="37", value_best="37",
         qualifier="at_least", quote="at least 37 attackers"),
    dict(_C, claim_id="CL-000006", event_id="EV-2026-0002", source_id="bla-2026-02-02", claimant_id="bla",
         claim_date="2026-02-02", claim_type="killed", subject="security_forces", value_low="84", value_best="84",
         qualifier="more_than", quote="more than 84 soldiers", credibility="5"),
    dict(_C, claim_id="CL-000007", event_id="EV-2026-0002", source_id="agency-2026-02-01", claimant_id="test-agency",
         claim_date="2026-02-01", claim_type="killed", subject="all_persons", value_low="30", value_best="31",
         value_high="35", qualifier="approximately", quote="about 31 people"),
    dict(_C, claim_id="CL-000008", event_id="EV-2026-0002", source_id="bla-2026-02-02", claimant_id="bla",
         claim_date="2026-02-02", claim_type="responsibility", subject="unspecified", quote="we carried out"),
    dict(_C, claim_id="CL-000009", event_id="EV-2026-0003", source_id="agency-2026-02-01", claimant_id="test-agency",
         claim_date="2026-02-01", claim_type="killed", subject="civilians", value_best="5", value_high="5",
         qualifier="up_to", quote="up to 5 travellers"),
    dict(_C, claim_id="CL-000010", event_id="EV-2026-0003", source_id="ispr-2026-02-02", claimant_id="ispr",
         claim_date="2026-02-02", claim_type="killed", subject="civilians", value_low="7", value_best="7",
         value_high="7", qualifier="exact", quote="7 passengers"),
    dict(_C, claim_id="CL-000011", event_id="EV-2026-0003", source_id="agency-2026-02-01", claimant_id="test-agency",
         claim_date="2026-02-01", claim_type="injured", subject="civilians", value_low="12", value_best="12",
         value_high="12", qualifier="exact", quote="12 injured"),
    dict(_C, claim_id="CL-000012", event_id="EV-2024-0001", source_id="agency-2026-02-01", claimant_id="test-agency",
         claim_date="2024-08-26", claim_type="occurred", subject="unspecified", quote="blasts in Quetta"),
    dict(_C, claim_id="CL-000013", event_id="EV-2024-0001", source_id="ispr-2026-02-02", claimant_id="ispr",
         claim_date="2024-08-26", claim_type="killed", subject="security_forces", value_low="14", value_best="14",
         value_high="14", qualifier="exact", quote="14 personnel"),
]

# What the exports must derive from these rows (see exports/acled.py and exports/ucdp.py for the rules).
EXPECTED_ACLED_FATALITIES = {"EV-2026-0002": 47, "EV-2026-0003": 5, "EV-2024-0001": 14}
EXPECTED_LEAF_EVENTS = ["EV-2026-0002", "EV-2026-0003", "EV-2024-0001"]


def _write_csv(path: Path, fields: list[str], rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(fields)
        for row in rows:
            unknown = set(row) - set(fields)
            assert not unknown, f"sample row has fields the schema lacks: {unknown}"
            w.writerow([row.get(f, "") for f in fields])


SAMPLE_VERSION = "0.1.0"


def write_sample_descriptor(dest: Path) -> None:
    """The checkout's datapackage.json with the version set to SAMPLE_VERSION, layout kept: samples are
    unreleased packages whatever version the repository itself has reached."""
    text = (ROOT / "datapackage.json").read_text(encoding="utf-8")
    text, n = re.subn(r'("version"\s*:\s*)"[^"]*"', rf'\g<1>"{SAMPLE_VERSION}"', text, count=1)
    assert n == 1, "datapackage.json has no version"
    (dest / "datapackage.json").write_text(text, encoding="utf-8")


def write_sample_package(dest: Path) -> Path:
    """Copy datapackage.json (as an unreleased SAMPLE_VERSION) and schemas/ from the checkout and write the
    synthetic tables."""
    dest.mkdir(parents=True, exist_ok=True)
    write_sample_descriptor(dest)
    shutil.copytree(ROOT / "schemas", dest / "schemas")
    (dest / "data").mkdir()
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    rows = {"events": EVENTS, "actors": ACTORS, "sources": SOURCES, "claims": CLAIMS}
    for res in descriptor["resources"]:
        schema = json.loads((ROOT / res["schema"]).read_text(encoding="utf-8"))
        _write_csv(dest / res["path"], [f["name"] for f in schema["fields"]], rows[res["name"]])
    return dest


def build_release_zip(package: Path, out: Path) -> Path:
    """The release zip of `package`: build_release when the build module is installed, else (while it
    is being written) a zip with CSV + Parquet written from load() with the schemas' Arrow types."""
    try:
        from balochistan_events.release.build import build_release
    except ImportError:  # pragma: no cover - only while build.py is not in the tree
        return _fallback_release(package, out)
    return build_release(package, out, "2026-11-23").zip_path


def _fallback_release(package: Path, out: Path) -> Path:
    import io

    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    import balochistan_events as be
    from balochistan_events.package.descriptor import read_package
    from balochistan_events.package.fieldtypes import arrow_schema
    from balochistan_events.package.source import open_source

    ds = be.load(package)
    source = open_source(package)
    resources = read_package(source).resources
    source.close()
    out.mkdir(parents=True, exist_ok=True)
    zip_path = out / "balochistan-events-test.zip"
    with zipfile.ZipFile(zip_path, "w") as zf:
        for f in sorted(p for p in package.rglob("*") if p.is_file()):
            zf.write(f, f"balochistan-events-test/{f.relative_to(package)}")
        for name, res in resources.items():
            schema = arrow_schema(res)
            df = ds[name].copy()
            for col in df.columns:
                if isinstance(df[col].dtype, pd.CategoricalDtype):
                    df[col] = df[col].astype(object)
            table = pa.Table.from_pandas(df, preserve_index=False).cast(schema)
            buf = io.BytesIO()
            pq.write_table(table, buf)
            zf.writestr(f"balochistan-events-test/{res.path[:-4]}.parquet", buf.getvalue())
    return zip_path


_SHARED: dict[str, Path] = {}


def shared_sample(tmp_path_factory) -> Path:
    """One sample package per test session (tests only read it; copy it before changing anything)."""
    if "pkg" not in _SHARED:
        _SHARED["pkg"] = write_sample_package(tmp_path_factory.mktemp("shared-sample") / "pkg")
    return _SHARED["pkg"]


def shared_sample_release(tmp_path_factory) -> Path:
    """The sample package's release zip, built once per test session (building renders the report)."""
    if "zip" not in _SHARED:
        _SHARED["zip"] = build_release_zip(shared_sample(tmp_path_factory), tmp_path_factory.mktemp("shared-dist"))
    return _SHARED["zip"]
