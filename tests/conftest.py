import pytest


@pytest.fixture(scope="session")
def machines():
    from caef_dsl import load_machines
    return load_machines()
