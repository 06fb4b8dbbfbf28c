#!/usr/bin/env python3
"""A real SMTP server for TMAS's tests, with an HTTP API to read the mail back.

It listens for SMTP (aiosmtpd, no TLS) and keeps every message it accepts in memory. The HTTP
API, all JSON:

  GET    /messages[?to=ADDRESS]   the messages received (oldest first), optionally only those
                                  for one recipient: id, from, to (envelope), subject, headers,
                                  text and html (the decoded parts), raw (the whole message)
  DELETE /messages                forget every message
  POST   /faults                  {"address": A, "refuse": N} answers the next N deliveries to A
                                  with a temporary failure (451); {"address": A, "hang": N,
                                  "seconds": S} makes the next N deliveries to A wait S seconds
                                  before that failure, like a mail server that stopped answering
  GET    /healthz                 {"status": "ok"}

Faults are per recipient address, so tests running in parallel against one sink do not disturb
each other.

On start it prints one line, `SMTP 127.0.0.1:<port> API http://127.0.0.1:<port>`, once both
listen (port 0 picks free ports), and serves until it is killed or its standard input closes
when started with --stop-on-eof.
"""

import argparse
import asyncio
import email
import email.policy
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from aiosmtpd.controller import Controller


class Store:
    """The messages received and the faults asked for, shared by the SMTP and HTTP threads."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []
        self.faults = {}

    def take_fault(self, address):
        with self.lock:
            fault = self.faults.get(address.lower())
            if not fault or fault["count"] <= 0:
                return None
            fault["count"] -= 1
            return dict(fault)

    def add(self, message):
        with self.lock:
            message["id"] = len(self.messages) + 1
            self.messages.append(message)


def decoded_parts(raw):
    """The message's headers and its plain-text and HTML parts, decoded."""
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    text, html = None, None
    for part in parsed.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        if kind == "text/plain" and text is None:
            text = part.get_content()
        elif kind == "text/html" and html is None:
            html = part.get_content()
    headers = {}
    for name, value in parsed.items():
        headers.setdefault(name.lower(), str(value))
    return parsed, headers, text, html


class Handler:
    def __init__(self, store):
        self.store = store

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        fault = self.store.take_fault(address)
        if fault and fault["kind"] == "hang":
            await asyncio.sleep(fault["seconds"])
        if fault:
            return "451 4.3.0 Told to refuse this delivery for now; try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8")
        parsed, headers, text, html = decoded_parts(raw)
        self.store.add(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "subject": str(parsed.get("subject", "")),
                "headers": headers,
                "text": text,
                "html": html,
                "raw": raw.decode("utf-8", "replace"),
            }
        )
        return "250 Message accepted for delivery"


def api_handler(store):
    class Api(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def answer(self, status, body):
            data = json.dumps(body).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            url = urlparse(self.path)
            if url.path == "/healthz":
                return self.answer(200, {"status": "ok"})
            if url.path != "/messages":
                return self.answer(404, {"error": "no such path"})
            to = parse_qs(url.query).get("to", [None])[0]
            with store.lock:
                found = [
                    m
                    for m in store.messages
                    if to is None or to.lower() in (a.lower() for a in m["to"])
                ]
            return self.answer(200, found)

        def do_DELETE(self):
            if urlparse(self.path).path != "/messages":
                return self.answer(404, {"error": "no such path"})
            with store.lock:
                store.messages.clear()
            return self.answer(200, {"deleted": True})

        def do_POST(self):
            if urlparse(self.path).path != "/faults":
                return self.answer(404, {"error": "no such path"})
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                address = str(body["address"]).lower()
                if "hang" in body:
                    fault = {
                        "kind": "hang",
                        "count": int(body["hang"]),
                        "seconds": float(body.get("seconds", 30)),
                    }
                else:
                    fault = {"kind": "refuse", "count": int(body["refuse"])}
            except (ValueError, KeyError, TypeError) as error:
                return self.answer(400, {"error": f"bad fault: {error}"})
            with store.lock:
                store.faults[address] = fault
            return self.answer(200, fault)

    return Api


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--smtp-port", type=int, default=0)
    parser.add_argument("--api-port", type=int, default=0)
    parser.add_argument(
        "--stop-on-eof",
        action="store_true",
        help="stop when standard input closes (a test that started it has ended)",
    )
    args = parser.parse_args()

    store = Store()
    smtp_port = args.smtp_port
    if smtp_port == 0:
        # aiosmtpd needs a port: ask the system for a free one.
        import socket

        with socket.socket() as probe:
            probe.bind((args.host, 0))
            smtp_port = probe.getsockname()[1]
    controller = Controller(
        Handler(store), hostname=args.host, port=smtp_port, ready_timeout=10
    )
    controller.start()
    api = ThreadingHTTPServer((args.host, args.api_port), api_handler(store))
    threading.Thread(target=api.serve_forever, daemon=True).start()
    print(
        f"SMTP {args.host}:{smtp_port} API http://{args.host}:{api.server_address[1]}",
        flush=True,
    )
    try:
        if args.stop_on_eof:
            sys.stdin.read()
        else:
            threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        api.shutdown()
        controller.stop()


if __name__ == "__main__":
    main()
