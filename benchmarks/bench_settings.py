"""Newsroom's own settings plus the benchmark's URLs (the site and a bare baseline view)."""

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.bench_urls"
