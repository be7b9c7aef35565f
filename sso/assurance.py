"""What a login proves to a service (`acr`), and when a service's `acr_values` ask for more
than the session's login gave: the step-up to a key.

Two levels, the stronger including the weaker:

- `ACR_HELPDESK_VERIFIED`: two factors, the person's identity checked by the helpdesk; every
  login that reaches the portal has it.
- `ACR_PHISHING_RESISTANT`: that, with a passkey or security key proven in this login (a key
  answers only this site, so a look-alike page cannot pass its answer on, as it can a code).

Without `acr_values` a service gets `ACR_HELPDESK_VERIFIED`, as before there were keys. With
them, it gets the first value it named that the login satisfies; naming only values we do not
know asks nothing (OpenID Connect Core 5.5.1.1: voluntary).
"""

from tokens import webauthn

ACR_HELPDESK_VERIFIED = "urn:zorgportaal:acr:helpdesk-verified"
ACR_PHISHING_RESISTANT = "urn:zorgportaal:acr:phishing-resistant"
SUPPORTED = (ACR_PHISHING_RESISTANT, ACR_HELPDESK_VERIFIED)


def requested(request) -> list[str]:
    """The service's `acr_values` that we know, in its order of preference."""
    return [value for value in request.GET.get("acr_values", "").split() if value in SUPPORTED]


def phishing_resistant(methods) -> bool:
    """A key's methods (hardware key, user verified) are among the login's: a code never is."""
    return set(webauthn.AUTHENTICATION_METHODS) <= set(methods)


def satisfied(methods, user) -> list[str]:
    """The levels this login reaches, strongest first."""
    if user.identity_verified_at is None:
        return []
    if phishing_resistant(methods):
        return [ACR_PHISHING_RESISTANT, ACR_HELPDESK_VERIFIED]
    return [ACR_HELPDESK_VERIFIED]


def acr_for(wanted: list[str], methods, user) -> str:
    """The `acr` of the ID token: the first wanted level reached, else the helpdesk's ("" when
    neither holds)."""
    reached = satisfied(methods, user)
    for value in [*wanted, ACR_HELPDESK_VERIFIED]:
        if value in reached:
            return value
    return ""


def step_up_needed(wanted: list[str], methods, user) -> bool:
    """The service named levels we know, and this login reaches none of them."""
    reached = satisfied(methods, user)
    return bool(wanted) and not any(value in reached for value in wanted)
