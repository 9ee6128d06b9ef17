"""Regenerate the tables of problems in docs/validation.md from the catalogue
(src/balochistan_events/validation/problems.py). Run after changing a code, its title or its hint:

    python scripts/make_validation_doc.py [--check]

--check exits 1 (writing nothing) when the page is stale."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from balochistan_events.package.atomic import write_text
from balochistan_events.validation.problems_doc import render_validation_doc

PAGE = Path(__file__).resolve().parents[1] / "docs" / "validation.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report whether the page is up to date")
    args = parser.parse_args(argv)
    page = PAGE.read_text(encoding="utf-8")
    fresh = render_validation_doc(page)
    if fresh == page:
        return 0
    if args.check:
        print(f"{PAGE} is stale: run python scripts/make_validation_doc.py", file=sys.stderr)
        return 1
    write_text(PAGE, fresh)
    print(f"wrote {PAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
