"""The workspace's logic: plain functions over a SQLAlchemy session, one module per step.

No web imports here: the web app, the CLI and the tests call the same
functions, and every one of them that changes data takes the acting user and
writes the audit trail.
"""
