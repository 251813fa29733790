"""A catalogue of the app's forms, found by reading its pages rather than typed by hand.

`discover` signs in as each role, opens every GET page the url map has (ids filled from the
bad-input world), and reads each <form> with html.parser: where it posts, and every field's
name, type, stated limits and the values the page offers (options, checkbox and radio values,
what is pre-filled). Forms that only appear after a POST (a preview, a second step) come from
the area files' FORMS and the cases in tests/test_bad_input.py instead; `from_cases` turns those
into the same shape, with the field names and values the cases send.
"""

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from itertools import product
from urllib.parse import urljoin, urlsplit

ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")  # <converter(args):name> or <name>
ROLES = ("anon", "kiosk", "volunteer", "staff")
AREA_OF_ROLE = {"kiosk": "kiosk.", "volunteer": "volunteer.", "staff": "staff."}
NO_FORMS_HERE = (".pdf", ".csv")  # files, not pages: nothing to parse, slow to make
# The world's rows a URL argument can name; the first few of each are opened.
WORLD_ARGUMENTS = {
    "device_id": ("out", "free"),
    "ticket_id": ("in_progress", "waiting", "learner_ticket"),
    "learner_id": ("learner",),
    "loan_id": ("loan",),
    "partner_id": ("partner",),
    "venue_id": ("venue",),
    "session_id": ("session", "dbs_session"),
    "shift_id": ("asha_shift",),
    "user_id": ("volunteer",),
    "training_id": ("training",),
    "referral_id": ("referral", "partner_referral"),  # a learner's, then a loan referral
    "refurb_id": ("refurb_new", "refurb_wiped", "refurb_ready"),
    "interest_id": ("interest", "interest_closed"),
}
# Arguments that are not row ids: a query that finds a real value in the world's database.
LOOKED_UP = {
    "asset_tag": "select asset_tag from devices order by id limit 2",
    "card_code": "select card_code from learners order by id limit 1",
    "code": "select code from tickets order by id limit 1",
    "giveaway_id": "select id from sim_giveaways order by id limit 1",
    "reference": "select reference from interest_registrations order by id limit 1",
    "number": "select 1",  # the kiosk eligibility check's first question
    "key": None,  # the impact figures: filled from impact.FIGURES below
}


@dataclass
class Field:
    name: str
    kind: str  # the input's type: text, textarea, select, checkbox, radio, hidden, date, file…
    values: list = field(default_factory=list)  # what the page offers or pre-fills
    maxlength: int | None = None

    def merge(self, other: "Field") -> None:
        for value in other.values:
            if value not in self.values:
                self.values.append(value)
        if self.kind in ("text", "hidden") and other.kind not in ("text", "hidden"):
            self.kind = other.kind
        if other.maxlength is not None:
            self.maxlength = min(self.maxlength or other.maxlength, other.maxlength)


@dataclass
class Form:
    role: str
    method: str
    action: str  # the path it posts to, with the world's ids in it
    page: str  # where it was found (opened again after an accepted post)
    fields: dict = field(default_factory=dict)  # name -> Field
    multipart: bool = False
    endpoint: str = ""

    def add(self, new: Field) -> None:
        if new.name in self.fields:
            self.fields[new.name].merge(new)
        else:
            self.fields[new.name] = new


class FormParser(HTMLParser):
    """Every <form> on a page, with its fields; a button's formaction is a form of its own."""

    def __init__(self, page: str):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[dict] = []
        self.by_id: dict[str, dict] = {}
        self.orphans: list[tuple[str, Field]] = []  # inputs with form="id" outside their form
        self.form = self.select = self.option = self.textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = {"action": a.get("action") or self.page,
                         "method": (a.get("method") or "get").upper(),
                         "multipart": "multipart" in a.get("enctype", ""), "fields": [],
                         "alternatives": []}
            self.forms.append(self.form)
            if a.get("id"):
                self.by_id[a["id"]] = self.form
        elif tag in ("input", "button", "select", "textarea") and "name" in a:
            kind = {"select": "select", "textarea": "textarea"}.get(
                tag, a.get("type", "submit" if tag == "button" else "text").lower())
            found = Field(a["name"], kind, maxlength=_int(a.get("maxlength")))
            if tag in ("input", "button") and "value" in a and kind != "file":
                found.values.append(a["value"])
            self._place(a, found)
            if tag == "select":
                self.select = found
            elif tag == "textarea":
                self.textarea, found.values = found, [""]
        if tag in ("button", "input") and "formaction" in a and self.form is not None:
            self.form["alternatives"].append((a["formaction"],
                                              (a.get("formmethod") or "").upper()))
        if tag == "option" and self.select is not None:
            self.option = a.get("value")
            if self.option is not None:
                self.select.values.append(self.option)
            else:
                self.select.values.append("")
                self.option = ""  # its text is its value

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea.values[-1] += data
        elif self.option == "" and self.select is not None and self.select.values:
            self.select.values[-1] += data.strip()

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "select":
            self.select = None
        elif tag == "option":
            self.option = None
        elif tag == "textarea":
            self.textarea = None

    def _place(self, attrs, found: Field):
        if attrs.get("form"):
            self.orphans.append((attrs["form"], found))
        elif self.form is not None:
            self.form["fields"].append(found)

    def result(self) -> list[dict]:
        for form_id, found in self.orphans:
            if form_id in self.by_id:
                self.by_id[form_id]["fields"].append(found)
        return self.forms


