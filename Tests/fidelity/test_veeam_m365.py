"""Fidelity of the simulated Veeam Backup for Microsoft 365 server, checked with the vendor's own
generated client, PyPI ``veeam-365`` (OpenAPI models for v6, v7 and v8).

The test starts ``.build/debug/backup-simulator --port 0`` (build first), reads the
``veeam_m365 <url>`` line it prints, logs in with the SDK's ``VeeamClient`` and reads jobs and job
sessions through the typed models, so every field the models require, every enum value and every
date the SDK parses is proven to be served in the shape the vendor's OpenAPI document declares.

Where the SDK stops working against our endpoints, and why:
- Only the endpoints the exporter uses are simulated: ``/Token``, ``/Jobs``, ``/Jobs/{id}``,
  ``/JobSessions``, ``/JobSessions/{id}`` and, on v6, ``/Jobs/{id}/JobSessions``. Organizations,
  repositories, restore sessions, session logs (``_links.log`` points nowhere) and the job actions
  answer 404, which the SDK parses as a ``RESTExceptionInfo``.
- ``detect_api_version`` probes ``/v<N>/ServiceInstance``, which is not simulated, so it finds no
  version; callers pass ``api_version`` explicitly, as the exporter does.
- The simulator accepts the password and refresh grants only; the SDK's other grant types
  (``client_id``/``assertion``, antiforgery tokens) are not modelled.
"""

import asyncio
import datetime
import os
import subprocess
import uuid

import pytest

from veeam_365.client import VeeamClient
from veeam_365.exceptions import VeeamAuthenticationError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SIMULATOR = os.path.join(ROOT, ".build", "debug", "backup-simulator")
# Public demo credentials of SimulatorSuite (veeamUser / veeamPassword).
USER = "monitor@contoso.example"
PASSWORD = "demo-veeam-password"
JOB_NAMES = {"Exchange mailboxes", "OneDrive", 'SharePoint "Teams" sites', "Former employees (disabled)", "Legal hold (sessions purged)"}
# Jobs that run on the simulator's clock; the other two are fixed (see VeeamM365Simulator.demoFixedJobs).
RUNNING_JOBS = {"Exchange mailboxes", "OneDrive", 'SharePoint "Teams" sites'}
DISABLED_JOBS = {"Former employees (disabled)"}
PURGED_JOBS = {"Legal hold (sessions purged)"}
# The listing order is undocumented: the simulator serves this job's sessions oldest first.
OLDEST_FIRST_JOBS = {"OneDrive"}
STATUSES = {"Queued", "Running", "Success", "Warning", "Failed", "Stopped", "Disconnected", "NotConfigured"}


@pytest.fixture(scope="module")
def veeam_url():
    if not os.path.exists(SIMULATOR):
        pytest.fail(f"{SIMULATOR} is missing: run `swift build` first")
    process = subprocess.Popen([SIMULATOR, "--port", "0"], stdout=subprocess.PIPE, text=True)
    url = None
    try:
        for line in process.stdout:
            parts = line.split()
            if len(parts) == 2 and parts[0] == "veeam_m365":
                url = parts[1]
            if line.startswith("credentials:"):
                break
        assert url, "backup-simulator printed no veeam_m365 line"
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def run(coroutine):
    return asyncio.run(coroutine)


def check_session(session, job_id, version):
    from importlib import import_module

    models = import_module(f"veeam_365.{version}.models")
    assert isinstance(session, models.RESTJobSession)
    assert isinstance(session.id, uuid.UUID)
    assert session.status.value in STATUSES
    assert isinstance(session.creation_time, datetime.datetime)
    assert session.creation_time.tzinfo is not None
    if session.status.value in ("Queued", "Running"):
        assert not isinstance(session.end_time, datetime.datetime)
    else:
        assert session.end_time >= session.creation_time
    assert isinstance(session.progress, int)
    assert session.details is None or isinstance(session.details, str)
    if session.status.value in ("Failed", "Warning"):
        assert session.details, "a failed or warned session says why in details"
    if version != "v6" and session.status.value not in ("Queued", "Running"):
        assert isinstance(session.job_will_be_retried, bool)
    assert isinstance(session.statistics.transferred_data_bytes, int)
    assert session.statistics.bottleneck.value in ("Source", "Detecting")
    if version == "v8":
        assert session.job_id == job_id
    else:
        # The v6 and v7 schemas have no jobId on a session: the simulator does not send one.
        assert "jobId" not in session.additional_properties


