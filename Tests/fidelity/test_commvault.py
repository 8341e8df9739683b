"""Real-client fidelity for the simulated Commvault web service, with Commvault's own SDK.

`cvpysdk` (PyPI) logs in to `backup-simulator`'s Commvault server and reads jobs through its
typed models; the assertions check that what the SDK understood matches what the simulator
serves and what the exporter reads from the same server.

How far the SDK goes against our endpoints:
- Works: the web-service probe (`GET <webservice>/`), `POST /Login` (JSON body with a base64
  password, `token` in the answer), the `Authtoken` header on every call, a refused login (HTTP
  200 with `errList`, raised as `SDKException`), `POST /RenewLoginToken` when a token expired,
  `JobController.all_jobs/active_jobs/finished_jobs` (`POST /Jobs`, paging in the JSON body),
  `JobController.get(id)` → `Job` (`GET /Job/<id>` and `POST /JobDetails`) with its status,
  start time, client/backupset/subclient names, size and `is_finished`, `Commcell.request('GET',
  'Job?...')` for the exact call the exporter makes, and `logout()` (`POST /Logout`).
- Stops: everything that is not job monitoring. `commcell.clients`, `agents`, `backupsets` and
  `subclients` need `GET /Client`, `/Agent`, `/Backupset`, `/Subclient` with full property trees,
  and `commserv_name`/`version` need `GET /CommServ` and `/GetCommServInfo`; the simulator does not
  serve them (404), so those properties raise. `Job.delay_reason`, `attempts`, `details` beyond
  `jobDetail.detailInfo/progressInfo/generalInfo`, and the job actions (suspend, resume, kill,
  resubmit) are not simulated either. The SDK never calls `GET /Job` with the `limit`/`offset`
  headers the REST reference documents (it pages `POST /Jobs` instead), so that paging is proven
  by the Swift integration tests, and here only through `Commcell.request`.
"""

import json
import pathlib
import subprocess
import time
import urllib.request

import pytest

import cvpysdk.commcell as cvpysdk_commcell  # noqa: E402
from cvpysdk.constants import AdvancedJobDetailType  # noqa: E402
from cvpysdk.exception import SDKException  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
SIMULATOR = ROOT / ".build" / "debug" / "backup-simulator"
USER = "admin"
PASSWORD = "demo-commvault-password"
# Every status word of the API reference with the exporter's state and finished flag, written by
# hand; Tests/AdaptersTests/CommvaultTruthTests.swift holds the Swift mapping to the same file.
STATUS_WORDS = ROOT / "Tests" / "AdaptersTests" / "Golden" / "commvault" / "status-words.json"
FINISHED_STATES = {"succeeded", "warning", "failed", "cancelled"}


