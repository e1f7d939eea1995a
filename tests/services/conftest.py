"""Fake credentials and moto loaded before the programs create their module-level
clients: requests then go to moto, never to AWS."""
import os

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import moto  # noqa: E402,F401  (registers moto's botocore hooks before any client exists)
