"""Project-wide pytest configuration. Personas and the authorization-matrix helper live in core's
tests and are shared with every app's tests from here."""

pytest_plugins = ["concord.core.tests.fixtures"]
