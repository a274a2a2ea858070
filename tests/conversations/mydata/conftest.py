"""The branch of the exemption tests: members with requests, officers who receive them."""

from tests.conversations.exemption.conftest import people  # noqa: F401 (a fixture)