@pytest.fixture(scope="module")
def webservice():
    if not SIMULATOR.exists():
        pytest.fail(f"{SIMULATOR} is missing: run `swift build` first")
    process = subprocess.Popen([str(SIMULATOR), "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        urls = {}
        for line in process.stdout:
            parts = line.split()
            if len(parts) == 2 and not line.startswith("credentials"):
                urls[parts[0]] = parts[1]
            if line.startswith("credentials: commvault"):
                break
        assert "commvault" in urls, f"no commvault line in the simulator's output: {urls}"
        yield urls["commvault"] + "/webconsole/api"
    finally:
        process.terminate()
        process.wait(timeout=10)


def login(webservice, password=PASSWORD):
    host = webservice.split("/")[2]
    return cvpysdk_commcell.Commcell(host, USER, password, web_service_url=webservice)


def test_login_sends_base64_password_and_uses_the_token(webservice):
    commcell = login(webservice)
    token = commcell._headers["Authtoken"]
    assert token.startswith("QSDK ")
    assert commcell.commcell_username == USER
    assert commcell.logout() == "User logged out"


def test_wrong_password_is_refused_by_errlist(webservice):
    with pytest.raises(SDKException) as refused:
        login(webservice, password="not-the-password")
    assert "Invalid Username or Password" in str(refused.value)


def test_job_controller_lists_backup_jobs_as_the_sdk_models_them(webservice):
    commcell = login(webservice)
    jobs = commcell.job_controller.all_jobs(lookup_time=48, limit=50)
    assert jobs, "the simulator serves history from its start"
    statuses = {details["status"] for details in jobs.values()}
    known = {entry["word"] for entry in json.loads(STATUS_WORDS.read_text())["words"]}
    assert statuses <= known
    for job_id, details in jobs.items():
        assert isinstance(job_id, int)
        assert details["operation"] == "Backup"
        assert details["client_name"] in {"WINTER", "SQL01", "LAPTOP-7", "NAS01"}
        assert 0 <= details["percent_complete"] <= 100
    finished = commcell.job_controller.finished_jobs(lookup_time=48, limit=50)
    active = commcell.job_controller.active_jobs(limit=50)
    assert set(finished) | set(active) == set(jobs)
    assert not set(finished) & set(active)
    commcell.logout()


def test_one_job_through_the_job_model(webservice):
    commcell = login(webservice)
    finished = commcell.job_controller.finished_jobs(lookup_time=48, limit=5)
    job_id = sorted(finished)[0]
    job = commcell.job_controller.get(job_id)
    assert job.is_finished
    assert job.status == finished[job_id]["status"]
    assert job.job_type == "Backup"
    assert job.client_name == finished[job_id]["client_name"]
    assert job.backupset_name in {"defaultBackupSet", "SQLINSTANCE"}
    assert job.subclient_name in {"default", "daily", "documents", "projects"}
    assert isinstance(job.size_of_application, int)
    assert job.summary["subclient"]["clientId"] in {2, 5, 9, 12}
    commcell.logout()


def test_the_exporters_own_call_answers_both_formats_alike(webservice):
    commcell = login(webservice)
    path = "Job?completedJobLookupTime=172800&jobFilter=Backup"
    as_json = commcell.request("GET", path).json()
    assert as_json["totalRecordsWithoutPaging"] == len(as_json["jobs"])
    first = as_json["jobs"][0]["jobSummary"]
    for key in ("jobId", "status", "percentComplete", "jobStartTime", "lastUpdateTime", "jobElapsedTime",
                "sizeOfApplication", "totalNumOfFiles", "subclient"):
        assert key in first
    commcell.logout()


def test_an_expired_token_is_renewed_by_the_sdk(webservice):
    commcell = login(webservice)
    before = commcell._headers["Authtoken"]
    # The next call answers 401, as after the 30-minute idle timeout: the SDK must renew and retry.
    server = webservice.rsplit("/webconsole/api", 1)[0]
    request = urllib.request.Request(server + "/_sim/fault?kind=unauthorized&value=1", method="POST")
    with urllib.request.urlopen(request, timeout=5) as answer:
        assert answer.status == 200
    jobs = commcell.job_controller.all_jobs(lookup_time=48, limit=5)
    assert jobs
    assert commcell._headers["Authtoken"] != before
    assert commcell._headers["Authtoken"].startswith("QSDK ")
    commcell.logout()


def test_every_status_word_is_finished_exactly_where_the_exporter_says(webservice):
    """Oracle: cvpysdk's `Job.is_finished`, read over HTTP from the simulator's catalogue job for
    each word, must equal the exporter's split (the Swift test checks the mapping against the same
    table, and that the table's `finished` is the state's)."""
    commcell = login(webservice)
    words = json.loads(STATUS_WORDS.read_text())["words"]
    assert len(words) == 18
    disagreements = []
    for entry in words:
        assert (entry["state"] in FINISHED_STATES) == entry["finished"], entry
        job = commcell.job_controller.get(entry["catalogue_job"])
        assert job.status == entry["word"]
        if job.is_finished != entry["finished"]:
            disagreements.append((entry["word"], job.is_finished, entry["state"]))
    assert not disagreements, f"cvpysdk and the exporter disagree (word, sdk finished, exporter state): {disagreements}"
    commcell.logout()


def test_a_failed_jobs_failure_reason_through_the_sdk(webservice):
    """`Job.advanced_job_details(BKUP_INFO)` is the call the exporter makes for a failed run
    (`Job/<id>/AdvancedDetails?infoType=16`): the SDK must read a FailureReason where the seed's
    shape puts it."""
    commcell = login(webservice)
    # The demo's SQL subclient fails every second job; the first failure ends about when the
    # simulator starts, so give it a cycle (55 s) at most.
    for _ in range(60):
        finished = commcell.job_controller.finished_jobs(lookup_time=48, limit=100)
        failed = [job_id for job_id, details in finished.items() if details["status"] in ("Failed", "Failed to Start")]
        if failed:
            break
        time.sleep(1)
    assert failed, "no failed job within a cycle"
    details = commcell.job_controller.get(failed[0]).advanced_job_details(AdvancedJobDetailType.BKUP_INFO)
    stats = details["bkpInfo"]["exchDbInfo"]["SourceDatabaseStats"]
    assert stats[0]["FailureReason"]
    completed = [job_id for job_id, details in finished.items() if details["status"] == "Completed"]
    assert completed
    assert commcell.job_controller.get(completed[0]).advanced_job_details(AdvancedJobDetailType.BKUP_INFO) == {"bkpInfo": {}}
    commcell.logout()


def test_an_interrupted_job_is_active_for_the_sdk_and_carries_no_end(webservice):
    """The simulator's summaries have no jobEndTime, as the seed's example; cvpysdk reads
    lastUpdateTime and still calls an Interrupted job unfinished."""
    commcell = login(webservice)
    job = commcell.job_controller.get(8)
    assert job.status == "Interrupted"
    assert "jobEndTime" not in job.summary
    assert "lastUpdateTime" in job.summary
    assert not job.is_finished
    commcell.logout()
