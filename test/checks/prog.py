#!/usr/bin/env python3
"""prog.py MODE [STATEDIR] - a check program for the tests (test/checks/)

MODE persistent|json: one request a line on stdin, one reply a line.
MODE exec: one request on stdin, the answer in the exit code and stdout.
The lookup key picks the behaviour:

  nf       not found (an empty line; exec: exit 1)
  err      an error (json: {"error": "boom"}; exec: exit 2)
  temp     exec: exit 75
  slow     no answer for 30s (exec: a grandchild in the group too,
           its pid in STATEDIR/grandchild)
  partial  the reply in pieces, 200ms apart
  flood    stdout without end, no newline
  two      two lines for one request
  once     answers, then exits
  crash    exits 3 without a word
  pid      answers with its pid
  stderr   a burst of 100 lines on stderr, then the value
  nap      the value after 300ms
  env      the environment's FOO, PFXHTTP_NAME and whether HOME is set

With STATEDIR, every request's key is appended to STATEDIR/requests and a
persistent process's pid to STATEDIR/started when it starts.
  *        "value-KEY" (json: {"value": "value-KEY"})
"""
import json
import os
import subprocess
import sys
import time

mode = sys.argv[1]
state = sys.argv[2] if len(sys.argv) > 2 else None


def key_of(line):
    try:
        req = json.loads(line)
    except ValueError:
        return line.strip()
    if isinstance(req, dict):
        return str(req.get("key", req.get("sender", req.get("username", ""))))
    return str(req)


def out(s):
    sys.stdout.write(s)
    sys.stdout.flush()


def note(key):
    if state:
        with open(os.path.join(state, "requests"), "a") as f:
            f.write(key + "\n")


def env_text():
    return "FOO=%s NAME=%s HOME=%s" % (os.environ.get("FOO", "-"),
                                      os.environ.get("PFXHTTP_NAME", "-"),
                                      "set" if "HOME" in os.environ else "unset")


def answer(key):
    """the reply line for key, or None when the key acts on its own"""
    if key == "nap":
        time.sleep(0.3)
    if key == "env":
        return env_text()
    if key == "nf":
        return "" if mode == "persistent" else '{"value": null}'
    if key == "err":
        return '{"error": "boom"}' if mode == "json" else None
    if key == "slow":
        time.sleep(30)
        return "late"
    if key == "partial":
        out("val")
        time.sleep(0.2)
        out("ue-")
        time.sleep(0.2)
        return "partial"
    if key == "flood":
        chunk = "x" * 65536
        while True:
            out(chunk)
    if key == "two":
        return "a\nb"
    if key == "crash":
        sys.exit(3)
    if key == "pid":
        return str(os.getpid())
    if key == "stderr":
        for i in range(100):
            sys.stderr.write("noise line %d \x1b[31mred\x1b[0m\n" % i)
        sys.stderr.flush()
    if mode == "json":
        return json.dumps({"value": "value-" + key})
    return "value-" + key


if mode == "exec":
    key = key_of(sys.stdin.readline())
    note(key)
    if key == "nap":
        time.sleep(0.3)
    if key == "env":
        print(env_text())
        sys.exit(0)
    if key == "nf":
        sys.exit(1)
    if key == "temp":
        sys.exit(75)
    if key == "err":
        sys.exit(2)
    if key == "slow":
        p = subprocess.Popen(["sleep", "30"])
        if state:
            with open(os.path.join(state, "grandchild"), "w") as f:
                f.write("%d\n" % p.pid)
        time.sleep(30)
    if key == "flood":
        answer(key)
    if key == "pid":
        print(os.getpid())
        sys.exit(0)
    print("value-" + key)
    sys.exit(0)

if state:
    with open(os.path.join(state, "started"), "a") as f:
        f.write("%d\n" % os.getpid())
for line in sys.stdin:
    key = key_of(line)
    note(key)
    reply = answer(key)
    if reply is not None:
        out(reply + "\n")
    if key == "once":
        sys.exit(0)
