"""The one AWS account and region the local stack lives in: moto's default account.

Every resource is created there, every event names it, and moto's backends are read
by it (``ses_backends[ACCOUNT][REGION]``).
"""

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's default account
