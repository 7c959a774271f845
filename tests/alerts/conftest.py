import pytest

from tests.factories import ServiceFactory, TeamFactory, UserFactory


@pytest.fixture
def team(db):
    manager = UserFactory(username="mia", first_name="Mia", last_name="Manager")
    return TeamFactory(name="Checkout", manager=manager, members=[UserFactory(username="tom")])


@pytest.fixture
def checkout_service(team):
    return ServiceFactory(name="checkout", team=team)
