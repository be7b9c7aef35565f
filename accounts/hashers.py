"""Argon2id with parameters chosen for this service (README, "Passwords").

RFC 9106's second recommended setting scaled to a 2-core app server: 64 MiB of memory, three
passes, one lane. One lane keeps a hash on one core, so a server with n cores hashes n
passwords at once and the cost per login is predictable.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class ZorgPortaalArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 3
    memory_cost = 65536  # KiB
    parallelism = 1