@pytest.mark.parametrize("version", ["v8", "v7"])
def test_jobs_and_sessions_through_typed_models(veeam_url, version):
    async def scenario():
        async with VeeamClient(veeam_url, USER, PASSWORD, api_version=version, verify_ssl=False) as vc:
            await vc.connect()
            jobs = await vc.call(vc.api("job").job_get)
            if version == "v8":
                from veeam_365.v8.models import PageOfRESTJob

                assert isinstance(jobs, PageOfRESTJob)
                assert jobs.offset == 0
                jobs = jobs.results
            assert {job.name for job in jobs} == JOB_NAMES
            for job in jobs:
                assert isinstance(job.id, uuid.UUID)
                assert job.is_enabled is (job.name not in DISABLED_JOBS)
                assert job.last_status.value in STATUSES
                assert isinstance(job.last_run, datetime.datetime) and job.last_run.tzinfo is not None
                if job.name in RUNNING_JOBS:
                    assert isinstance(job.next_run, datetime.datetime) and job.next_run > job.last_run
                elif job.name in DISABLED_JOBS:
                    assert job.next_run is None
                single = await vc.call(vc.api("job").job_get_by_id, job.id)
                assert single.name == job.name
                assert single.is_enabled == job.is_enabled and single.last_status == job.last_status
                page = await vc.call(vc.api("job_session").job_session_get, job_id=job.id, limit=3, offset=0)
                assert page.limit == 3 and page.offset == 0
                if job.name in PURGED_JOBS:
                    assert page.results == [], "a job whose sessions were purged lists none"
                    continue
                assert 1 <= len(page.results) <= 3
                times = [session.creation_time for session in page.results]
                if job.name in OLDEST_FIRST_JOBS:
                    assert times == sorted(times), "this job's sessions are listed oldest first"
                else:
                    assert times == sorted(times, reverse=True), "sessions are listed newest first"
                for session in page.results:
                    check_session(session, job.id, version)
                one = await vc.call(vc.api("job_session").job_session_get_by_id, page.results[0].id)
                assert one.id == page.results[0].id

    run(scenario())


def test_v6_lists_a_jobs_sessions_under_the_job(veeam_url):
    async def scenario():
        async with VeeamClient(veeam_url, USER, PASSWORD, api_version="v6", verify_ssl=False) as vc:
            await vc.connect()
            jobs = await vc.call(vc.api("job").job_get)
            assert isinstance(jobs, list)
            assert {job.name for job in jobs} == JOB_NAMES
            for job in jobs:
                page = await vc.call(vc.api("job_session").job_session_get_by_job_id, job.id, limit=5, offset=0)
                assert len(page.results) <= 5
                assert (len(page.results) == 0) == (job.name in PURGED_JOBS)
                for session in page.results:
                    check_session(session, job.id, "v6")

    run(scenario())


def test_refresh_grant_renews_the_session(veeam_url):
    async def scenario():
        async with VeeamClient(veeam_url, USER, PASSWORD, api_version="v8", verify_ssl=False) as vc:
            await vc.connect()
            first_access, first_refresh = vc._access_token, vc._refresh_token
            # Pretend the token ran out: the SDK then uses the refresh grant.
            vc._expires_at = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)
            jobs = await vc.call(vc.api("job").job_get)
            assert len(jobs.results) == len(JOB_NAMES)
            assert vc._access_token != first_access
            assert vc._refresh_token != first_refresh

    run(scenario())


def test_wrong_password_is_an_authentication_error(veeam_url):
    async def scenario():
        async with VeeamClient(veeam_url, USER, "not-the-password", api_version="v8", verify_ssl=False) as vc:
            with pytest.raises(VeeamAuthenticationError) as raised:
                await vc.connect()
            assert "invalid_grant" in str(raised.value) or "incorrect" in str(raised.value)

    run(scenario())
