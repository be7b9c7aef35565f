"""A demo service ("Calculus VIPLive") that logs people in through ZorgPortaal with OpenID
Connect, written with Authlib as any relying party would be. Not part of ZorgPortaal: run it
beside `make run` with `make demo-service` (README, Single sign-on)."""
