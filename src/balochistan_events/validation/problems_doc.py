"""docs/validation.md's tables of problems, generated from the catalogue (problems.py) and the rule
registry (rules.RULES, for the tables each rule reads).

The prose of the page is written by hand; the tables sit between two markers and are rewritten by
`python scripts/make_validation_doc.py`. tests/validation/test_validate_docs.py fails when the
committed page differs from what this module generates.
"""
from __future__ import annotations

from balochistan_events.validation.problems import Code, Group, codes
from balochistan_events.validation.rules import RULES

BEGIN = "<!-- BEGIN problems: generated from validation/problems.py by scripts/make_validation_doc.py -->"
END = "<!-- END problems -->"

_SECTIONS: list[tuple[Group, str, str]] = [
    (Group.FILE, "Reading the file (package/csvread.py)",
     "Each CSV is read as text with every row's file line, whatever its bytes."),
    (Group.HEADER, "The header (validation/engine.py)",
     "The header row against the schema's fields, honouring `fieldsMatch`; reported at line 1."),
    (Group.CONSTRAINT, "Types and Table Schema constraints (validation/engine.py, constraints.py)",
     "Each cell parsed to its field's type and checked against the field's constraints."),
    (Group.KEY, "Keys (validation/engine.py)",
     "Primary keys, `uniqueKeys` and foreign keys, composite and self-referencing ones included."),
    (Group.RULE, "Domain rules (validation/rules/, `rules.RULES`)",
     "What the Table Schemas cannot say. Rules take their parameters from the schemas' custom properties "
     "(`x-vocabulary`, `x-belongs-to`, `x-without-figures`, `x-geonames-admin1`), never from lists in Python; "
     "a rule whose table or columns are missing or unreadable is skipped (the checks above report that). They "
     "run, and are listed in the codebook, in this order. None is found by frictionless."),
    (Group.CONTRIBUTION, "Adding rows (contribute/rows.py)",
     "Checks the row commands (`add-claim`, `add-event`, `add-source`, `add-actor`) make besides running "
     "`validate` on the package with the new row in it."),
]


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _severity(code: Code) -> str:
    return code.severity + (f"; warning for {code.warning_when}" if code.warning_when else "")


def _what(code: Code) -> str:
    return _cell(code.title + (f"; {code.detail}" if code.detail else ""))


def _table(group: Group) -> list[str]:
    if group is Group.RULE:
        lines = ["| rule | table | severity | what | hint |", "|---|---|---|---|---|"]
        for c in codes(group):
            table = RULES[c.value].table.replace("*", "every table") if c.value in RULES else ""
            lines.append(f"| `{c.value}` | {table} | {_severity(c)} | {_what(c)} | {_cell(c.hint)} |")
        return lines
    lines = ["| code | severity | what | hint | frictionless |", "|---|---|---|---|---|"]
    for c in codes(group):
        lines.append(f"| `{c.value}` | {_severity(c)} | {_what(c)} | {_cell(c.hint)} | {_cell(c.frictionless)} |")
    return lines


def problem_tables() -> str:
    """The generated part of docs/validation.md: one section per group of the catalogue."""
    out: list[str] = [BEGIN, ""]
    for group, heading, intro in _SECTIONS:
        out += [f"### {heading}", "", intro, "", *_table(group), ""]
    return "\n".join(out + [END])


def render_validation_doc(page: str) -> str:
    """`page` (docs/validation.md) with its generated tables brought up to date."""
    if BEGIN not in page or END not in page:
        raise ValueError(f"docs/validation.md has lost its markers {BEGIN!r} / {END!r}")
    head, rest = page.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    return head + problem_tables() + tail
