#!/usr/bin/env python3
"""A deliberately misbehaving Admin API for end-to-end tests of `claude-ledger sync`.

    misbehaving.py MODE PORT_FILE

Listens on 127.0.0.1 (an ephemeral port, written to PORT_FILE) and answers every request
according to MODE:

  trickle          GET /v1/organizations/me answers normally; every other request gets a
                   200 whose body arrives at one byte per second.
  trickle-all      every request, /organizations/me included, trickles one byte per second.
  endless-cursor   /organizations/me answers normally; every report page says has_more true
                   with a cursor never seen before, for ever.
  echo-key         /organizations/me answers normally; report pages echo the x-api-key header
                   inside a well-formed page.

Standard library only; stops by itself after 300 seconds.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

MODE = sys.argv[1]
PORT_FILE = sys.argv[2]
ORG = {"id": "org-misbehaving-0001", "name": "Misbehaving Org", "type": "organization"}
counter = {"pages": 0}


def page_for(path, query, key):
    starting = query.get("starting_at", ["2025-01-01T00:00:00Z"])[0]
    if MODE == "endless-cursor":
        counter["pages"] += 1
        return {"data": [], "has_more": True, "next_page": "cursor-%d" % counter["pages"]}
    if MODE == "echo-key":
        return {"data": [{"starting_at": starting, "ending_at": starting, "results": [],
                          "note": "key " + key}], "has_more": False, "next_page": None}
    # Padded so a trickled body cannot arrive within any sane request deadline.
    return {"data": [], "has_more": False, "next_page": None, "padding": " " * 4096}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        url = urlparse(self.path)
        key = self.headers.get("x-api-key", "")
        if url.path == "/v1/organizations/me" and MODE != "trickle-all":
            body = json.dumps(ORG).encode()
        elif url.path == "/v1/organizations/me":
            body = json.dumps(dict(ORG, padding=" " * 4096)).encode()
        else:
            body = json.dumps(page_for(url.path, parse_qs(url.query), key)).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("request-id", "req_misbehaving")
        self.end_headers()
        trickle = MODE == "trickle-all" or (MODE == "trickle" and url.path != "/v1/organizations/me")
        try:
            if trickle:
                for i in range(len(body)):
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
                    time.sleep(1)
            else:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(PORT_FILE + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(PORT_FILE + ".tmp", PORT_FILE)
threading.Timer(300, server.shutdown).start()
server.serve_forever()
