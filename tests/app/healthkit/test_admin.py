import html

import pytest
from django.contrib.auth import get_user_model

from tests.support.imports import batch_with_chunks_create
from localservices.samples import heart_rate_samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    admin = get_user_model().objects.create_superuser(username="admin", password="pw-admin-1")
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", ["applehealthimportbatch", "applehealthimportchunk", "healthsample"])
def test_imports_are_listed_in_the_admin(staff_client, user, model):
    batch_with_chunks_create(user, [heart_rate_samples(2)])
    assert staff_client.get(f"/admin/healthkit/{model}/").status_code == 200


def test_a_batch_page_shows_its_chunks_read_only(staff_client, user):
    batch, _ = batch_with_chunks_create(user, [heart_rate_samples(2)])
    response = staff_client.get(f"/admin/healthkit/applehealthimportbatch/{batch.pk}/change/")
    assert response.status_code == 200
    assert b'name="_save"' not in response.content


@pytest.mark.parametrize("model", ["applehealthimportbatch", "applehealthimportchunk"])
def test_imports_cannot_be_added_in_the_admin(staff_client, model):
    assert staff_client.get(f"/admin/healthkit/{model}/add/").status_code == 403


def test_a_chunk_page_shows_the_start_of_its_stored_text_as_it_is_escaped(staff_client, user):
    from healthkit.admin import PAYLOAD_PREVIEW_LENGTH
    from healthkit.models import AppleHealthImportChunk

    _, (chunk,) = batch_with_chunks_create(user, [heart_rate_samples(2)])
    stored = '[{"source_name": "<b>x</b>"}' + ", {}" * 1000 + "]"
    AppleHealthImportChunk.objects.filter(pk=chunk.pk).update(payload=stored)
    response = staff_client.get(f"/admin/healthkit/applehealthimportchunk/{chunk.pk}/change/")
    assert response.status_code == 200
    preview = response.content.decode().split('<pre style="white-space: pre-wrap">')[1].split("</pre>")[0]
    assert preview == html.escape(stored[:PAYLOAD_PREVIEW_LENGTH]) + " ..."
