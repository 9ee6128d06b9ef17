"""A small synthetic package for the report's tests: two campaigns, a dozen incidents, claims that
climb day by day from three sides, every qualifier, a range, and hostile strings (HTML, script,
mathtext) in data fields. The numbers are made up: this package is only ever written to a tmp dir.

Column lists come from the real schemas (rows are dicts; unknown columns are an error)."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

from sample_package import write_sample_descriptor  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]

HOSTILE_QUOTE = '<script>window.__pwned = 1</script><img src="https://example.invalid/x.png" onerror="window.__pwned=2">'
HOSTILE_ACTOR = 'Residents <b>& witnesses</b> $x^2$'

# (location, geonames_id, lat, lon, admin2, event_type, sub_event_type)
PLACES = [
    ("Quetta", 1167528, 30.18414, 67.00141, "Quetta", "Battles", "Armed clash"),
    ("Mastung", 1170706, 29.79966, 66.84553, "Mastung", "Battles", "Armed clash"),
    ("Gwadar", 1177446, 25.12163, 62.32541, "Gwadar", "Explosions/Remote violence", "Suicide bomb"),
    ("Nushki", 1168749, 29.55218, 66.02288, "Nushki", "Battles", "Armed clash"),
    ("Pasni", 1168312, 25.26302, 63.46921, "Gwadar", "Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("Kalat", 1175296, 29.02663, 66.59361, "Kalat", "Violence against civilians", "Attack"),
    ("Turbat", 1163054, 26.00122, 63.04849, "Kech", "Battles", "Armed clash"),
    ("Bela", 1182998, 26.22718, 66.31178, "Lasbela", "Battles", "Armed clash"),
    ("Sibi", 1164896, 29.54299, 67.87726, "Sibi", "Strategic developments", "Arrests"),
    ("Kharan", 1174062, 28.58459, 65.41501, "Kharan", "Battles", "Armed clash"),
]


def _fields(table: str) -> list[str]:
    return [f["name"] for f in json.loads((ROOT / "schemas" / f"{table}.json").read_text())["fields"]]


def _write(dest: Path, table: str, rows: list[dict]) -> None:
    names = _fields(table)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(names)
    for row in rows:
        unknown = set(row) - set(names)
        assert not unknown, f"{table}: unknown columns {unknown}"
        w.writerow(["" if row.get(n) is None else row.get(n) for n in names])
    (dest / "data" / f"{table}.csv").write_text(buf.getvalue(), encoding="utf-8")


def _event(eid, parent, level, title, start, end, place, tags="", prec="day"):
    loc, gid, lat, lon, admin2, etype, sub = place
    return dict(event_id=eid, parent_event_id=parent, event_level=level, title=title, date_start=start,
                date_end=end, date_precision=prec, event_type=etype, sub_event_type=sub, actor1_id="bla",
                actor2_id="pk-military", civilian_targeting="false", country_code="PK", admin1_code="PK-BA",
                admin1="Balochistan", admin2=admin2, location=loc, geonames_id=gid, latitude=lat, longitude=lon,
                geo_precision="exact" if level == "incident" else "province", tags=tags,
                verification="single_source", description=f"Synthetic test event at {loc}.", notes=None)


URDU_QUOTE = "۳۷ دہشت گرد ہلاک"          # made up, like every row here
URDU_TRANSLATION = "37 terrorists killed"


def add_translations(dest: Path) -> Path:
    """Give the fixture a quote_translation column (in its own copy of the claims schema, whether or
    not the checkout's has it yet) and one claim in Urdu from an Urdu source, translated."""
    schema_path = dest / "schemas" / "claims.json"
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    names = [f["name"] for f in schema["fields"]]
    if "quote_translation" not in names:
        at = names.index("quote") + 1
        schema["fields"].insert(at, {"name": "quote_translation", "type": "string",
                                     "description": "Our English rendering of a quote in another language."})
        schema_path.write_text(json.dumps(schema, indent=2), encoding="utf-8")
        names.insert(at, "quote_translation")
    rows = list(csv.DictReader(io.StringIO((dest / "data" / "claims.csv").read_text(encoding="utf-8"))))
    rows.append(dict(claim_id=f"CL-{len(rows) + 1:06d}", event_id="EV-2026-0001", source_id="src-urdu",
                     claimant_id="pk-interior-ministry", claim_date="2026-02-06", claim_type="killed",
                     subject="militants", value_low="37", value_best="37", value_high="37", qualifier="exact",
                     quote=URDU_QUOTE, quote_translation=URDU_TRANSLATION, credibility="3"))
    buf = io.StringIO()
    w = csv.DictWriter(buf, names, lineterminator="\n", restval="")
    w.writeheader()
    w.writerows(rows)
    (dest / "data" / "claims.csv").write_text(buf.getvalue(), encoding="utf-8")
    src = (dest / "data" / "sources.csv").read_text(encoding="utf-8")
    src += ("src-urdu,Daily Example (Urdu),example.pk,Report in Urdu,https://example.pk/ur,2026-02-06,2026-02-10,"
            "newspaper,ur,C,\n")
    (dest / "data" / "sources.csv").write_text(src, encoding="utf-8")
    return dest


def write_fixture(dest: Path, *, extra_incidents: int = 0) -> Path:
    """Write the synthetic package to dest (datapackage.json and schemas copied from the checkout)."""
    dest.mkdir(parents=True, exist_ok=True)
    write_sample_descriptor(dest)
    shutil.copytree(ROOT / "schemas", dest / "schemas", dirs_exist_ok=True)
    (dest / "data").mkdir(exist_ok=True)

    actors = [
        dict(actor_id="bla", name="Baloch Liberation Army", aliases="BLA", actor_type="rebel_group", acled_inter=2,
             country_code="PK", description="Armed separatist group (synthetic test row)."),
        dict(actor_id="pk-military", name="Pakistan Armed Forces", actor_type="state_forces", acled_inter=1,
             country_code="PK", description="State armed forces (synthetic test row)."),
        dict(actor_id="ispr", name="Inter-Services Public Relations", aliases="ISPR", actor_type="state_authority",
             parent_actor_id="pk-military", country_code="PK", description="Military media wing (synthetic test row)."),
        dict(actor_id="pk-interior-ministry", name="Ministry of Interior (Pakistan)", actor_type="state_authority",
             country_code="PK", description="Interior ministry (synthetic test row)."),
        dict(actor_id="ap", name="Associated Press", actor_type="media", acled_inter=None,
             description="News agency, own count (synthetic test row)."),
        dict(actor_id="residents", name=HOSTILE_ACTOR, actor_type="civilians",
             description="Unnamed witnesses (synthetic test row with hostile name)."),
    ]
    sources = [
        dict(source_id="src-ispr", publisher="ISPR", outlet="example.org", title="Statement",
             url="https://example.org/ispr", published_date="2026-01-31", accessed_date="2026-02-10",
             source_type="official_statement", language="en", reliability="B"),
        dict(source_id="src-bla", publisher="BLA", outlet="example.net", title="Statement <i>two</i>",
             url="https://example.net/bla?a=1&b=2", published_date="2026-02-01", accessed_date="2026-02-10",
             source_type="armed_group_statement", language="en", reliability="D"),
        dict(source_id="src-ap", publisher="Associated Press", outlet="example.com", title="Report",
             url="https://example.com/ap", published_date="2026-02-02", accessed_date="2026-02-10",
             source_type="news_agency", language="en", reliability="A"),
        dict(source_id="src-bad", publisher="Unknown", outlet="example.edu", title="Odd link",
             url="https://example.edu/\"onmouseover=\"alert(1)", published_date=None, accessed_date="2026-02-10",
             source_type="social_media", language="en", reliability="F"),
    ]
    camp_place = ("Balochistan", 1183606, 28.49, 65.09, None, "Battles", "Armed clash")
    events = [
        _event("EV-2026-0001", None, "campaign", "Coordinated attacks across Balochistan (synthetic)",
               "2026-01-31", "2026-02-06", camp_place, prec="days"),
        _event("EV-2024-0001", None, "campaign", "Night of coordinated attacks (synthetic)",
               "2024-08-25", "2024-08-26", camp_place, prec="days"),
    ]
    claims = []

    def claim(eid, src, who, date, ctype, subject, low=None, best=None, high=None, q=None, quote="figure quoted"):
        claims.append(dict(claim_id=f"CL-{len(claims) + 1:06d}", event_id=eid, source_id=src, claimant_id=who,
                           claim_date=date, claim_type=ctype, subject=subject, value_low=low, value_best=best,
                           value_high=high, qualifier=q, quote=quote, credibility=3))

    days = ["2026-01-31", "2026-02-01", "2026-02-02", "2026-02-03", "2026-02-05"]
    for i, place in enumerate(PLACES):
        eid = f"EV-2026-{i + 2:04d}"
        day = days[i % 4]
        events.append(_event(eid, "EV-2026-0001", "incident", f"Attack at {place[0]} (synthetic)", day, day, place))
        claim(eid, "src-ap", "ap", day, "occurred", "unspecified", quote="attack reported")
        if i % 3 != 2:
            claim(eid, "src-ispr", "ispr", day, "killed", "militants", best=3 + i, low=3 + i, high=3 + i, q="exact")
        if i % 2 == 0:
            claim(eid, "src-bla", "bla", days[(i % 4) + 1], "killed", "security_forces", low=5 + 2 * i, best=5 + 2 * i,
                  q="at_least")
    # campaign totals climbing day by day (official count of militants, armed group's count of soldiers)
    for d, v in zip(days, [37, 67, 92, 145, 177], strict=False):
        claim("EV-2026-0001", "src-ispr", "ispr", d, "killed", "militants", v, v, v, "exact", f"{v} terrorists")
    for d, v in zip(days[1:], [40, 84, 200, 280], strict=False):
        claim("EV-2026-0001", "src-bla", "bla", d, "killed", "security_forces", v, v, None, "more_than",
              f"more than {v} personnel")
    for d, v in zip(days, [10, 15, 17, 22, 31], strict=False):
        claim("EV-2026-0001", "src-ispr", "ispr", d, "killed", "security_forces", v, v, v, "exact", f"{v} martyred")
    claim("EV-2026-0001", "src-ap", "ap", "2026-02-02", "killed", "security_forces", 20, 25, 30, "approximately",
          "between 20 and 30 soldiers")
    claim("EV-2026-0001", "src-ap", "ap", "2026-02-03", "killed", "militants", None, 120, 120, "up_to", "up to 120")
    claim("EV-2026-0001", "src-bad", "residents", "2026-02-01", "killed", "civilians", 12, 12, 12, "exact",
          HOSTILE_QUOTE)
    claim("EV-2026-0001", "src-ap", "ap", "2026-02-02", "killed", "civilians", None, 18, 18, "nearly", "nearly 18")
    claim("EV-2026-0001", "src-ispr", "pk-interior-ministry", "2026-02-01", "killed", "civilians", 31, 31, 31,
          "exact", "31 civilians")
    # the 2024 campaign: a few incidents, one panel
    for i, place in enumerate(PLACES[:4]):
        eid = f"EV-2024-{i + 2:04d}"
        events.append(_event(eid, "EV-2024-0001", "incident", f"Night attack at {place[0]} (synthetic)",
                             "2024-08-25" if i < 3 else "2024-08-26", "2024-08-26", place, prec="days"))
        claim(eid, "src-ap", "ap", "2024-08-26", "killed", "all_persons", 2 + i, 2 + i, 2 + i, "exact")
    claim("EV-2024-0001", "src-ispr", "ispr", "2024-08-26", "killed", "militants", 21, 21, 21, "exact", "21 killed")
    claim("EV-2024-0001", "src-ispr", "ispr", "2024-08-27", "killed", "militants", 25, 25, 25, "exact", "25 killed")
    claim("EV-2024-0001", "src-bla", "bla", "2024-08-27", "killed", "security_forces", 102, 102, None, "at_least")
    for k in range(extra_incidents):
        place = PLACES[k % len(PLACES)]
        eid = f"EV-2026-{k + 100:04d}"
        day = f"2026-02-{1 + k % 6:02d}"
        events.append(_event(eid, "EV-2026-0001", "incident", f"Extra incident {k} (synthetic)", day, day, place))
        claim(eid, "src-ap", "ap", day, "killed", "civilians", k % 7, k % 7, k % 7, "exact", f"extra {k}")
    _write(dest, "events", events)
    _write(dest, "actors", actors)
    _write(dest, "sources", sources)
    _write(dest, "claims", claims)
    return dest
