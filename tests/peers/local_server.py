"""The life cycle the tests' small HTTP peers share: listen on 127.0.0.1 port 0, print
`LISTENING <port>` once connections are accepted (the tests read that line), and exit when
stdin closes (the test that started the peer is gone) or after `max_seconds`."""

import os
import sys
import threading
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def exit_when_stdin_closes():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except Exception:
        pass
    os._exit(0)


def serve(handler_class, max_seconds):
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.daemon_threads = True
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    threading.Timer(max_seconds, lambda: os._exit(3)).start()
    print(f"LISTENING {server.server_address[1]}", flush=True)
    server.serve_forever()


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet handler answering JSON: the API look-alikes (HAL, theses.fr, OpenDataSoft)."""

    content_type = "application/json; charset=utf-8"

    def log_message(self, format, *args):
        pass

    def reply(self, status, value):
        body = json.dumps(value, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
