"""The bare Flask endpoint `make bench` compares Doorstep against: same gunicorn settings
(deploy/gunicorn.conf.py), no database, no templates, no sign-in."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def ok():
    return "ok"
