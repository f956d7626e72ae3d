"""Shared by the python3 imaplib interop scripts: their arguments (PORT USER PASSWORD) and a counted check that
exits non-zero with the failed expectation."""
import sys


class Checks:
    def __init__(self, name):
        self.name = name
        self.count = 0
        self.port, self.user, self.password = int(sys.argv[1]), sys.argv[2], sys.argv[3]

    def __call__(self, condition, what):
        self.count += 1
        if not condition:
            print(f"{self.name}: FAILED {what}")
            sys.exit(1)
