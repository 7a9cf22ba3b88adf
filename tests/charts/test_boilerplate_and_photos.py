"""Charts therapists like: SOAP templates (clinic-wide and their own), quick phrases, and
photos from the phone's camera, sealed, read only by the session's therapist and the manager
(each read logged), refused to everyone else."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from charts import photos
from charts.models import ChartAccess, ChartNote, ChartPhoto, QuickPhrase, SoapTemplate
from tests.charts.helpers import session
from tests.charts.test_views import page, posted

pytestmark = pytest.mark.django_db

CLINIC_TEMPLATE = {
    "subjective": "Client reports low back tension.",
    "objective": "Bar work, long strokes along the erectors.",
    "assessment": "Tissue softened; range improved.",
    "plan": "Same pressure in two weeks.",
}


@pytest.fixture(autouse=True)
def _private_folder(settings, tmp_path):
    settings.CHARTS_PHOTOS_ROOT = tmp_path / "chart-photos"


@pytest.fixture
def today(alice, ada):
    return session(alice, client=ada)


def jpeg(size=(64, 48)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, "peachpuff").save(buffer, "JPEG")
    return buffer.getvalue()


def upload(data: bytes, name="IMG_0001.jpg", kind="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=kind)


def add_photo(client, appointment, data=None, **kwargs):
    url = reverse("charts:photo_add", args=[appointment.reference])
    return client.post(url, {"photo": upload(data or jpeg(), **kwargs)})


class TestTemplatesAndPhrases:
    def test_a_therapist_applies_a_template_adds_a_photo_and_signs(self, client, today, alice):
        clinic_wide = SoapTemplate.objects.create(name="Low back", **CLINIC_TEMPLATE)
        QuickPhrase.objects.create(text="Client tolerated pressure well")
        client.force_login(alice.user)
        content = client.get(page(today)).content.decode()
        assert "Low back (clinic)" in content and "Client tolerated pressure well" in content

        url = reverse("charts:template", args=[today.reference])
        assert client.post(url, {"template": clinic_wide.pk}).status_code == 302
        note = ChartNote.objects.get(appointment=today)
        assert {f: getattr(note, f) for f in CLINIC_TEMPLATE} == CLINIC_TEMPLATE

        assert add_photo(client, today).status_code == 302
        photo = ChartPhoto.objects.get()
        assert photo.content_type == "image/jpeg" and photo.uploaded_by == alice.user

        response = client.post(reverse("charts:save", args=[today.reference]), posted(sign="1"))
        assert response.status_code == 302
        note.refresh_from_db()
        assert note.is_signed
        # Signed: read-only, photos included.
        assert add_photo(client, today).status_code == 400
        assert ChartPhoto.objects.count() == 1

    def test_a_template_fills_only_the_empty_parts(self, client, today, alice):
        template = SoapTemplate.objects.create(name="Low back", **CLINIC_TEMPLATE)
        client.force_login(alice.user)
        client.post(reverse("charts:save", args=[today.reference]), posted(plan=""))
        client.post(reverse("charts:template", args=[today.reference]), {"template": template.pk})
        note = ChartNote.objects.get()
        assert note.subjective == posted()["subjective"]  # kept
        assert note.plan == CLINIC_TEMPLATE["plan"]  # filled
        assert note.entries.count() == 1  # the regions stay

    def test_another_therapists_template_cannot_be_applied(self, client, today, alice, bob):
        bobs = SoapTemplate.objects.create(name="Bob's", therapist=bob, plan="Bob's plan")
        mine = SoapTemplate.objects.create(name="Mine", therapist=alice, plan="My plan")
        client.force_login(alice.user)
        content = client.get(page(today)).content.decode()
        assert "Mine" in content and "Bob&#x27;s" not in content and "Bob's" not in content
        url = reverse("charts:template", args=[today.reference])
        assert client.post(url, {"template": bobs.pk}).status_code == 400
        assert client.post(url, {"template": "junk"}).status_code == 400
        assert not ChartNote.objects.exists()
        assert client.post(url, {"template": mine.pk}).status_code == 302

    def test_a_therapist_keeps_a_draft_as_a_template_and_adds_a_phrase(self, client, today, alice):
        client.force_login(alice.user)
        client.post(reverse("charts:save", args=[today.reference]), posted())
        url = reverse("charts:template_save", args=[today.reference])
        assert client.post(url, {"name": "  My low back  "}).status_code == 302
        template = SoapTemplate.objects.get()
        assert (template.name, template.therapist) == ("My low back", alice)
        assert template.plan == posted()["plan"]
        url = reverse("charts:phrase_add", args=[today.reference])
        assert client.post(url, {"text": "Client fell asleep"}).status_code == 302
        assert client.post(url, {"text": "x" * 201}).status_code == 400
        assert QuickPhrase.objects.get().therapist == alice


class TestPhotos:
    @pytest.fixture
    def photo(self, client, today, alice):
        client.force_login(alice.user)
        assert add_photo(client, today).status_code == 302
        client.logout()
        return ChartPhoto.objects.get()

    def test_it_is_sealed_at_rest(self, photo):
        stored = photos.photo_storage().open(photo.file, "rb").read()
        assert b"JFIF" not in stored and not stored.startswith(b"\xff\xd8")

    def test_the_own_therapist_reads_it_and_the_read_is_logged(self, client, photo, alice):
        client.force_login(alice.user)
        response = client.get(reverse("charts:photo", args=[photo.pk]))
        assert response.status_code == 200 and response.content == jpeg()
        assert response["Content-Type"] == "image/jpeg"
        assert ChartAccess.objects.filter(user=alice.user, where=f"chart photo {photo.pk}").exists()

    def test_the_managers_read_is_logged(self, client, photo, manager):
        client.force_login(manager)
        assert client.get(reverse("charts:photo", args=[photo.pk])).status_code == 200
        assert ChartAccess.objects.get(user=manager).where == f"chart photo {photo.pk}"

    @pytest.mark.parametrize("who", ["bob", "front_desk"])
    def test_another_therapist_and_the_front_desk_get_403(self, client, photo, who, request):
        reader = request.getfixturevalue(who)
        client.force_login(getattr(reader, "user", reader))
        assert client.get(reverse("charts:photo", args=[photo.pk])).status_code == 403
        assert not ChartAccess.objects.exists()

    def test_anonymous_visitors_are_sent_to_log_in(self, client, photo):
        response = client.get(reverse("charts:photo", args=[photo.pk]))
        assert response.status_code == 302 and "login" in response["Location"]

    def test_another_therapist_cannot_add_one(self, client, today, bob):
        client.force_login(bob.user)
        assert add_photo(client, today).status_code == 404
        assert not ChartPhoto.objects.exists()

    @pytest.mark.parametrize(
        ("data", "message"),
        [
            (b"%PDF-1.4 not a photo %%EOF", "must be a JPEG or PNG"),
            (b"\xff\xd8\xff" + b"0" * 100, "must be a JPEG or PNG"),
            (b"", "empty"),
        ],
    )
    def test_a_file_that_is_not_a_photo_is_refused_by_its_content(
        self, client, today, alice, data, message
    ):
        client.force_login(alice.user)
        url = reverse("charts:photo_add", args=[today.reference])
        response = client.post(url, {"photo": upload(data)})
        assert response.status_code == 400 and message in response.content.decode()
        assert not ChartPhoto.objects.exists()

    def test_a_photo_over_the_limit_is_refused(self, client, today, alice, settings):
        settings.CHARTS_PHOTO_MAX_BYTES = 1000
        client.force_login(alice.user)
        response = add_photo(client, today, data=jpeg((400, 400)))
        assert response.status_code == 400 and "too large" in response.content.decode()
        assert not ChartPhoto.objects.exists()

    def test_a_png_is_kept_with_its_type(self, client, today, alice):
        buffer = io.BytesIO()
        Image.new("RGB", (10, 10), "white").save(buffer, "PNG")
        client.force_login(alice.user)
        assert add_photo(client, today, data=buffer.getvalue(), name="x.jpg").status_code == 302
        assert ChartPhoto.objects.get().content_type == "image/png"

    def test_erasure_takes_the_photos(
        self, photo, ada, manager, django_capture_on_commit_callbacks
    ):
        from bookings.privacy import client_erase

        name = photo.file
        with django_capture_on_commit_callbacks(execute=True):
            client_erase(email=ada.email, user=manager)
        assert not ChartPhoto.objects.exists()
        assert not photos.photo_storage().exists(name)
