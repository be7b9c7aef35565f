"""A person's browser and a free port on this machine, for tools that drive a real server.

`make bench` (bench/run.py), `make loadtest` (bench/loadtest.py) and the two-server test
(tests/site/test_multiserver.py) start gunicorn on a loopback port and talk to it over HTTP. They
run outside pytest, so what they share lives here, in the standard library only: no Django,
no pytest. The load test's own client (`bench.loadtest.Browser`) is a different tool: it keeps
connections alive, retries with back-off and times every request.
"""

import http.cookiejar
import re
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

HOST = "127.0.0.1"  # never anything else
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port(host: str = HOST) -> int:
    """A TCP port nothing listens on now (the system picks it)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class ServerDown(RuntimeError):
    """The server stopped, or did not answer /healthz in time."""


def wait_until_healthy(base: str, process: subprocess.Popen, *, seconds: float = 60) -> None:
    """Poll `base`/healthz until it answers 200; raise ServerDown if `process` ends first or
    `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerDown(f"the server stopped with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)  # the next poll
    raise ServerDown(f"{base} did not answer /healthz within {seconds:.0f} s")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Browser:
    """One person's browser: its cookies, the CSRF token of the last form it saw, and
    redirects shown rather than followed (the test reads where each answer points).

    The cookies are Secure when DEBUG is off; browsers send those to a loopback address over
    http, and so does this one. The cookies go with the host, not the port, so two servers on
    one host share them, as a browser would: `request(path, server=...)`.
    """

    def __init__(self, base: str = ""):
        self.base = base  # http://127.0.0.1:port, used when a request names no server
        policy = http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "wss", "http"))
        self.jar = http.cookiejar.CookieJar(policy)
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirects()
        )
        self.csrf = ""

    def request(self, path: str, data: dict | None = None, *, server: str = ""):
        """GET, or POST `data` with the CSRF token; (status, Location, page)."""
        body = None
        if data is not None:
            body = urllib.parse.urlencode({"csrfmiddlewaretoken": self.csrf, **data}).encode()
        request = urllib.request.Request((server or self.base) + path, data=body)  # noqa: S310
        try:
            response = self.opener.open(request, timeout=30)
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            response = error
        with response:
            page = response.read().decode()
        match = CSRF_TOKEN.search(page)
        self.csrf = match.group(1) if match else self.csrf
        return response.status, response.headers.get("Location", ""), page

    def cookie(self, name: str) -> str:
        return next(c.value for c in self.jar if c.name == name)

    def cookie_header(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self.jar)
