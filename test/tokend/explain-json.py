#!/usr/bin/env python3
"""explain-json.py CASE < OUTPUT

Checks pfxhttp-spawn explain --json output field by field; prints TAP
lines ("ok N - ..." / "not ok N - ...") numbered from $TAP_FIRST (1).
CASE names what the lookup was (see CHECKS below).  Exits 0 when all
passed.
"""
import json
import os
import re
import sys

RID = re.compile(r"^[0-9a-f]{16}$")


def steps(doc, name):
    return [s for s in doc["steps"] if s["step"] == name]


def common(doc, via, kind, entry, verdict, status):
    c = [
        ("one JSON object with via=%s" % via, doc.get("via") == via),
        ("kind %s, entry %s" % (kind, entry),
         doc.get("kind") == kind and doc.get("entry") == entry),
        ("verdict %s, exit %d" % (verdict, status),
         doc.get("verdict") == verdict and doc.get("exit") == status),
        ("steps are in time order, each with a number ms",
         all(isinstance(s.get("ms"), (int, float)) for s in doc["steps"]) and
         [s["ms"] for s in doc["steps"]] ==
         sorted(s["ms"] for s in doc["steps"])),
        ("total_ms is a number not below the last step's ms",
         isinstance(doc.get("total_ms"), (int, float)) and
         doc["total_ms"] + 0.05 >= doc["steps"][-1]["ms"]),
        ("the entry step has resolved settings (timeout_ms, status_code)",
         steps(doc, "entry") and
         isinstance(steps(doc, "entry")[0].get("timeout_ms"), int) and
         steps(doc, "entry")[0].get("status_code") == 200),
        ("the request id is in the input and the request sent",
         steps(doc, "input")[0].get("rid") == doc.get("rid") and
         any(h == "X-Request-ID: " + doc["rid"]
             for h in steps(doc, "request")[0].get("headers", []))),
        ("incomplete is 0", doc.get("incomplete") == 0),
    ]
    return c


def found_direct(doc):
    c = common(doc, "direct", "socketmap", "demo", "found", 0)
    rq, rs, mp = (steps(doc, n)[0] for n in ("request", "response", "mapping"))
    return c + [
        ("rid is 16 hex digits", bool(RID.match(doc["rid"]))),
        ("value and reply", doc["value"] == "found:alice@example.com" and
         doc["reply"] == "26:OK found:alice@example.com,"),
        ("step names in order", [s["step"] for s in doc["steps"]] ==
         ["entry", "input", "cache", "request", "response", "mapping"]),
        ("request: POST, the URL, the body",
         rq["method"] == "POST" and rq["url"].endswith("/map") and
         json.loads(rq["body"]) == {"name": "demo",
                                    "key": "alice@example.com"}),
        ("response: 200, JSON, the body",
         rs["status"] == 200 and rs["content_type"] == "application/json"
         and json.loads(rs["body"]) ==
         {"data": {"result": "found:alice@example.com"}} and
         rs["body_truncated"] == 0),
        ("mapping: value_field followed, a string, found",
         mp["value_field"] == "data.result" and
         mp["value_field_found"] == "a string" and mp["verdict"] == "found"),
    ]


def stale_tokend(doc):
    c = common(doc, "tokend", "socketmap", "demo", "found", 0)
    caches = steps(doc, "cache")
    return c + [
        ("value from the cache", doc["value"] == "found:stale@example.com"),
        ("cache looked up first: a miss", caches[0].get("decision", "")
         .startswith("miss")),
        ("the backend answered 503", steps(doc, "response")[0]["status"] ==
         503),
        ("mapping said temp", steps(doc, "mapping")[0]["verdict"] == "temp"),
        ("the cache served the stale answer, with its age",
         caches[-1].get("stale", "").startswith("served") and
         isinstance(caches[-1].get("age_ms"), int)),
    ]


def oidc_tokend(doc):
    c = common(doc, "tokend", "socketmap", "oidc", "found", 0)
    tok = steps(doc, "token")
    hdrs = steps(doc, "request")[0]["headers"]
    raw = json.dumps(doc)
    return c + [
        ("a token step names the client", tok and
         tok[-1]["client_id"] == "c-explain"),
        ("the token's source is said", tok and
         tok[-1]["source"] in ("fetched", "cached")),
        ("its remaining life in seconds (1..300)", tok and
         isinstance(tok[-1].get("remaining_s"), int) and
         0 < tok[-1]["remaining_s"] <= 300),
        ("Authorization is redacted", "Authorization: <redacted>" in hdrs),
        ("no token anywhere in the document", "tok-" not in raw and
         "Bearer" not in raw),
        ("entry: auth is backend_oidc_auth, no client secret",
         steps(doc, "entry")[0]["auth"] == "backend_oidc_auth" and
         os.environ.get("SECRET", "\0") not in raw),
    ]


def policy_direct(doc):
    c = common(doc, "direct", "policy", "demo", "found", 0)
    return c + [
        ("rid begins with the queue id",
         re.match(r"^4AB12C3D\.[0-9a-f]{16}$", doc["rid"]) is not None),
        ("the reply is the action line", doc["reply"] ==
         "action=REJECT 5.7.1 rejected by the HTTP policy\n\n"),
        ("the body sent holds the attributes",
         json.loads(steps(doc, "request")[0]["body"])["queue_id"] ==
         "4AB12C3D"),
    ]


def down_tokend(doc):
    c = common(doc, "tokend", "socketmap", "down", "temp", 2)
    return c + [
        ("no answer: a connect failure",
         steps(doc, "response")[0].get("failure") == "connect"),
        ("the reply is TEMP", doc["reply"] == "24:TEMP backend unavailable,"),
    ]


CHECKS = {"found-direct": found_direct, "stale-tokend": stale_tokend,
          "oidc-tokend": oidc_tokend, "policy-direct": policy_direct,
          "down-tokend": down_tokend}


def main():
    n = int(os.environ.get("TAP_FIRST", "1"))
    case = sys.argv[1]
    raw = sys.stdin.read()
    failed = 0
    try:
        doc = json.loads(raw)
        checks = CHECKS[case](doc)
    except (ValueError, KeyError, IndexError, TypeError) as e:
        print("not ok %d - json %s: parsed and checked (%r)" % (n, case, e))
        print("# %s" % raw[:2000].replace("\n", "\n# "))
        return 1
    for label, good in checks:
        print("%s %d - json %s: %s" % ("ok" if good else "not ok", n, case,
                                        label))
        failed += not good
        n += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
