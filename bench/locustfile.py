"""The load run's users (`python -m bench --only load` starts locust on this file).

Runs inside locust's own process: locust patches the standard library with gevent, so this
module imports nothing from safewatch or the bench, and the bench process never imports it.
Everything it needs comes from LOAD_* environment variables set by bench/load.py.

Each request goes to a random replica of its service, as a round-robin proxy would send it;
tokens signed by one replica are accepted by the other (the replicas share their JWT secrets).
Stats are grouped per route ("resq POST /api/incidents/{id}/messages/"), not per URL.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import random
from typing import Any

from locust import HttpUser, between, constant, events, task
from locust.env import Environment
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

RESQ = os.environ.get("LOAD_RESQ_URLS", "").split()
HALO = os.environ.get("LOAD_HALO_URLS", "").split()
ATLAS = os.environ.get("LOAD_ATLAS_URL", "")
AI_TOKEN = os.environ.get("LOAD_AI_TOKEN", "")
# {"resq": {username: token}, "halo": {...}}: signed in by the bench before the run, as phones
# sign in once an hour; a burst of Argon2 checks would otherwise fill the first seconds.
TOKENS = json.loads(os.environ.get("LOAD_TOKENS", "{}"))
ATLAS_KEY = os.environ.get("LOAD_ATLAS_KEY", "")
ATLAS_PRODUCT = os.environ.get("LOAD_ATLAS_PRODUCT", "frontline")
FINAL_CSV = os.environ.get("LOAD_FINAL_CSV", "")

BEACONS = json.loads(os.environ.get("LOAD_BEACONS", "[]"))
GUARDS = itertools.cycle(["guard1", "guard2", "guard3", "guard4", "guard5", "guard6"])  # on duty
STUDENTS = itertools.cycle(["student1", "student2"])
REPORTERS = itertools.cycle([*TOKENS.get("halo", {}), ""])  # "" reports anonymously
# The demo campus is in Stockholm; Halo's reports and reads scatter over the city centre.
CITY = (59.3293, 18.0686)
REPORTS = (
    "Fight outside the bar, two people hurt",
    "Cykelstöld vid Centralen, låset uppbrutet",
    "Someone is following people in the park",
    "Brand i soprummet, rök i trapphuset",
    "Broken window and shouting on the corner",
)


RUN: list[Environment] = []


@events.init.add_listener
def keep_environment(environment: Environment, **_: Any) -> None:
    RUN.append(environment)


@events.quit.add_listener
def write_final_stats(**_: Any) -> None:
    """Locust's CSV writer runs once a second and stops at shutdown, so `--csv` files miss the
    last second (locustio/locust#2299). This writes the same CSVs once, after the end."""
    writer = StatsCSV(RUN[0], PERCENTILES_TO_REPORT)
    for suffix, write in (
        ("stats", writer.requests_csv),
        ("failures", writer.failures_csv),
        ("exceptions", writer.exceptions_csv),
    ):
        with open(f"{FINAL_CSV}_{suffix}.csv", "w", newline="") as handle:
            write(csv.writer(handle))


def somewhere_in_town() -> tuple[float, float]:
    return CITY[0] + random.uniform(-0.02, 0.02), CITY[1] + random.uniform(-0.03, 0.03)


class SignedIn(HttpUser):
    """A ResQ or Halo user with the bearer token the bench signed in for its account."""

    abstract = True
    token = ""

    def use_account(self, service: str, username: str) -> None:
        self.token = TOKENS[service][username]

    @property
    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class ModelServer(HttpUser):
    """A camera or microphone model server posting detections at random demo beacons."""

    weight = 4
    wait_time = between(0.2, 0.6)

    def detect(self, kind: str, threshold: float) -> None:
        self.client.post(
            f"{random.choice(RESQ)}/api/ai/{kind}-detected/",
            json={
                "beacon_id": random.choice(BEACONS),
                "confidence_score": round(random.uniform(threshold, 0.99), 2),
                "description": f"{kind} detected by the load run",
            },
            headers={"Authorization": f"Bearer {AI_TOKEN}"},
            name=f"resq POST /api/ai/{kind}-detected/",
        )

    @task(3)
    def violence(self) -> None:
        self.detect("violence", 0.76)

    @task(1)
    def scream(self) -> None:
        self.detect("scream", 0.81)


class Student(SignedIn):
    """Raises SOS at a random beacon, then talks to whoever takes the incident."""

    weight = 3
    wait_time = between(0.3, 1.0)

    def on_start(self) -> None:
        self.incidents: list[str] = []
        self.use_account("resq", next(STUDENTS))

    @task(1)
    def sos(self) -> None:
        with self.client.post(
            f"{random.choice(RESQ)}/api/sos/",
            json={"beacon_id": random.choice(BEACONS), "text": "Someone is following me"},
            headers=self.bearer,
            name="resq POST /api/sos/",
            catch_response=True,
        ) as response:
            if response.status_code in (200, 201):
                self.incidents = [response.json()["incident_id"], *self.incidents][:5]

    @task(3)
    def chat(self) -> None:
        if not self.incidents:
            return self.sos()
        post_message(self, random.choice(self.incidents), "I am still here, please hurry")

    @task(1)
    def read(self) -> None:
        if self.incidents:
            read_messages(self, random.choice(self.incidents))


class Guard(SignedIn):
    """Polls alerts, accepts open ones, talks on the incidents it took and resolves them."""

    weight = 6
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.assigned: list[str] = []
        self.use_account("resq", next(GUARDS))

    @task(2)
    def take_an_alert(self) -> None:
        response = self.client.get(
            f"{random.choice(RESQ)}/api/alerts/?limit=10",
            headers=self.bearer,
            name="resq GET /api/alerts/",
        )
        if response.status_code != 200:
            return
        waiting = [a for a in response.json() if a["status"] == "SENT"]
        if not waiting:
            return
        with self.client.post(
            f"{random.choice(RESQ)}/api/alerts/{waiting[0]['id']}/acknowledge/",
            headers=self.bearer,
            name="resq POST /api/alerts/{id}/acknowledge/",
            catch_response=True,
        ) as answer:
            if answer.status_code == 200:
                self.assigned.append(answer.json()["incident_id"])
            elif answer.status_code == 409:
                answer.success()  # another guard was first: the documented race outcome

    @task(3)
    def chat(self) -> None:
        if self.assigned:
            post_message(self, random.choice(self.assigned), "On my way, two minutes")

    @task(1)
    def resolve(self) -> None:
        if not self.assigned:
            return
        incident = self.assigned.pop(0)
        self.client.post(
            f"{random.choice(RESQ)}/api/incidents/{incident}/resolve/",
            json={"resolution_code": "handled", "notes": "Resolved during the load run"},
            headers=self.bearer,
            name="resq POST /api/incidents/{id}/resolve/",
        )


def post_message(user: SignedIn, incident: str, body: str) -> None:
    user.client.post(
        f"{random.choice(RESQ)}/api/incidents/{incident}/messages/",
        json={"body": body},
        headers=user.bearer,
        name="resq POST /api/incidents/{id}/messages/",
    )


def read_messages(user: SignedIn, incident: str) -> None:
    user.client.get(
        f"{random.choice(RESQ)}/api/incidents/{incident}/messages/",
        headers=user.bearer,
        name="resq GET /api/incidents/{id}/messages/",
    )


class HaloReporter(SignedIn):
    """Reports incidents (signed in, or anonymously) and looks at what happens nearby."""

    weight = 4
    wait_time = between(0.3, 1.0)

    def on_start(self) -> None:
        username = next(REPORTERS)
        if username:
            self.use_account("halo", username)

    @task(2)
    def report(self) -> None:
        latitude, longitude = somewhere_in_town()
        self.client.post(
            f"{random.choice(HALO)}/api/v1/incidents",
            json={
                "description": random.choice(REPORTS),
                "latitude": latitude,
                "longitude": longitude,
            },
            headers=self.bearer if self.token else {},
            name="halo POST /api/v1/incidents",
        )

    @task(2)
    def nearby(self) -> None:
        latitude, longitude = somewhere_in_town()
        self.client.get(
            f"{random.choice(HALO)}/api/v1/incidents",
            params={"lat": latitude, "lon": longitude, "radius_km": 2, "limit": 20},
            name="halo GET /api/v1/incidents?lat&lon",
        )

    @task(1)
    def patterns(self) -> None:
        latitude, longitude = somewhere_in_town()
        self.client.get(
            f"{random.choice(HALO)}/api/v1/intelligence/patterns",
            params={"lat": round(latitude, 3), "lon": round(longitude, 3)},
            name="halo GET /api/v1/intelligence/patterns",
        )


class AtlasReader(HttpUser):
    """Another product's dashboard reading Atlas's patterns and advice directly."""

    weight = 2
    wait_time = between(0.5, 1.5)

    def read(self, what: str) -> None:
        latitude, longitude = somewhere_in_town()
        self.client.get(
            f"{ATLAS}/api/v1/intelligence/{what}",
            params={"lat": latitude, "lon": longitude, "radius_km": 5, "time_range": "30d"},
            headers={"X-API-Key": ATLAS_KEY, "X-Product": ATLAS_PRODUCT},
            name=f"atlas GET /api/v1/intelligence/{what}",
        )

    @task
    def patterns(self) -> None:
        self.read("patterns")

    @task
    def recommendations(self) -> None:
        self.read("recommendations")


class Probe(HttpUser):
    """/healthz on every process, the baseline each route is compared with: the same server,
    the same moment, no work beyond the HTTP stack and the event loop's queue."""

    weight = 1
    wait_time = constant(0.05)
    targets = itertools.cycle(
        [("resq", url) for url in RESQ] + [("halo", url) for url in HALO] + [("atlas", ATLAS)]
    )

    @task
    def healthz(self) -> None:
        service, base = next(self.targets)
        self.client.get(f"{base}/healthz", name=f"{service} GET /healthz")
