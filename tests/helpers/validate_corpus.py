"""The corruption corpus: one mutation of a copy of the real package per rule, constraint kind and
structural check. Each mutation picks its row dynamically (the first incident, the first claim with
figures, …) so the corpus holds for any valid package, and returns where the problem must be
reported: (table, line, field, rule, severity).

Used by tests/validation/test_validate_corpus.py (our validator) and tests/validation/test_parity_frictionless.py
(frictionless-py on the same corpus)."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Expect:
    table: str
    line: int
    field: str | None
    rule: str
    severity: str = "error"


class Csv:
    """A data/*.csv file as header + records, written back with standard quoting and LF endings;
    knows the file line each record starts on."""

    def __init__(self, pkg: Path, table: str):
        self.path = pkg / "data" / f"{table}.csv"
        self.table = table
        with open(self.path, newline="", encoding="utf-8") as fh:
            rows = list(csv.reader(fh))
        self.header, self.rows = rows[0], rows[1:]

    def col(self, name: str) -> int:
        return self.header.index(name)

    def get(self, i: int, name: str) -> str:
        return self.rows[i][self.col(name)]

    def set(self, i: int, name: str, value: str) -> None:
        self.rows[i][self.col(name)] = value

    def find(self, pred: Callable[[dict], bool]) -> int:
        for i, r in enumerate(self.rows):
            if pred(dict(zip(self.header, r, strict=False))):
                return i
        raise LookupError(f"no row in {self.table} fits this mutation; the package is too small for the corpus")

    def record(self, i: int) -> dict:
        return dict(zip(self.header, self.rows[i], strict=False))

    @staticmethod
    def _line(record: list[str]) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(record)
        return buf.getvalue()

    def text(self) -> str:
        return "".join(self._line(r) for r in [self.header] + self.rows)

    def line_of(self, i: int) -> int:
        """File line on which data record i starts (header = line 1)."""
        return 1 + sum(self._line(r).count("\n") for r in [self.header] + self.rows[:i])

    def save(self) -> None:
        self.path.write_text(self.text(), encoding="utf-8")


def schema_edit(pkg: Path, table: str, edit: Callable[[dict], None]) -> None:
    path = pkg / "schemas" / f"{table}.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    edit(schema)
    path.write_text(json.dumps(schema, indent=2, ensure_ascii=False), encoding="utf-8")


def field_of(schema: dict, name: str) -> dict:
    return next(f for f in schema["fields"] if f["name"] == name)


def _day(s: str, delta: int) -> str:
    return (dt.date.fromisoformat(s) + dt.timedelta(days=delta)).isoformat()


def _incident(ev: Csv) -> int:
    return ev.find(lambda r: r["event_level"] == "incident" and r["parent_event_id"])


def _figures(cl: Csv) -> int:
    return cl.find(lambda r: r["value_best"] != "")


def _parent_row(ev: Csv, i: int) -> int:
    pid = ev.get(i, "parent_event_id")
    return ev.find(lambda r: r["event_id"] == pid)


def _other_value(values, current):
    return next(v for v in values if v != current)


# --- the mutations ----------------------------------------------------------------------------------
# Each takes the package directory, mutates it, and returns the expected finding.

MUTATIONS: dict[str, Callable[[Path], Expect]] = {}


def mutation(name: str):
    def register(func):
        MUTATIONS[name] = func
        return func
    return register


# structure -------------------------------------------------------------------------------------

@mutation("missing_column")
def _(pkg):
    ev = Csv(pkg, "events")
    k = ev.col("notes")
    ev.header.pop(k)
    for r in ev.rows:
        r.pop(k)
    ev.save()
    return Expect("events", 1, "notes", "missing_column")


@mutation("extra_column")
def _(pkg):
    ac = Csv(pkg, "actors")
    ac.header.append("website")
    for r in ac.rows:
        r.append("")
    ac.save()
    return Expect("actors", 1, "website", "extra_column")


@mutation("duplicate_column")
def _(pkg):
    so = Csv(pkg, "sources")
    so.header[so.col("notes")] = "title"
    so.save()
    return Expect("sources", 1, "title", "duplicate_column")


@mutation("blank_column")
def _(pkg):
    ac = Csv(pkg, "actors")
    ac.header.append("")
    for r in ac.rows:
        r.append("")
    ac.save()
    return Expect("actors", 1, None, "blank_column")


@mutation("column_order")
def _(pkg):
    cl = Csv(pkg, "claims")
    a, b = cl.col("value_low"), cl.col("value_high")
    for r in [cl.header] + cl.rows:
        r[a], r[b] = r[b], r[a]
    cl.save()
    return Expect("claims", 1, "value_high", "column_order")


@mutation("ragged_row")
def _(pkg):
    cl = Csv(pkg, "claims")
    cl.rows[0].pop()
    cl.save()
    return Expect("claims", cl.line_of(0), cl.header[-1], "ragged_row")


@mutation("blank_row")
def _(pkg):
    ac = Csv(pkg, "actors")
    line = ac.line_of(1)
    lines = ac.text().split("\n")
    lines.insert(line - 1, "")
    ac.path.write_text("\n".join(lines), encoding="utf-8")
    return Expect("actors", line, None, "blank_row")


@mutation("encoding")
def _(pkg):
    ev = Csv(pkg, "events")
    i = _incident(ev)
    ev.set(i, "title", "Attack near the caf\u00e9 on the highway")
    line = ev.line_of(i)
    data = ev.text().encode("utf-8").replace("caf\u00e9".encode("utf-8"), "caf\u00e9".encode("latin-1"))
    ev.path.write_bytes(data)
    return Expect("events", line, "title", "encoding")


@mutation("bom")
def _(pkg):
    path = pkg / "data" / "sources.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return Expect("sources", 1, None, "encoding", "warning")


# types -------------------------------------------------------------------------------------------

def _type(table, column, value, pick=lambda t: 0):
    def apply(pkg):
        t = Csv(pkg, table)
        i = pick(t)
        t.set(i, column, value)
        t.save()
        return Expect(table, t.line_of(i), column, "type")
    return apply


mutation("type_integer")(_type("claims", "credibility", "three"))
mutation("type_integer_decimal")(_type("claims", "value_best", "12.5", _figures))
mutation("type_number")(_type("events", "latitude", "29,8", _incident))
mutation("type_boolean")(_type("events", "civilian_targeting", "yes", _incident))
mutation("type_date")(_type("claims", "claim_date", "31/01/2026"))
mutation("type_date_impossible")(_type("events", "date_end", "2026-02-30", _incident))


# constraints ---------------------------------------------------------------------------------------

def _cell(table, column, value, rule, pick=lambda t: 0, severity="error", field=None):
    def apply(pkg):
        t = Csv(pkg, table)
        i = pick(t)
        t.set(i, column, value(t, i) if callable(value) else value)
        t.save()
        return Expect(table, t.line_of(i), field or column, rule, severity)
    return apply


mutation("required")(_cell("events", "title", "", "required", _incident))
mutation("pattern")(_cell("claims", "claim_id", "CL-12", "pattern", lambda t: len(t.rows) - 1))
mutation("enum")(_cell("events", "geo_precision", "city", "enum", _incident))
mutation("minimum")(_cell("claims", "credibility", "0", "minimum"))
mutation("maximum")(_cell("events", "longitude", "78.5", "maximum", _incident))
mutation("min_length")(_cell("events", "title", "ab", "min_length", _incident))
mutation("max_length")(_cell("claims", "quote", "x" * 201, "max_length"))
mutation("categories_integer")(_cell("actors", "acled_inter", "9", "categories",
                                     lambda t: t.find(lambda r: r["acled_inter"] != "")))


@mutation("unique")
def _(pkg):
    ev = Csv(pkg, "events")
    ev.set(1, "event_id", ev.get(0, "event_id"))
    ev.save()
    return Expect("events", ev.line_of(1), "event_id", "unique")


@mutation("categories_without_enum")
def _(pkg):
    schema_edit(pkg, "events", lambda s: field_of(s, "geo_precision")["constraints"].pop("enum"))
    return _cell("events", "geo_precision", "city", "categories", _incident)(pkg)


@mutation("exclusive_minimum")
def _(pkg):
    schema_edit(pkg, "claims", lambda s: field_of(s, "credibility")["constraints"].update(exclusiveMinimum=1))
    return _cell("claims", "credibility", "1", "exclusive_minimum")(pkg)


@mutation("exclusive_maximum")
def _(pkg):
    schema_edit(pkg, "claims", lambda s: field_of(s, "credibility")["constraints"].update(exclusiveMaximum=6))
    return _cell("claims", "credibility", "6", "exclusive_maximum")(pkg)


@mutation("primary_key")
def _(pkg):
    schema_edit(pkg, "actors", lambda s: field_of(s, "actor_id")["constraints"].pop("unique"))
    ac = Csv(pkg, "actors")
    i = len(ac.rows) - 1
    ac.set(i, "actor_id", ac.get(0, "actor_id"))
    ac.set(i, "parent_actor_id", "")
    ac.save()
    return Expect("actors", ac.line_of(i), "actor_id", "primary_key")


@mutation("primary_key_composite")
def _(pkg):
    def edit(s):
        s["primaryKey"] = ["source_id", "publisher"]
        s["uniqueKeys"] = []
        field_of(s, "source_id")["constraints"].pop("unique")
    schema_edit(pkg, "sources", edit)
    so = Csv(pkg, "sources")
    i = len(so.rows) - 1
    so.set(i, "source_id", so.get(0, "source_id"))
    so.set(i, "publisher", so.get(0, "publisher"))
    so.save()
    return Expect("sources", so.line_of(i), "source_id+publisher", "primary_key")


@mutation("unique_keys")
def _(pkg):
    so = Csv(pkg, "sources")
    i = len(so.rows) - 1
    so.set(i, "url", so.get(0, "url"))
    so.save()
    return Expect("sources", so.line_of(i), "url", "unique_keys")


@mutation("unique_keys_composite")
def _(pkg):
    cl = Csv(pkg, "claims")
    copy = list(cl.rows[0])
    ids = [int(r[cl.col("claim_id")].split("-")[1]) for r in cl.rows]
    copy[cl.col("claim_id")] = f"CL-{max(ids) + 1:06d}"
    cl.rows.append(copy)
    cl.save()
    key = json.loads((pkg / "schemas" / "claims.json").read_text())["uniqueKeys"][0]
    return Expect("claims", cl.line_of(len(cl.rows) - 1), "+".join(key), "unique_keys")


mutation("foreign_key")(_cell("claims", "source_id", "no-such-source", "foreign_key"))
mutation("foreign_key_self_reference")(_cell("events", "parent_event_id", "EV-2099-9999", "foreign_key", _incident))
mutation("foreign_key_actor")(_cell("events", "actor1_id", "no-such-actor", "foreign_key", _incident))


@mutation("foreign_key_composite")
def _(pkg):
    def edit(s):
        s["foreignKeys"].append({"fields": ["parent_event_id", "country_code"],
                                 "reference": {"fields": ["event_id", "country_code"]}})
    schema_edit(pkg, "events", edit)
    ev = Csv(pkg, "events")
    i = _incident(ev)
    ev.set(i, "country_code", "AF")
    ev.save()
    return Expect("events", ev.line_of(i), "parent_event_id+country_code", "foreign_key")


# domain rules ------------------------------------------------------------------------------------

mutation("date_order")(_cell("events", "date_end", lambda t, i: _day(t.get(i, "date_start"), -1), "date_order", _incident))


@mutation("incident_within_campaign")
def _(pkg):
    ev = Csv(pkg, "events")
    i = _incident(ev)
    p = _parent_row(ev, i)
    ev.set(i, "date_end", _day(ev.get(p, "date_end"), 1))
    ev.save()
    return Expect("events", ev.line_of(i), "date_end", "incident_within_campaign")


@mutation("parent_level")
def _(pkg):
    ev = Csv(pkg, "events")
    i = _incident(ev)
    ev.set(i, "event_level", "campaign")
    ev.save()
    return Expect("events", ev.line_of(i), "parent_event_id", "parent_level")


@mutation("parent_cycle")
def _(pkg):
    ev = Csv(pkg, "events")
    i = _incident(ev)
    p = _parent_row(ev, i)
    ev.set(p, "parent_event_id", ev.get(i, "event_id"))
    ev.save()
    return Expect("events", ev.line_of(p), "parent_event_id", "parent_cycle")


@mutation("parent_cycle_actors")
def _(pkg):
    ac = Csv(pkg, "actors")
    ac.set(0, "parent_actor_id", ac.get(0, "actor_id"))
    ac.save()
    return Expect("actors", ac.line_of(0), "parent_actor_id", "parent_cycle")


@mutation("sub_event_type_in_type")
def _(pkg):
    ev = Csv(pkg, "events")
    schema = json.loads((pkg / "schemas" / "events.json").read_text())
    belongs = field_of(schema, "sub_event_type")["x-belongs-to"]["values"]
    i = _incident(ev)
    etype = ev.get(i, "event_type")
    ev.set(i, "sub_event_type", next(s for s, t in belongs.items() if t != etype))
    ev.save()
    return Expect("events", ev.line_of(i), "sub_event_type", "sub_event_type_in_type")


mutation("iso_codes_country")(_cell("actors", "country_code", "XX", "iso_codes",
                                    lambda t: t.find(lambda r: r["country_code"] != "")))
mutation("iso_codes_admin1")(_cell("events", "admin1_code", "PK-ZZ", "iso_codes", _incident))


@mutation("geonames_place_distance")
def _(pkg):
    ev = Csv(pkg, "events")
    i = _incident(ev)
    lat = float(ev.get(i, "latitude"))
    ev.set(i, "latitude", f"{lat + (0.6 if lat < 36 else -0.6):.5f}")
    ev.save()
    return Expect("events", ev.line_of(i), "latitude", "geonames_place")


@mutation("geonames_place_admin1")
def _(pkg):
    ev = Csv(pkg, "events")
    i = _incident(ev)
    ev.set(i, "admin1_code", _other_value(["PK-SD", "PK-PB"], ev.get(i, "admin1_code")))
    ev.save()
    return Expect("events", ev.line_of(i), "admin1_code", "geonames_place")


mutation("geonames_place_unknown_id")(_cell("events", "geonames_id", "1", "geonames_place", _incident, "warning"))


@mutation("coordinates_in_country")
def _(pkg):
    ev = Csv(pkg, "events")
    i = _incident(ev)
    ev.set(i, "latitude", "31.61332")    # Kandahar, Afghanistan: inside Pakistan's bounding box
    ev.set(i, "longitude", "65.71013")
    ev.save()
    return Expect("events", ev.line_of(i), "latitude", "coordinates_in_country")


mutation("tags_vocabulary")(_cell("events", "tags", "suicide_attack|not_a_tag", "tags_vocabulary", _incident))


@mutation("near_duplicate_event")
def _(pkg):
    ev = Csv(pkg, "events")
    i = _incident(ev)
    copy = list(ev.rows[i])
    year = ev.get(i, "event_id").split("-")[1]
    serials = [int(r[ev.col("event_id")].split("-")[2]) for r in ev.rows]
    copy[ev.col("event_id")] = f"EV-{year}-{max(serials) + 1:04d}"
    ev.rows.append(copy)
    ev.save()
    cl = Csv(pkg, "claims")          # give the copy a claim, so only the near-duplicate is new
    c = cl.find(lambda r: r["event_id"] == ev.get(i, "event_id"))
    claim = list(cl.rows[c])
    ids = [int(r[cl.col("claim_id")].split("-")[1]) for r in cl.rows]
    claim[cl.col("claim_id")] = f"CL-{max(ids) + 1:06d}"
    claim[cl.col("event_id")] = copy[ev.col("event_id")]
    cl.rows.append(claim)
    cl.save()
    return Expect("events", ev.line_of(len(ev.rows) - 1), "location", "near_duplicate_event", "warning")


@mutation("event_has_claim")
def _(pkg):
    ev = Csv(pkg, "events")
    i = _incident(ev)
    eid = ev.get(i, "event_id")
    cl = Csv(pkg, "claims")
    cl.rows = [r for r in cl.rows if r[cl.col("event_id")] != eid]
    cl.save()
    return Expect("events", ev.line_of(i), "event_id", "event_has_claim")


@mutation("low_le_best_le_high")
def _(pkg):
    cl = Csv(pkg, "claims")
    i = _figures(cl)
    cl.set(i, "value_low", str(int(cl.get(i, "value_best")) + 25))
    cl.save()
    return Expect("claims", cl.line_of(i), "value_low", "low_le_best_le_high")


@mutation("qualifier_consistency")
def _(pkg):
    cl = Csv(pkg, "claims")
    i = _figures(cl)
    best = int(cl.get(i, "value_best"))
    cl.set(i, "qualifier", "exact")
    cl.set(i, "value_low", str(best))
    cl.set(i, "value_high", str(best + 1))
    cl.save()
    return Expect("claims", cl.line_of(i), "value_high", "qualifier_consistency")


@mutation("figures_match_claim_type")
def _(pkg):
    cl = Csv(pkg, "claims")
    schema = json.loads((pkg / "schemas" / "claims.json").read_text())
    without = field_of(schema, "claim_type")["x-without-figures"]
    i = cl.find(lambda r: r["claim_type"] in without)
    cl.set(i, "value_best", "5")
    cl.save()
    return Expect("claims", cl.line_of(i), "value_best", "figures_match_claim_type")


@mutation("claim_after_event_start")
def _(pkg):
    ev = Csv(pkg, "events")
    starts = {r[ev.col("event_id")]: r[ev.col("date_start")] for r in ev.rows}
    cl = Csv(pkg, "claims")
    cl.set(0, "claim_date", _day(starts[cl.get(0, "event_id")], -1))
    cl.save()
    return Expect("claims", cl.line_of(0), "claim_date", "claim_after_event_start")


@mutation("quote_translated")
def _(pkg):
    src = Csv(pkg, "sources")
    foreign = {r[src.col("source_id")] for r in src.rows if r[src.col("language")] != "en"}
    cl = Csv(pkg, "claims")
    i = next(i for i, r in enumerate(cl.rows) if r[cl.col("source_id")] in foreign)
    cl.set(i, "quote_translation", "")
    cl.save()
    return Expect("claims", cl.line_of(i), "quote_translation", "quote_translated")


@mutation("source_cited")
def _(pkg):
    so = Csv(pkg, "sources")
    copy = list(so.rows[0])
    copy[so.col("source_id")] = "uncited-source-zz"
    copy[so.col("url")] = "https://example.org/uncited-source"
    so.rows.append(copy)
    so.save()
    return Expect("sources", so.line_of(len(so.rows) - 1), "source_id", "source_cited", "warning")


mutation("url_http")(_cell("sources", "url", "https:///no-host/page", "url_http"))
mutation("spreadsheet_formula")(_cell("events", "title", "=HYPERLINK(\"http://x.example\")", "spreadsheet_formula", _incident))
mutation("spreadsheet_formula_at")(_cell("claims", "quote", "@SUM(A1:A9)", "spreadsheet_formula"))
mutation("spreadsheet_formula_after_space")(_cell("sources", "title", " =cmd|' /C calc'!A0", "spreadsheet_formula"))
# (the comma makes csv.writer quote the cell: it does not quote a lone CR, which would split the row)
mutation("line_break")(_cell("events", "title", "Attack on a checkpoint, then\r=cmd|' /C calc'!A0", "line_break",
                             _incident))
mutation("line_break_lf")(_cell("claims", "quote", "at least 12\nkilled", "line_break"))
mutation("whitespace")(_cell("actors", "name", lambda t, i: t.get(i, "name") + " ", "whitespace", severity="warning"))


@mutation("line_endings")
def _(pkg):
    path = pkg / "data" / "actors.csv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    return Expect("actors", 1, None, "line_endings", "warning")


mutation("control_character")(_cell("events", "title", "Attack\x07 on a checkpoint", "control_character", _incident))
mutation("bidi_control")(_cell("claims", "quote", "at least \u202e73 killed", "bidi_control", severity="warning"))


@mutation("csv_syntax")
def _(pkg):
    ac = Csv(pkg, "actors")
    line = ac.line_of(len(ac.rows) - 1) + 1
    cells = [""] * len(ac.header)
    cells[ac.col("name")] = '"Unclosed quote'                          # a quoted cell that never ends
    ac.path.write_text(ac.text() + ",".join(cells) + "\n", encoding="utf-8")
    return Expect("actors", line, None, "csv_syntax")
