"""Adapters: the only code that talks to AWS. Clients are created on first use."""
