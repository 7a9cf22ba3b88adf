import pytest


@pytest.fixture
def run_after_commit(django_capture_on_commit_callbacks):
    """Run what is queued after commit (the sign-in e-mail), like the worker."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run
