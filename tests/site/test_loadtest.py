"""The load test's pure parts (bench/loadtest.py, bench/load.py): no server, no database."""

import base64
import ipaddress
import random

import pytest

from bench.load import Backoff
from bench.loadtest import (
    Browser,
    PeopleFileError,
    RunIdentity,
    Stats,
    TargetRefused,
    is_loopback,
    may_retry,
    parse_args,
    parse_people,
    parse_target,
)

SEED = base64.b32encode(b"12345678901234567890").decode()  # RFC 6238's test seed


# Back-off


def test_the_back_off_doubles_from_50_ms_to_2_s():
    backoff = Backoff()
    ceilings = [backoff.ceiling(n) for n in range(1, 10)]
    assert ceilings == pytest.approx([0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 2.0, 2.0, 2.0])


def test_each_wait_is_jittered_within_the_upper_half_of_its_step():
    backoff = Backoff(rng=random.Random(7))
    for failures in range(1, 50):
        wait = backoff.next_wait()
        ceiling = backoff.ceiling(failures)
        assert ceiling / 2 <= wait <= ceiling
    assert backoff.next_wait() >= 1.0  # still at the cap, never back to a tight loop


def test_two_clients_do_not_come_back_at_the_same_moment():
    one, two = Backoff(rng=random.Random(1)), Backoff(rng=random.Random(2))
    assert [one.next_wait() for _ in range(5)] != [two.next_wait() for _ in range(5)]


def test_an_answer_starts_the_back_off_afresh():
    backoff = Backoff(rng=random.Random(3))
    for _ in range(8):
        backoff.next_wait()
    backoff.answered()
    assert backoff.next_wait() <= 0.05


def test_the_back_off_survives_a_very_long_outage():
    assert Backoff().ceiling(10_000) == 2.0


def test_only_a_request_the_server_cannot_have_carried_out_is_sent_again():
    assert may_retry("POST", ConnectionRefusedError())
    assert may_retry("GET", ConnectionResetError())
    assert not may_retry("POST", ConnectionResetError())
    assert not may_retry("GET", TimeoutError())


class FlakyServer:
    """A stand-in for a deployment that refuses the first `refusals` connections."""

    scheme, host, port, netloc, origin = "http", "127.0.0.1", 8000, "127.0.0.1:8000", ""

    def __init__(self, refusals: int):
        self.refusals = refusals
        self.sent = 0

    def connection(self):
        return self

    def request(self, method, path, body=None, headers=None):
        if self.refusals:
            self.refusals -= 1
            raise ConnectionRefusedError(111, "Connection refused")
        self.sent += 1

    def getresponse(self):
        return FakeResponse()

    def close(self):
        pass


class FakeResponse:
    status = 204

    def read(self):
        return b""

    def getheaders(self):
        return []

    def getheader(self, name, default=None):
        return default


def flaky_browser(refusals, monkeypatch):
    waits = []
    monkeypatch.setattr("bench.loadtest.time.sleep", waits.append)
    server, stats = FlakyServer(refusals), Stats()
    return Browser(server, None, stats, Backoff(rng=random.Random(5))), server, stats, waits


def test_a_refused_connection_is_tried_again_after_growing_waits(monkeypatch):
    browser, server, stats, waits = flaky_browser(3, monkeypatch)
    status, _location, _content = browser.request("healthz", "GET", "/healthz")
    assert (status, server.sent) == (204, 1)
    assert stats.retries == {"ConnectionRefusedError": 3}
    assert not stats.errors
    assert 0.025 <= waits[0] <= 0.05 < waits[1] <= 0.1 < waits[2] <= 0.2


def test_a_server_that_keeps_refusing_is_an_error_after_a_few_seconds(monkeypatch):
    browser, _server, stats, waits = flaky_browser(100, monkeypatch)
    with pytest.raises(ConnectionRefusedError):
        browser.request("healthz", "GET", "/healthz")
    assert len(waits) == Backoff().tries
    assert 1.5 < sum(waits) < 3.2  # 50 ms + 100 ms + … + 1.6 s at most, never a tight loop
    assert stats.errors == ["healthz: ConnectionRefusedError on GET /healthz"]


# The people file


def test_a_people_file_gives_each_account_its_password_and_seed():
    text = (
        "# load-test accounts, made by the operator\n"
        "\n"
        f"anna@loadtest.example\tpaarse olifant danst op het dak\t{SEED}\n"
        f"bert@loadtest.example\tgeheim wachtwoord\t{SEED.lower()}\n"
    )
    anna, bert = parse_people(text)
    assert anna.email == "anna@loadtest.example"
    assert anna.password == "paarse olifant danst op het dak"
    assert anna.secret == bert.secret == b"12345678901234567890"
    assert anna.device == ""  # the code page says which


def test_a_seed_may_be_grouped_and_unpadded_as_apps_show_it():
    grouped = " ".join(SEED[i : i + 4] for i in range(0, len(SEED), 4))
    (person,) = parse_people(f"anna@loadtest.example\tww\t{grouped}\n")
    assert person.secret == b"12345678901234567890"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("anna@loadtest.example paarse olifant JBSWY3DPEHPK3PXP", "separated by tabs"),
        (f"anna.loadtest.example\tww\t{SEED}", "no e-mail address"),
        (f"anna@loadtest.example\t\t{SEED}", "no password"),
        ("anna@loadtest.example\tww\tnot base32!", "not Base32"),
        ("anna@loadtest.example\tww\tJBSWY3DP", "shorter than 80 bits"),
    ],
)
def test_a_bad_line_is_refused_by_its_number(line, message):
    with pytest.raises(PeopleFileError, match=f"line 2: .*{message}"):
        parse_people(f"# header\n{line}\n")


