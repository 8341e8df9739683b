"""Oracle (b): the status words of the vendor's own SDK, PyPI ``veeam-365``, against the list the
Swift tests map (``Tests/AdaptersTests/Golden/seeds/veeam-365-status-words.txt``) and against the
status table of ``docs/vendors/veeam_m365.md``.

``VeeamM365StatusOracleTests`` (Swift) maps every word of that list through the adapter and
compares with the documented table; this test makes sure the list is the SDK's: a word the SDK
gains (or drops) in any API version fails here until the list, the table and the adapter's
mapping are updated together. Needs no simulator.
"""

import os
import re
from importlib import import_module

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
WORDS = os.path.join(ROOT, "Tests", "AdaptersTests", "Golden", "seeds", "veeam-365-status-words.txt")
DOC = os.path.join(ROOT, "docs", "vendors", "veeam_m365.md")
STATES = {"waiting", "running", "succeeded", "warning", "failed", "cancelled", "unknown"}


def sdk_words():
    words = {}
    for version in ("v6", "v7", "v8"):
        for module, enum in (("rest_job_session_status", "RESTJobSessionStatus"), ("rest_job_last_status", "RESTJobLastStatus")):
            for member in getattr(import_module(f"veeam_365.{version}.models.{module}"), enum):
                words.setdefault(member.value, []).append(f"{version}.{enum}")
    return words


def listed_words():
    with open(WORDS, encoding="utf-8") as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def documented_table():
    with open(DOC, encoding="utf-8") as f:
        text = f.read()
    section = text.split("## Status mapping", 1)[1].split("\n## ", 1)[0]
    table = {}
    for line in section.splitlines():
        cells = line.split("|")
        if not line.startswith("|") or len(cells) < 3:
            continue
        states = re.findall(r"`([^`]*)`", cells[2])
        if not states or states[0] not in STATES:
            continue
        for word in re.findall(r"`([^`]*)`", cells[1]):
            table[word] = states[0]
    return table


def test_every_sdk_status_word_is_in_the_mapped_list():
    sdk = sdk_words()
    listed = listed_words()
    assert listed == sorted(listed), "keep the list sorted"
    missing = sorted(set(sdk) - set(listed))
    assert not missing, f"the SDK has status words the adapter's tests do not map: {missing} ({[sdk[w] for w in missing]})"
    stale = sorted(set(listed) - set(sdk))
    assert not stale, f"listed words the SDK no longer has: {stale}"


def test_every_sdk_status_word_is_in_the_documented_table():
    table = documented_table()
    sdk = sdk_words()
    assert set(table) == set(sdk), f"docs table {sorted(table)} vs SDK {sorted(sdk)}"


@pytest.mark.parametrize("version", ["v6", "v7", "v8"])
def test_session_and_last_status_enums_agree(version):
    # The adapter reads `lastStatus` with the same table as a session's `status`: that only holds
    # while both enums have the same words.
    session = {m.value for m in import_module(f"veeam_365.{version}.models.rest_job_session_status").RESTJobSessionStatus}
    last = {m.value for m in import_module(f"veeam_365.{version}.models.rest_job_last_status").RESTJobLastStatus}
    assert session == last


@pytest.mark.parametrize("version", ["v6", "v7", "v8"])
def test_the_seed_job_example_reads_through_the_sdk_model(version):
    # The reference page's /Jobs/{id} example (v3), with only its literal "..." removed, as the
    # SDK's typed job model of each current version reads it: the fields the adapter exports.
    import datetime
    import json

    path = os.path.join(ROOT, "Tests", "AdaptersTests", "Golden", "seeds", "veeam-m365-job-fixed.json")
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    job = import_module(f"veeam_365.{version}.models.rest_job").RESTJob.from_dict(data)
    assert job.is_enabled is True
    assert job.last_status.value == "Success"
    assert job.last_run == datetime.datetime(2018, 5, 30, 12, 19, 14, 792746, tzinfo=datetime.timezone.utc)
    assert job.next_run == datetime.datetime(2018, 6, 2, 2, 0, 0, tzinfo=datetime.timezone.utc)
