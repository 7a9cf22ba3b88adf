import pytest

from tests.factories import ServiceFactory, StyleFactory

pytestmark = pytest.mark.django_db


def test_home_page_explains_styles_and_who_should_not_book(client, django_assert_max_num_queries):
    ServiceFactory(style=StyleFactory(slug="bar", name="Oriental bar therapy"), price="120.00")
    ServiceFactory(style=StyleFactory(slug="floor", name="Traditional floor"), duration_minutes=90)
    # styles, their services (one prefetch)
    with django_assert_max_num_queries(2):
        response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Oriental bar therapy" in page and "Traditional floor" in page
    assert "Who should not book" in page
    assert "$120.00" in page