def test_a_refusal_never_repeats_the_password():
    with pytest.raises(PeopleFileError) as refused:
        parse_people("anna@loadtest.example\tgeheim wachtwoord\tnot base32!\n")
    assert "geheim" not in str(refused.value)


def test_an_account_twice_in_the_file_is_refused():
    # Two entries would use one code twice: the second login would be refused.
    text = f"anna@loadtest.example\tww\t{SEED}\nAnna@Loadtest.example\tww\t{SEED}\n"
    with pytest.raises(PeopleFileError, match=r"line 2: .* already on line 1"):
        parse_people(text)


def test_an_empty_people_file_is_refused():
    with pytest.raises(PeopleFileError, match="no people"):
        parse_people("# nobody yet\n")


# The loopback guard


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.1", "localhost", "LOCALHOST.", "::1"])
def test_this_machine_is_loopback(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["portaal.example.nl", "10.0.0.5", "192.168.1.2", "localhost.nl"])
def test_other_machines_are_not_loopback(host):
    assert not is_loopback(host)


def test_a_deployment_on_this_machine_needs_no_say_so():
    target = parse_target("http://127.0.0.1:8000", owned=False)
    assert (target.scheme, target.host, target.port) == ("http", "127.0.0.1", 8000)
    assert target.origin == "http://127.0.0.1:8000"


def test_an_ipv6_loopback_url_gets_a_bracketed_host_header():
    assert parse_target("https://[::1]/", owned=False).netloc == "[::1]"


def test_someone_elses_site_is_refused_without_the_owners_say_so():
    with pytest.raises(TargetRefused, match="--i-own-this-deployment"):
        parse_target("https://portaal.example.nl", owned=False)


def test_the_owner_may_load_a_remote_deployment():
    target = parse_target("https://portaal.example.nl", owned=True)
    assert (target.port, target.netloc) == (443, "portaal.example.nl")


@pytest.mark.parametrize(
    "url",
    [
        "ftp://127.0.0.1",
        "127.0.0.1:8000",
        "http://127.0.0.1/portaal/",
        "http://127.0.0.1/?a=1",
        "http://user:pw@127.0.0.1",
        "http://127.0.0.1:99999",
    ],
)
def test_a_url_that_is_not_just_a_site_is_refused(url):
    with pytest.raises(TargetRefused):
        parse_target(url, owned=True)


def test_the_command_line_refuses_a_remote_url_without_the_say_so(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--url", "https://portaal.example.nl"])
    assert "--i-own-this-deployment" in capsys.readouterr().err


def test_the_command_line_never_drops_ci_s_database(capsys):
    with pytest.raises(SystemExit):
        parse_args(["--database", "test"])
    assert "of its own" in capsys.readouterr().err


# Identities per run


def test_two_runs_share_no_e_mail_address_and_no_client_address():
    first, second = RunIdentity.fresh(), RunIdentity.fresh()
    assert first.email("login", 0) != second.email("login", 0)
    assert first.unknown_email(0, 1) != second.unknown_email(0, 1)
    assert {first.address(i) for i in range(500)}.isdisjoint(
        {second.address(i) for i in range(500)}
    )


def test_client_addresses_are_in_the_benchmarking_range_and_distinct():
    identity = RunIdentity.fresh()
    addresses = [ipaddress.ip_address(identity.address(i)) for i in range(1000)]
    assert len(set(addresses)) == 1000
    assert all(a in ipaddress.ip_network("2001:2::/48") for a in addresses)


def test_a_run_id_given_again_gives_the_same_identities():
    # Only to reproduce a run: its throttles then apply again.
    assert RunIdentity("0123456789abcdef").address(3) == RunIdentity("0123456789abcdef").address(3)
    assert RunIdentity("0123456789abcdef").address(3) == "2001:2:0:123:4567:89ab:cdef:4"


def test_a_run_id_must_be_16_hex_digits():
    with pytest.raises(ValueError, match="16 hexadecimal"):
        RunIdentity("../../etc")


def test_unknown_addresses_are_in_a_domain_that_cannot_exist():
    assert RunIdentity.fresh().unknown_email(4, 2).endswith("@loadtest.invalid")


def test_a_run_uses_no_code_an_earlier_run_may_have_used(monkeypatch):
    # An earlier run may have logged in with this step's code or the next one; the deployment
    # would refuse either as used, and count the refusal against the client.
    (person,) = parse_people(f"anna@loadtest.example\tww\t{SEED}\n")
    start = 1_700_000_020.0  # 10 s into a 30 s step
    person.skip_steps_used_before(now=start)
    monkeypatch.setattr("bench.loadtest.time.time", lambda: start + 5)
    assert person.code() is None
    monkeypatch.setattr("bench.loadtest.time.time", lambda: start + 25)  # the next step
    assert person.code() is not None
    assert person.last_step == int(start // 30) + 2
