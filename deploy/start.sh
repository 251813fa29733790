#!/usr/bin/env bash
# Start Doorstep as systemd does (deploy/doorstep.service): bring the schema up to date,
# taking a checked backup first when there is a migration to apply, then replace this
# shell with gunicorn, so systemd's signals (stop, reload) reach gunicorn directly.
#
# Settings come from the environment (EnvironmentFile=/etc/doorstep/doorstep.env):
#   DOORSTEP_DATABASE, DOORSTEP_SECRET_KEY, DOORSTEP_BIND, DOORSTEP_WORKERS, ...
# Extra arguments are passed to gunicorn.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${DOORSTEP_VENV:-$here/.venv}"
cd "$here"

"$venv/bin/flask" --app app migrate --backup-first
exec "$venv/bin/gunicorn" --config "$here/deploy/gunicorn.conf.py" "$@"
