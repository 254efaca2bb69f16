"""Prometheus metrics shared by every service (labelled by service)."""

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "safewatch_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
HTTP_LATENCY = Histogram(
    "safewatch_http_request_seconds",
    "HTTP request latency",
    ["service", "method", "route"],
    buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
JOBS = Counter("safewatch_jobs_total", "Job runs by outcome", ["service", "kind", "outcome"])
JOB_SECONDS = Histogram("safewatch_job_seconds", "Job run time", ["service", "kind"])
