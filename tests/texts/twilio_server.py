"""A Twilio-compatible server on 127.0.0.1 for the texts tests (never part of the product).

It implements what the clinic uses of Twilio's REST API, the Messages resource
(`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP basic auth with the account
SID and auth token, form-encoded, answered with Twilio's JSON message shape or its JSON
error shape), and Twilio's side of the webhooks: it calls a message's StatusCallback and
the clinic's inbound-text webhook with a real `X-Twilio-Signature` (computed by the
`twilio` library's RequestValidator with the auth token).

    with TwilioServer(sid, token) as twilio:   # listening on twilio.url
        twilio.messages                       # every message accepted, in order
        twilio.refuse(number, 21211)          # that number gets Twilio's error 21211
        twilio.down() / twilio.up()           # the port refuses connections / is back
        twilio.stall_next()                   # the next create hangs, never accepted
        twilio.status(message, "delivered")   # the delivery-status callback, signed
        twilio.inbound(url, From=..., Body=...)  # a client's text to the clinic, signed
"""

import base64
import collections
import contextlib
import datetime as dt
import json
import secrets
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from twilio.request_validator import RequestValidator

ERRORS = {
    21211: "The 'To' number is not a valid phone number.",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler(BaseHTTPRequestHandler):
    server: "_Server"

    def log_message(self, *args):  # quiet
        pass

    def _json(self, status: int, payload: dict) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        # The client may have been killed while the request was held.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.wfile.write(body)

    def do_POST(self):  # noqa: N802
        twilio = self.server.twilio
        parts = self.path.split("?")[0].strip("/").split("/")
        if (
            len(parts) != 4
            or parts[:2] != ["2010-04-01", "Accounts"]
            or parts[3] != "Messages.json"
        ):
            return self._json(404, {"code": 20404, "message": "Not found", "status": 404})
        expected = base64.b64encode(f"{twilio.account_sid}:{twilio.auth_token}".encode()).decode()
        if (
            parts[2] != twilio.account_sid
            or self.headers.get("Authorization") != f"Basic {expected}"
        ):
            return self._json(401, {"code": 20003, "message": "Authenticate", "status": 401})
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
        if twilio.stall.is_set():
            # Held mid-request and never accepted (the client is killed meanwhile).
            twilio.stall.clear()
            twilio.stalled.set()
            twilio.release.wait(timeout=60)
            return self._json(503, {"code": 20503, "message": "Unavailable", "status": 503})
        return self._json(*twilio.create(form))


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class TwilioServer:
    def __init__(self, account_sid: str, auth_token: str):
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.messages: list[dict] = []
        self.refused: dict[str, int] = {}
        self.lock = threading.Lock()
        self.stall = threading.Event()
        self.stalled = threading.Event()
        self.release = threading.Event()
        self._server: _Server | None = None

    def __enter__(self) -> "TwilioServer":
        self.up()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.down()

    def up(self) -> None:
        self._server = _Server(("127.0.0.1", self.port), _Handler)
        self._server.twilio = self
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def refuse(self, number: str, code: int) -> None:
        self.refused[number] = code

    def stall_next(self) -> None:
        self.stalled.clear()
        self.release.clear()
        self.stall.set()

    def create(self, form: dict) -> tuple[int, dict]:
        to = form.get("To", "")
        if (
            not to
            or not form.get("Body")
            or not (form.get("From") or form.get("MessagingServiceSid"))
        ):
            return 400, {
                "code": 21604,
                "message": "A 'To', 'From' and 'Body' are required.",
                "status": 400,
            }
        if to in self.refused:
            code = self.refused[to]
            return 400, {
                "code": code,
                "message": ERRORS.get(code, "Refused"),
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": 400,
            }
        now = dt.datetime.now(dt.UTC).strftime("%a, %d %b %Y %H:%M:%S +0000")
        message = {
            "sid": "SM" + secrets.token_hex(16),
            "account_sid": self.account_sid,
            "to": to,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "body": form["Body"],
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": now,
            "date_updated": now,
            "date_sent": None,
            "price": None,
            "error_code": None,
            "error_message": None,
            "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/x.json",
            "status_callback": form.get("StatusCallback"),
        }
        message["uri"] = message["uri"].replace("x.json", f"{message['sid']}.json")
        with self.lock:
            self.messages.append(message)
        return 201, {k: v for k, v in message.items() if k != "status_callback"}

    def to(self, number: str) -> list[dict]:
        return [m for m in self.messages if m["to"] == number]

    def signed_post(self, url: str, params: dict, *, signature: str | None = None) -> int:
        """POST `params` to `url` as Twilio does; the HTTP status the clinic answered."""
        validator = RequestValidator(self.auth_token)
        signature = validator.compute_signature(url, params) if signature is None else signature
        request = urllib.request.Request(  # noqa: S310 - 127.0.0.1
            url,
            data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": signature},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    def status(self, message: dict, state: str, error_code: int | None = None) -> int:
        params = {
            "MessageSid": message["sid"],
            "MessageStatus": state,
            "AccountSid": self.account_sid,
            "To": message["to"],
        }
        if error_code:
            params["ErrorCode"] = str(error_code)
        return self.signed_post(message["status_callback"], params)

    def inbound(self, url: str, *, From: str, Body: str, sid: str = "") -> int:  # noqa: N803
        params = {
            "MessageSid": sid or "SM" + secrets.token_hex(16),
            "AccountSid": self.account_sid,
            "From": From,
            "To": "+15005550006",
            "Body": Body,
            "NumMedia": "0",
        }
        return self.signed_post(url, params)

    def sent_once(self) -> collections.Counter:
        """How many times each queued text (by the clinic's text id) reached the server."""
        return collections.Counter(m["status_callback"] for m in self.messages)
