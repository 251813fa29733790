"""Browser tests: the real app served on a loopback port, driven by real Chromium."""

import os
import threading

import pytest
from werkzeug.serving import make_server

import db as dbmod
from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Use Debian's Chromium where it exists (Playwright cannot download browsers everywhere),
    with the flags that keep it off the network."""
    args = dict(browser_type_launch_args)
    if os.path.exists(CHROMIUM):
        args["executable_path"] = CHROMIUM
    args["args"] = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run"]
    return args


class LiveServer:
    def __init__(self, app):
        self.app = app
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def db(self):
        return dbmod.connect(self.app.config["DATABASE"])


@pytest.fixture
def live_server(tmp_path):
    """CSRF on, as in production; short polling so the test need not wait long."""
    app = make_app(tmp_path, WTF_CSRF_ENABLED=True, QUEUE_POLL_SECONDS=1, KIOSK_POLL_SECONDS=1,
                   TESTING=False)
    server = LiveServer(app)
    server.thread.start()
    yield server
    server.server.shutdown()
    server.thread.join(timeout=5)
