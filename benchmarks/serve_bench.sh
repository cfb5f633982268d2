#!/usr/bin/env bash
# Requests per second of the public pages as readers get them: gunicorn with two
# sync workers on 127.0.0.1, loaded by wrk for a fixed time per page, in three
# configurations, next to a bare Django view served the same way in the same run:
#   none       no cache at all: every page rendered from the database on every request
#   fragments  the page cache off, story fragments on (articles/fragments.py; the default
#              configuration with DJANGO_PAGE_CACHE_SECONDS=0)
#   page       the page cache on (the default configuration) Builds a throwaway SQLite newsroom of synthetic stories first
# (benchmarks/build_bench_db.py) and removes everything it made on exit.
#
# Usage: benchmarks/serve_bench.sh [N]                    N stories (default 10000)
#        benchmarks/serve_bench.sh --sizes "1000 10000"   each size in turn: is the rate flat?
#        --duration SECONDS                              wrk's time per page (default 10)
#
# Goals (issue 6): page cache off, article >= 25% and home >= 8% of the bare view at
# every size; page cache on, both >= 80%; gunicorn's two workers under 200 MiB.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
python=$PWD/.venv/bin/python
gunicorn=$PWD/.venv/bin/gunicorn

sizes=10000
duration=10
while (($# > 0)); do
  case $1 in
    --sizes) sizes=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    -h | --help) sed -n '2,14p' "$0" | cut -c3-; exit 0 ;;
    *) sizes=$1; shift ;;
  esac
done
for size in $sizes; do
  [[ $size =~ ^[1-9][0-9]*$ ]] || { echo "Not a number of stories: $size" >&2; exit 2; }
done
[[ $duration =~ ^[1-9][0-9]*$ ]] || { echo "Not a number of seconds: $duration" >&2; exit 2; }

if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "Installing wrk..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is missing: install it (apt-get install wrk) and run again." >&2
    exit 1
  fi
fi

workdir=$(mktemp -d "${TMPDIR:-/tmp}/newsroom-serve-bench.XXXXXX")
server_pid=""

stop_server() {
  if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"
    wait "$server_pid" 2>/dev/null || true
  fi
  server_pid=""
}

