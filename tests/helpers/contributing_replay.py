"""Replaying the worked example of CONTRIBUTING.md as a newcomer would type it.

CONTRIBUTING.md marks the console blocks of its worked example with an HTML comment:
``<!-- replay -->`` (the example itself) or ``<!-- replay:NAME -->`` (a variant, e.g. the hand-edit
mistake). Each block holds ``$ command`` lines (``\\`` continues a line) followed by the output the
command printed when the document was written.

`replay` runs the ``balochistan-events`` commands through click's CliRunner in a package directory
and `tail -n N FILE` by reading the file; git/cd/cp/rm lines set up or clean up the scratch copy and
are skipped (they must have no documented output). The documented output is then compared with
what the command prints now:

- IDs printed by a command (e.g. ``added EV-2026-0023``) may differ from the document's because the
  data has grown since; the document's IDs are mapped to the ones printed now, in order, and the
  mapping applies to later commands and outputs;
- line numbers (``data/claims.csv:303:``, ``(line 303)``), row and warning counts, and numbers in
  ``note:`` lines are masked for the same reason;
- every documented line must appear in the actual output, in order (``…`` lines and extra actual
  lines are allowed: the document may trim output).

Also usable as a script to print the real output of every block (to paste into the document):
``python tests/helpers/contributing_replay.py PACKAGE_DIR``.
"""
from __future__ import annotations

import os
import re
import shlex
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

BLOCK = re.compile(r"<!-- replay(?::(?P<name>[\w-]+))? -->\s*\n```console\n(?P<body>.*?)```", re.S)
ID = re.compile(r"\b(?:EV-[0-9]{4}-[0-9]{4,7}|CL-[0-9]{6,8})\b")
SKIPPED = {"git", "cd", "cp", "rm", "mkdir", "pip", "python", "python3"}


@dataclass
class Step:
    block: str
    command: str
    expected: list[str]

    @property
    def argv(self) -> list[str]:
        return shlex.split(self.command)

    @property
    def expected_exit(self) -> int:
        text = "\n".join(self.expected)
        return 1 if ("row not added" in text or "INVALID" in text) else 0


def parse(markdown: str) -> list[Step]:
    steps: list[Step] = []
    for m in BLOCK.finditer(markdown):
        name = m["name"] or "main"
        current: Step | None = None
        continuing = False
        for line in m["body"].splitlines():
            if continuing:
                current.command += " " + line.strip().rstrip("\\").strip()
                continuing = line.rstrip().endswith("\\")
            elif line.startswith("$ "):
                current = Step(name, line[2:].rstrip().rstrip("\\").strip(), [])
                continuing = line.rstrip().endswith("\\")
                steps.append(current)
            elif current is not None:
                current.expected.append(line)
    return steps


@contextmanager
def chdir(path: Path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


@dataclass
class Outcome:
    step: Step
    command: str
    exit_code: int
    output: str
    missing: list[str] = field(default_factory=list)


def normalise(line: str) -> str:
    line = line.rstrip()
    line = re.sub(r"(\S+\.csv):[0-9]+:", r"\1:N:", line)
    line = re.sub(r"\(line [0-9]+\)", "(line N)", line)
    line = re.sub(r"^(\w+): [0-9]+ rows, ([0-9]+) error\(s\), [0-9]+ warning\(s\)",
                  r"\1: N rows, \2 error(s), N warning(s)", line)
    line = re.sub(r"[0-9]+ warning\(s\)", "N warning(s)", line)
    if line.startswith("note:"):
        line = re.sub(r"(?<![-0-9])[0-9]+(?![-0-9])", "N", line)
    return line


def substitute(text: str, mapping: dict[str, str]) -> str:
    return ID.sub(lambda m: mapping.get(m[0], m[0]), text)


def run_step(argv: list[str], cwd: Path) -> tuple[int, str]:
    from click.testing import CliRunner

    from balochistan_events.cli import cli

    if argv[0] == "balochistan-events":
        with chdir(cwd):
            result = CliRunner().invoke(cli, argv[1:])
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.exit_code, result.output
    if argv[0] == "tail" and argv[1] == "-n":
        lines = (cwd / argv[3]).read_text(encoding="utf-8").splitlines()
        return 0, "\n".join(lines[-int(argv[2]):]) + "\n"
    raise ValueError(f"the replay cannot run {argv[0]!r}")


def replay(steps: list[Step], cwd: Path, mapping: dict[str, str] | None = None) -> list[Outcome]:
    mapping = {} if mapping is None else mapping
    outcomes = []
    for step in steps:
        argv = shlex.split(substitute(step.command, mapping))
        if argv[0] in SKIPPED:
            assert not [x for x in step.expected if x.strip()], f"skipped command {step.command!r} has documented output"
            continue
        code, output = run_step(argv, cwd)
        expected = [x for x in step.expected if x.strip() and x.strip() != "…"]
        # only commands that hand out IDs teach the mapping (validate may list other rows' IDs)
        teaches = argv[0] == "balochistan-events" and (argv[1] == "next-id" or argv[1].startswith("add-"))
        doc_ids = [i for i in ID.findall("\n".join(expected)) if i not in mapping] if teaches else []
        new_ids = [i for i in ID.findall(output) if i not in mapping.values()]
        for doc_id, new_id in zip(dict.fromkeys(doc_ids), dict.fromkeys(new_ids), strict=False):
            mapping.setdefault(doc_id, new_id)
        actual = [normalise(x) for x in output.splitlines()]
        missing, pos = [], 0
        for want in (normalise(substitute(x, mapping)) for x in expected):
            try:
                pos = actual.index(want, pos) + 1
            except ValueError:
                missing.append(want)
        outcomes.append(Outcome(step, " ".join(argv), code, output, missing))
    return outcomes


def hand_edit(pkg: Path, quote: str = "At least three security personnel were killed") -> str:
    """The mistake of the guide's hand-edit section: value_high typed into the 'at least' claim.
    Returns the claim_id of the edited row."""
    import csv
    import io

    path = pkg / "data" / "claims.csv"
    lines = path.read_text(encoding="utf-8").split("\n")
    header = next(csv.reader([lines[0]]))
    for i in range(len(lines) - 1, 0, -1):
        if not lines[i]:
            continue
        row = dict(zip(header, next(csv.reader([lines[i]])), strict=False))
        if row.get("quote") == quote and row.get("qualifier") == "at_least":
            row["value_high"] = row["value_best"]
            buf = io.StringIO()
            csv.writer(buf, lineterminator="").writerow([row[h] for h in header])
            lines[i] = buf.getvalue()
            path.write_text("\n".join(lines), encoding="utf-8")
            return row["claim_id"]
    raise AssertionError(f"no 'at_least' claim quoting {quote!r} in {path}")


if __name__ == "__main__":  # print the real output of every block, to paste into CONTRIBUTING.md
    import sys

    root = Path(__file__).resolve().parents[2]
    pkg = Path(sys.argv[1]).resolve()
    edited = False
    for step in parse((root / "CONTRIBUTING.md").read_text(encoding="utf-8")):
        argv = step.argv
        if step.block == "hand-edit" and not edited:
            print(f"(hand edit: value_high of {hand_edit(pkg)})")
            edited = True
        if argv[0] in SKIPPED:
            print(f"[{step.block}] $ {step.command}   (skipped)")
            continue
        code, out = run_step(argv, pkg)
        print(f"[{step.block}] $ {step.command}   (exit {code})\n{out}")
