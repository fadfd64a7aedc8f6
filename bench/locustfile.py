"""The load test of issue 17: fifty people at work on one federation at once.

    LOAD_PLAN=plan.json LOAD_RESULT=result.json .venv/bin/locust -f bench/locustfile.py \
        --headless --host http://127.0.0.1:8000 -u 50 -r 25 --run-time 70s --stop-timeout 30

bench/bench_load.py builds the data, writes the plan (who logs in with which password, which
units each person keeps, the month they enter) and starts the server; this file is the people:

- ApiStaff (18): a district's staff loading a month through the API: a token from
  POST /api/v1/auth/token/, then one POST /api/v1/entries/ after another, each 120 values
  (8 CĐCS × 15 indicators).
- GridStaff (12): a district's staff on the entry grid: logged in through the login form, then
  the page of the month and the form posted back (CSRF), five CĐCS's rows changed at a time.
- Leaders (15): the dashboard of their unit and the children table that htmx loads after it.
- PdfReaders (5): a finished report version's PDF, downloaded again and again.

Everyone works on their own units, so no save meets a colleague's, and acts back to back with
no think time: requests/s measures the server, not the people. The values pass every check of
federation/entries/checks.py: the members' total is last month's plus admissions less leavers,
flows stay under their indicator's outlier floor, so a refused save (a 400, a grid page asking
for confirmation) is an error of the run. Each request is named by its kind ("api: save 120
values", "grid: save", ...), so the statistics print per kind.

The first LOAD_WARMUP seconds after the last user started are not measured (statistics reset
then). At the end LOAD_RESULT receives the statistics per kind and how many values each door
changed, which the bench compares with the history rows in the database.
"""

import json
import os
import random
import re
import sys
import time
from pathlib import Path

import gevent
from locust import FastHttpUser, constant, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_entry import PLAUSIBLE  # noqa: E402

PLAN = json.loads(Path(os.environ["LOAD_PLAN"]).read_text()) if "LOAD_PLAN" in os.environ else {}
WARMUP = float(os.environ.get("LOAD_WARMUP", "10"))
SECONDS = float(os.environ.get("LOAD_SECONDS", "60"))
QUEUES = {kind: iter(PLAN.get(kind, [])) for kind in ("api", "grid", "leaders", "pdf")}
# Values each door changed in accepted saves (each is one history row), and the saves.
CHANGED = {"api": 0, "page": 0}
SAVES = {"api": 0, "page": 0, "api warnings": 0}
# Flows the bench's history does not cover stay within every indicator's outlier floor (≥ 2).
FLOW_RANGE = (0, 2)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SEEN = re.compile(r'name="s-(\d+)-(\d+)" value="([^"]*)"')
CHILDREN = re.compile(r'hx-get="([^"]+/dashboard/children/[^"]*)"')
ROWS_PER_GRID_SAVE = 5


def month_of(members_before: int) -> dict[str, int]:
    """A CĐCS's figures for the month by indicator code: plausible flows, and a members' total
    that is last month's plus the admissions less the leavers."""
    figures = {
        code: random.randint(*PLAUSIBLE.get(code, FLOW_RANGE)) for code in PLAN["indicators"]
    }
    figures["total_members"] = members_before + figures["new_members"] - figures["members_left"]
    return figures


def next_person(kind: str) -> dict:
    return next(QUEUES[kind])


class ApiStaff(FastHttpUser):
    wait_time = constant(0)
    fixed_count = len(PLAN.get("api", []))

    def on_start(self) -> None:
        self.person = next_person("api")
        # Each unit's values as the database holds them: this user is their only writer.
        self.values: dict[tuple[int, str], int] = {}
        answer = self.client.post(
            "/api/v1/auth/token/",
            json={"username": self.person["username"], "password": PLAN["password"]},
            name="api: token",
        )
        self.authorization = {"Authorization": f"Token {answer.json()['token']}"}
        ready()

    @task
    def save(self) -> None:
        rows = [
            {"unit": int(unit), "indicator": code, "year": PLAN["year"], "month": PLAN["month"],
             "value": value}
            for unit, before in self.person["units"].items()
            for code, value in month_of(before).items()
        ]  # fmt: skip
        with self.client.post(
            "/api/v1/entries/", json={"entries": rows}, headers=self.authorization,
            name="api: save 120 values", catch_response=True,
        ) as answer:  # fmt: skip
            if answer.status_code != 200:
                answer.failure(f"{answer.status_code}: {answer.text[:300]}")
                return
            SAVES["api"] += 1
            SAVES["api warnings"] += len(answer.json().get("warnings", []))
            for row in rows:
                key = (row["unit"], row["indicator"])
                CHANGED["api"] += self.values.get(key) != row["value"]
                self.values[key] = row["value"]


