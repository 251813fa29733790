"""Gunicorn settings for Doorstep behind nginx (see deploy/README.md).

Why few processes with a few threads each: SQLite lets one connection write at a time,
whichever process it is in, while WAL lets any number read alongside. More worker
processes therefore add no write capacity, only more writers queueing for the one lock
and more memory. Threads cover the time a request waits (a commit's fsync, its turn for
the write lock, an Argon2 password check, which releases the GIL); processes cover the
Python and template work that holds the GIL. Within a worker, writers take turns on a
lock before asking SQLite (db.write_transaction), so only one thread per worker polls for
SQLite's lock. Measured with bench_load.py (50 clients at once, 2-CPU VM shared with other
work, so +-30%): 2x4, 4x4, 2x8 and 4x1 served reads and writes alike within that noise
(check-outs 43-85/s, kiosk start 115-171/s), none with a busy error; so the default is the
smallest mix that keeps two CPUs busy: a worker per CPU (2 to 4), 4 threads each. On the
machine at rest, 2x4 served 190 check-outs and 606 kiosk start pages a second.
Requests beyond workers x threads wait in the listen backlog: a short, cheap queue.

Everything can be changed per server with environment variables (the systemd unit's
EnvironmentFile): DOORSTEP_BIND, DOORSTEP_WORKERS, DOORSTEP_THREADS.
"""

import os

wsgi_app = "app:create_app()"
chdir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # the checkout

bind = os.environ.get("DOORSTEP_BIND", "127.0.0.1:8000")  # nginx in front; never public
workers = int(os.environ.get("DOORSTEP_WORKERS") or min(4, max(2, os.cpu_count() or 1)))
worker_class = "gthread"
threads = int(os.environ.get("DOORSTEP_THREADS") or 4)
preload_app = False  # each worker imports the app itself: no connection crosses a fork

timeout = 30  # a request that takes longer is stuck: its worker is replaced
graceful_timeout = 20  # on restart, requests in flight finish (and commit) first
keepalive = 5
max_requests = 5000  # replace a worker now and then so memory cannot creep
max_requests_jitter = 500

# Errors (with tracebacks) go to stderr, which systemd keeps in the journal. No access
# log here: nginx keeps one, without query strings (a learner search has a name in it).
errorlog = "-"
accesslog = None
loglevel = "info"
proc_name = "doorstep"
control_socket_disable = True  # systemd is the control interface
forwarded_allow_ips = "127.0.0.1,::1"  # trust X-Forwarded-Proto from nginx on this host
