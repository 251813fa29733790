"""The app's fixed points: health, configuration, CLI commands that README promises."""

import json

import db as dbmod
from app import _secret_key, create_app


def test_healthz_answers_ok_when_the_database_answers(app):
    response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_says_unavailable_when_the_database_cannot_open(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "a-file" / "x.db"), "SECRET_KEY": "k"})
    (tmp_path / "a-file").write_text("not a folder")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable"}


def test_configuration_comes_from_doorstep_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DOORSTEP_DATABASE", str(tmp_path / "env.db"))
    monkeypatch.setenv("DOORSTEP_KIOSK_IDLE_SECONDS", "90")
    monkeypatch.setenv("DOORSTEP_SESSION_IDLE_MINUTES", json.dumps({"staff": 15,
                                                                    "volunteer": 60}))
    app = create_app()
    assert app.config["DATABASE"] == str(tmp_path / "env.db")
    assert app.config["KIOSK_IDLE_SECONDS"] == 90
    assert app.config["SESSION_IDLE_MINUTES"]["staff"] == 15


def test_a_secret_key_is_generated_once_into_the_instance_folder(tmp_path):
    key_file = tmp_path / "instance" / "secret_key"
    key = _secret_key(tmp_path / "instance")
    assert key_file.exists() and len(key) == 64
    assert _secret_key(tmp_path / "instance") == key
    assert oct(key_file.stat().st_mode)[-3:] == "600"


def test_migrate_and_seed_demo_commands(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "cli.db"), "SECRET_KEY": "k"})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["migrate"])
    assert result.exit_code == 0 and "m001_foundation, m002_ticket_request_ids" in result.output
    assert "up to date" in runner.invoke(args=["migrate"]).output
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "Demo sign-ins" in result.output and "PIN 1234" in result.output
    database = dbmod.connect(tmp_path / "cli.db")
    people = database["users"].count
    tickets = database["tickets"].count
    assert people == 5 and database["venues"].count == 4 and tickets > 20  # 1 partner sign-in
    assert database["loan_referrals"].count_where("status = 'waiting'") == 4
    # Issue 4's world: sessions planned and held, hours given, learners making progress.
    assert database["sessions"].count > 20
    assert database["volunteer_shifts"].count_where("signed_out_at is not null") > 10
    assert database["skill_records"].count > 10 and database["referrals"].count == 1
    # Running it again on a database with people in it changes nothing.
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    assert database["users"].count == people and database["tickets"].count == tickets
    assert runner.invoke(args=["seed-demo"]).exit_code != 0


def test_demo_sign_ins_work(tmp_path):
    app = create_app({"DATABASE": str(tmp_path / "demo.db"), "SECRET_KEY": "k",
                      "WTF_CSRF_ENABLED": False})
    runner = app.test_cli_runner()
    runner.invoke(args=["migrate"])
    runner.invoke(args=["seed-demo"])
    client = app.test_client()
    response = client.post("/signin/volunteer", data={"name": "asha", "pin": "1234",
                                                       "venue": "1"})
    assert response.status_code == 302
    page = client.get("/volunteer/").get_data(as_text=True)
    assert "Waiting at Wigan Library (2)" in page