cleanup() {
  stop_server
  rm -rf "$workdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export DJANGO_SETTINGS_MODULE=benchmarks.bench_settings
export DJANGO_DEBUG=0
export DJANGO_SECRET_KEY="serve-bench-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
export DJANGO_ALLOWED_HOSTS=127.0.0.1
export DJANGO_STATIC_ROOT=$workdir/static
export DJANGO_SERVE_MEDIA=0
export DJANGO_LOG_LEVEL=WARNING
unset REDIS_URL # each worker's local-memory cache; never a real Redis

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base=http://127.0.0.1:$port

start_server() { # page cache seconds, fragment cache seconds
  DJANGO_PAGE_CACHE_SECONDS=$1 DJANGO_FRAGMENT_CACHE_SECONDS=$2 "$gunicorn" newsroom.wsgi --workers 2 --worker-class sync \
    --bind "127.0.0.1:$port" --log-level warning &
  server_pid=$!
  for _ in $(seq 150); do
    if curl -fs -o /dev/null "$base/bare/"; then
      return 0
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
      echo "gunicorn stopped before answering." >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "gunicorn did not answer on $base within 15 s." >&2
  exit 1
}

server_rss_mib() { # the master and its workers, resident set sizes added up
  ps -o rss= -p "$server_pid" --ppid "$server_pid" | awk '{ kib += $1 } END { printf "%.1f", kib / 1024 }'
}

measure() { # path -> "requests/s p50_ms p99_ms non_2xx_3xx socket_errors"
  local url=$base$1
  wrk -t2 -c8 -d1s "$url" >/dev/null # warm-up: templates compiled, both workers busy, the cache filled
  wrk -t2 -c8 -d"${duration}s" --timeout 30s --latency "$url" | awk '
    function ms(value) {
      if (value ~ /us$/) return value / 1000
      if (value ~ /ms$/) return value + 0
      if (value ~ /m$/) return value * 60000
      if (value ~ /s$/) return value * 1000
      return value + 0
    }
    /^ +50% / { p50 = ms($2) }
    /^ +99% / { p99 = ms($2) }
    /^Requests\/sec:/ { rate = $2 }
    /Non-2xx or 3xx responses:/ { bad = $NF }
    /Socket errors:/ { errors = $0; sub(/.*Socket errors: */, "", errors); gsub(/ /, "", errors) }
    END { printf "%s %s %s %d %s\n", rate, p50, p99, bad, (errors == "" ? "-" : errors) }'
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
collectstatic_done=""
rows=()
memory=()

for size in $sizes; do
  export DATABASE_URL=sqlite:///$workdir/bench-$size.sqlite3
  export DJANGO_MEDIA_ROOT=$workdir/media-$size
  echo "Building $size stories..." >&2
  "$python" benchmarks/build_bench_db.py "$size" >&2
  if [[ -z $collectstatic_done ]]; then
    "$python" manage.py collectstatic --noinput -v0
    collectstatic_done=1
  fi
  sample=$("$python" - <<'PYTHON'
import django

django.setup()
from articles.models import Article

stories = Article.objects.live().latest_first().select_related("section")
story = stories[stories.count() // 2]  # from the middle of the archive
print(story.get_absolute_url(), story.section.get_absolute_url())
PYTHON
  )
  read -r article section <<<"$sample"
  pages=("bare /bare/" "home /" "article $article" "section $section" "search /search/?q=harbour")

  for cache in none fragments page; do
    case $cache in
      none) start_server 0 0 ;;
      fragments) start_server 0 60 ;;
      page) start_server 300 60 ;;
    esac
    bare_rate=""
    for page in "${pages[@]}"; do
      read -r name path <<<"$page"
      echo "  $size stories, cache $cache: $name ($path) for ${duration} s..." >&2
      status=$(curl -s -o /dev/null -w '%{http_code}' "$base$path")
      if [[ $status != 200 ]]; then
        echo "    $base$path answered $status, not 200: not measured (see gunicorn's log above)." >&2
        [[ $name != bare ]] || exit 1
        rows+=("$(printf '%-8s %-8s %-9s   answered HTTP %s, not measured' "$size" "$name" "$cache" "$status")")
        continue
      fi
      result=$(measure "$path")
      read -r rate p50 p99 bad errors <<<"$result"
      bare_rate=${bare_rate:-$rate}
      share=$(awk -v rate="$rate" -v bare="$bare_rate" 'BEGIN { printf "%.1f", 100 * rate / bare }')
      note=""
      ((bad == 0)) || note+=" $bad non-2xx/3xx!"
      [[ $errors == - ]] || note+=" socket errors $errors!"
      rows+=("$(printf '%-8s %-8s %-9s %11s %9.1f %9.1f %9s%%%s' \
        "$size" "$name" "$cache" "$rate" "$p50" "$p99" "$share" "$note")")
    done
    memory+=("$(printf '%s stories, cache %-9s: %s MiB' "$size" "$cache" "$(server_rss_mib)")")
    stop_server
  done
done

echo
echo "Newsroom under gunicorn (2 sync workers) on 127.0.0.1, SQLite; wrk -t2 -c8 for ${duration} s a page (30 s timeout);" \
  "$(nproc) CPUs shared by wrk and gunicorn."
echo "Load average before: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg) (anything else running skews the figures)."
printf '%-8s %-8s %-9s %11s %9s %9s %10s\n' stories page cache requests/s "p50 ms" "p99 ms" "% of bare"
printf '%s\n' "${rows[@]}"
echo
echo "gunicorn resident memory after the runs (master + 2 workers, from ps):"
printf '  %s\n' "${memory[@]}"