class LoggedIn(FastHttpUser):
    """A person who logs in through the login form, as a browser does."""

    abstract = True
    wait_time = constant(0)
    kind = ""

    def on_start(self) -> None:
        self.person = next_person(self.kind)
        page = self.client.get("/login/", name="login: page")
        answer = self.client.post(
            "/login/",
            data={
                "username": self.person["username"],
                "password": PLAN["password"],
                "csrfmiddlewaretoken": CSRF.search(page.text).group(1),
            },
            name="login: post",
            allow_redirects=False,
        )
        if answer.status_code != 302:
            raise RuntimeError(f"{self.person['username']} could not log in")
        ready()


class GridStaff(LoggedIn):
    fixed_count = len(PLAN.get("grid", []))
    kind = "grid"

    @task
    def save_a_page(self) -> None:
        url = f"/units/{self.person['unit']}/entry/{PLAN['year']}/{PLAN['month']}/"
        page = self.client.get(url, name="grid: page")
        seen = {(int(u), int(i)): value for u, i, value in SEEN.findall(page.text)}
        members = self.person["units"]
        shown = sorted({unit for unit, _ in seen if str(unit) in members})
        typed = dict(seen)
        for unit in random.sample(shown, min(ROWS_PER_GRID_SAVE, len(shown))):
            for code, value in month_of(members[str(unit)]).items():
                typed[(unit, PLAN["indicators"][code])] = str(value)
        form = {"csrfmiddlewaretoken": CSRF.search(page.text).group(1)}
        for (unit, indicator), value in seen.items():
            form[f"s-{unit}-{indicator}"] = value
            form[f"v-{unit}-{indicator}"] = typed[(unit, indicator)]
        with self.client.post(
            url, data=form, name="grid: save", allow_redirects=False, catch_response=True
        ) as answer:
            if answer.status_code != 302:  # the page again: a refusal or a confirmation asked
                answer.failure(f"not saved ({answer.status_code})")
                return
            SAVES["page"] += 1
            CHANGED["page"] += sum(typed[key] != value for key, value in seen.items())


class Leader(LoggedIn):
    fixed_count = len(PLAN.get("leaders", []))
    kind = "leaders"

    @task
    def dashboard(self) -> None:
        page = self.client.get(f"/units/{self.person['unit']}/dashboard/", name="dashboard: page")
        found = CHILDREN.search(page.text)
        if found:
            self.client.get(
                found.group(1).replace("&amp;", "&"),
                headers={"HX-Request": "true", "HX-Trigger": "dashboard-children-loading"},
                name="dashboard: children (htmx)",
            )


class PdfReader(LoggedIn):
    fixed_count = len(PLAN.get("pdf", []))
    kind = "pdf"

    @task
    def download(self) -> None:
        with self.client.get(
            f"/reports/versions/{self.person['version']}/pdf/",
            name="report: pdf",
            catch_response=True,
        ) as answer:
            if not answer.content.startswith(b"%PDF"):
                answer.failure("not a PDF")


# --- measuring --------------------------------------------------------------------------------

MEASURED = {"from": 0.0}
FAILED = {"all": 0}  # failures over the whole run, logins and warm-up included
READY = {"people": 0}


@events.request.add_listener
def _count_failures(exception, **kwargs) -> None:
    FAILED["all"] += exception is not None


def ready() -> None:
    """A person has logged in: once everyone has, the warm-up starts, then LOAD_SECONDS of
    measuring, and the run ends (each person finishing what they are doing)."""

    def start() -> None:
        RUNNER["runner"].stats.reset_all()
        MEASURED["from"] = time.time()
        gevent.spawn_later(SECONDS, RUNNER["runner"].quit)

    READY["people"] += 1
    if READY["people"] == sum(len(PLAN[kind]) for kind in QUEUES):
        gevent.spawn_later(WARMUP, start)


RUNNER: dict = {}


@events.init.add_listener
def _keep_runner(environment, **kwargs) -> None:
    RUNNER["runner"] = environment.runner


@events.quitting.add_listener
def _write_result(environment, **kwargs) -> None:
    path = os.environ.get("LOAD_RESULT")
    if not path:
        return
    stats = environment.runner.stats
    kinds = {
        name: {
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            **{
                f"p{round(q * 100)}": entry.get_response_time_percentile(q)
                for q in (0.5, 0.95, 0.99)
            },
        }
        for (name, _method), entry in sorted(stats.entries.items())
    }
    total = stats.total
    seconds = (total.last_request_timestamp or time.time()) - MEASURED["from"]
    exceptions = sum(e["count"] for e in environment.runner.exceptions.values())
    result = {
        "measured": bool(MEASURED["from"]),
        "seconds": seconds,
        "requests": total.num_requests,
        "failures": total.num_failures,
        "failures_all": FAILED["all"] + exceptions,
        "kinds": kinds,
        "errors": [
            {"name": e.name, "error": str(e.error), "occurrences": e.occurrences}
            for e in stats.errors.values()
        ]
        + [
            {"name": "exception", "error": e["msg"], "occurrences": e["count"]}
            for e in environment.runner.exceptions.values()
        ],
        "changed": CHANGED,
        "saves": SAVES,
    }
    Path(path).write_text(json.dumps(result, ensure_ascii=False, indent=1))