def parse_forms(html: str, page: str, role: str) -> list[Form]:
    parser = FormParser(page)
    parser.feed(html)
    forms = []
    for raw in parser.result():
        targets = [(raw["action"], raw["method"])]
        targets += [(action, method or raw["method"]) for action, method in raw["alternatives"]]
        for action, method in targets:
            path = urlsplit(urljoin(page, action)).path
            form = Form(role, method, path, page, multipart=raw["multipart"])
            for found in raw["fields"]:
                form.add(Field(found.name, found.kind, list(found.values), found.maxlength))
            forms.append(form)
    return forms


def _int(text):
    return int(text) if text and text.isdigit() else None


def argument_values(db, ids: dict, rule) -> list[dict]:
    """The ways to fill a rule's arguments from the world (a few combinations at most)."""
    import impact  # the figures' keys name the drill-down pages

    choices = {}
    for converter, name in ARGUMENT.findall(rule.rule):
        if name in WORLD_ARGUMENTS:
            choices[name] = [ids[k] for k in WORLD_ARGUMENTS[name] if k in ids]
        elif name == "key":
            choices[name] = [impact.FIGURES[0].key]
        elif name in LOOKED_UP:
            choices[name] = [row[0] for row in db.execute(LOOKED_UP[name]).fetchall()]
        elif converter == "int" and name.endswith("_id"):
            table = name[:-3] + "s"  # giveaway_id -> giveaways, kiosk_id -> kiosks…
            choices[name] = [row[0] for row in db.execute(
                f"select id from [{table}] order by id limit 2").fetchall()] if (  # noqa: S608
                table in db.table_names()) else []
        else:
            choices[name] = []
        if not choices[name]:
            raise AssertionError(f"{rule.rule}: say in tests/bad_input/forms.py which of the "
                                 f"world's rows <{name}> can name")
    names = list(choices)
    return [dict(zip(names, combo, strict=True))
            for combo in list(product(*(choices[n] for n in names)))[:4]]


def pages_for(app, db, ids: dict, role: str) -> list[str]:
    """Every GET page a role can open: its own area, the public pages, never files."""
    adapter = app.url_map.bind("localhost")
    urls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or "GET" not in rule.methods:
            continue
        if rule.rule.endswith(NO_FORMS_HERE):
            continue
        area = rule.endpoint.split(".")[0] + "."
        if area in AREA_OF_ROLE.values() and AREA_OF_ROLE.get(role) != area:
            continue  # another role's area: test_access shows it is closed
        for values in argument_values(db, ids, rule):
            urls.append(adapter.build(rule.endpoint, values, method="GET"))
    return urls


def endpoint_of(app, method: str, path: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(path, method=method)
    except Exception:  # noqa: BLE001 — no rule answers: not one of the app's forms
        return None
    return endpoint


class LinkParser(HTMLParser):
    """Links that carry a query string: a choice made on one page that opens a form on the
    next (the kiosk's topic, a SIM scanned, a learner chosen)."""

    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href") or ""
        if tag == "a" and "?" in href and href.startswith("/") and "/static/" not in href:
            self.links.append(href)


def discover(app, db, ids: dict, clients: dict, extra: dict | None = None) -> list[Form]:
    """Every form on every page each role can open, one entry per (role, method, action);
    then the pages that links with a query string open, once each, and the `extra` pages
    (role -> URLs) no link reaches. A role not in ROLES (a sign-in part-way through, say)
    opens only its extra pages."""
    found: dict[tuple, Form] = {}
    extra = extra or {}
    for role, client in clients.items():
        pages = pages_for(app, db, ids, role) if role in ROLES else []
        pages, seen = pages + list(extra.get(role, ())), set()
        for url in pages:
            if url in seen or url.split("?")[0].endswith(NO_FORMS_HERE):
                continue
            seen.add(url)
            response = client().get(url)
            assert response.status_code < 500, (role, url, response.status_code)
            if response.status_code != 200 or response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            if "?" not in url:
                links = LinkParser()
                links.feed(html)
                for link in dict.fromkeys(links.links):
                    path = link.split("?")[0]
                    if link not in seen and sum(p.startswith(path + "?") for p in pages) < 2:
                        pages.append(link)
            for form in parse_forms(html, url, role):
                form.endpoint = endpoint_of(app, form.method, form.action) or ""
                key = (role, form.method, form.action)
                if key in found:
                    for new in form.fields.values():
                        found[key].add(new)
                else:
                    found[key] = form
    return list(found.values())


def from_cases(app, cases, forms: list, ids: dict) -> list[Form]:
    """Forms the hand-written cases post to (and the area files list), with the field names
    and values those cases send: how the fuzzer reaches second steps no GET page shows."""
    made: dict[tuple, Form] = {}
    for role, method, url, data in cases:
        if method != "POST":
            continue  # a GET case is a crafted address, not a form's
        path = urlsplit(url.format(**ids)).path
        key = (role, method, path)
        form = made.setdefault(key, Form(role, method, path, path))
        form.endpoint = endpoint_of(app, method, path) or ""
        for name, value in (data.items() if isinstance(data, dict) else ()):
            values = value if isinstance(value, list) else [value]
            form.add(Field(name, "text", [_fill(str(v), ids) for v in values]))
    for method, url in forms:
        path = urlsplit(url.format(**ids)).path
        role = guess_role(path)
        form = made.setdefault((role, method, path), Form(role, method, path, path))
        form.endpoint = endpoint_of(app, method, path) or ""
    return [f for f in made.values() if f.endpoint]


def guess_role(path: str) -> str:
    for role in ("kiosk", "volunteer", "staff"):
        if path.startswith(f"/{role}/"):
            return role
    return "anon"


def _fill(value: str, ids: dict) -> str:
    if value.startswith("{") and value.endswith("}") and value[1:-1] in ids:
        return str(ids[value[1:-1]])
    return value
