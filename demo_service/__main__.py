"""`python -m demo_service [address:port]`: the demo service on http://localhost:8001."""

import os
import sys

from django.core.management import execute_from_command_line

if __name__ == "__main__":
    os.environ["DJANGO_SETTINGS_MODULE"] = "demo_service.settings"
    address = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:8001"
    execute_from_command_line(["demo_service", "runserver", "--noreload", address])
