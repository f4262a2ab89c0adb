"""The member's files: photo upload and serving, documents upload/download/delete — checked by
real type and size, stored under random names, served only inside the scope."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.core.uploads import MB
from dangjian.members.models import MemberDocument, Person, RecordChange
from dangjian.members.tests.factories import make_member
from dangjian.members.views.records import detail_url

JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
PDF = b"%PDF-1.4\n" + b"0" * 200
HTML = b"<html><script>alert(1)</script></html>"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }
    return tmp_path


def upload(name, content, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(media):
    return sorted(p.name for p in media.rglob("*") if p.is_file())


def photo_state():
    return list(Person.objects.values_list("pk", "photo")), RecordChange.objects.count()


def document_state():
    return list(MemberDocument.objects.values_list("pk", "title")), RecordChange.objects.count()


# ---------------------------------------------------------------- photo


def test_a_photo_upload_is_refused_outside_the_scope_and_changes_nothing(client, world):
    member = make_member(world.branch1, "张三")
    url = reverse("members:photo", args=[member.pk])
    for user in (world.dave, world.charlie):
        client.force_login(user)
        before = photo_state()
        response = client.post(url, {"photo": upload("a.jpg", JPEG, "image/jpeg")})
        assert response.status_code == 404
        assert photo_state() == before
    client.force_login(world.bob)
    response = client.post(url, {"photo": upload("a.jpg", JPEG, "image/jpeg")})
    assert response.status_code == 302 and response["Location"] == detail_url(member)
    assert Person.objects.get(pk=member.person_id).photo


def test_the_photo_is_stored_under_a_random_name_with_history_and_audit(client, world, media):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    client.post(
        reverse("members:photo", args=[member.pk]),
        {"photo": upload("张三 身份证.png", PNG, "image/png")},
    )
    person = Person.objects.get(pk=member.person_id)
    assert person.photo.name.startswith("members/") and person.photo.name.endswith(".png")
    assert "张三" not in person.photo.name
    change = RecordChange.objects.get(person=person)
    assert change.changes[0]["label"] == "照片" and change.changes[0]["after"] == "已上传"
    assert AuditEntry.objects.filter(action="members.photo_upload", object_id=person.pk).exists()


def test_a_new_photo_replaces_the_old_file(
    client, world, media, django_capture_on_commit_callbacks
):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    url = reverse("members:photo", args=[member.pk])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"photo": upload("a.jpg", JPEG, "image/jpeg")})
        client.post(url, {"photo": upload("b.png", PNG, "image/png")})
    files = stored_files(media)
    assert len(files) == 1 and files[0].endswith(".png")


def test_an_html_file_renamed_to_jpg_is_refused_in_chinese(client, world, media):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    response = client.post(
        reverse("members:photo", args=[member.pk]),
        {"photo": upload("photo.jpg", HTML, "image/jpeg")},
        follow=True,
    )
    assert (
        "照片格式不对（无法识别的格式），只接受 JPG 图片、PNG 图片。" in response.content.decode()
    )
    assert not Person.objects.get(pk=member.person_id).photo
    assert stored_files(media) == []


def test_a_photo_over_5_mb_is_refused(client, world, media):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    big = upload("big.jpg", JPEG + b"\x00" * (5 * MB), "image/jpeg")
    response = client.post(reverse("members:photo", args=[member.pk]), {"photo": big}, follow=True)
    assert "超过了 5 MB 的上限" in response.content.decode()
    assert stored_files(media) == []


def test_the_photo_is_served_inline_inside_the_scope_only(client, world):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    url = reverse("members:photo", args=[member.pk])
    client.post(url, {"photo": upload("a.jpg", JPEG, "image/jpeg")})
    result = assert_access_matrix(
        client, url=url, in_scope=world.bob, out_of_scope=world.dave, no_role=world.charlie
    )
    response = result.responses["in_scope"]
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == JPEG


def test_a_member_without_a_photo_answers_404(client, world):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    assert client.get(reverse("members:photo", args=[member.pk])).status_code == 404


def test_the_photo_can_be_given_with_the_record_form(client, world, media):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    url = reverse("members:edit", args=[member.pk])
    data = {
        "name": "张三",
        "ethnicity": "01",
        "employment": "active",
        "organization": world.branch1.pk,
        "category": "full",
        "joined_on": "2010-07-01",
        "full_member_on": "2011-07-01",
        "work_number": member.person.work_number,
        "photo": upload("a.html.jpg", HTML, "image/jpeg"),
    }
    refused = client.post(url, data)
    assert refused.status_code == 200 and "照片格式不对" in refused.content.decode()
    data["photo"] = upload("a.jpg", JPEG, "image/jpeg")
    assert client.post(url, data).status_code == 302
    assert Person.objects.get(pk=member.person_id).photo.name.endswith(".jpg")


# ---------------------------------------------------------------- documents


def document_data(content=PDF, name="申请书.pdf", **extra):
    return {"kind": "application", "title": "入党申请书", "file": upload(name, content), **extra}


def test_the_document_upload_page_follows_the_manage_scope(client, world):
    member = make_member(world.branch1, "张三")
    url = reverse("members:document_upload", args=[member.pk])
    assert_access_matrix(
        client, url=url, in_scope=world.bob, out_of_scope=world.dave, no_role=world.charlie
    )
    for user in (world.dave, world.charlie):
        client.force_login(user)
        before = document_state()
        assert client.post(url, document_data()).status_code == 404
        assert document_state() == before
    client.force_login(world.bob)
    response = client.post(url, document_data())
    assert response.status_code == 302
    assert response["Location"] == detail_url(member, "documents")
    document = MemberDocument.objects.get()
    assert (document.kind, document.title, document.file_kind) == (
        "application",
        "入党申请书",
        "pdf",
    )
    assert document.file.name.endswith(".pdf") and "申请书" not in document.file.name


def test_bob_cannot_upload_to_a_member_of_branch2(client, world):
    member = make_member(world.branch2, "李四")
    client.force_login(world.bob)
    url = reverse("members:document_upload", args=[member.pk])
    assert client.post(url, document_data()).status_code == 404
    assert not MemberDocument.objects.exists()


def test_a_document_of_an_unaccepted_type_is_refused(client, world, media):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    url = reverse("members:document_upload", args=[member.pk])
    response = client.post(url, document_data(HTML, "申请书.pdf"))
    assert response.status_code == 200
    assert "文件格式不对（无法识别的格式）" in response.content.decode()
    assert not MemberDocument.objects.exists() and stored_files(media) == []


def test_a_document_over_20_mb_is_refused(client, world, media):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    url = reverse("members:document_upload", args=[member.pk])
    response = client.post(url, document_data(PDF + b"0" * (20 * MB)))
    assert "超过了 20 MB 的上限" in response.content.decode()
    assert not MemberDocument.objects.exists()


def test_a_double_submitted_upload_stores_one_document(client, world):
    member = make_member(world.branch1, "张三")
    client.force_login(world.alice)
    url = reverse("members:document_upload", args=[member.pk])
    token = "b" * 32
    client.post(url, document_data(form_token=token))
    again = client.post(url, document_data(form_token=token))
    assert again.status_code == 302
    assert MemberDocument.objects.count() == 1


def _uploaded(client, world, member):
    client.force_login(world.alice)
    client.post(reverse("members:document_upload", args=[member.pk]), document_data())
    client.logout()
    return MemberDocument.objects.get()


def test_a_download_is_an_attachment_inside_the_scope_and_audited(client, world):
    member = make_member(world.branch1, "张三")
    document = _uploaded(client, world, member)
    url = reverse("members:document_download", args=[document.pk])
    result = assert_access_matrix(
        client, url=url, in_scope=world.bob, out_of_scope=world.dave, no_role=world.charlie
    )
    response = result.responses["in_scope"]
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''%E5%85%A5%E5%85%9A" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert AuditEntry.objects.filter(
        action="members.document_download", actor=world.bob, object_id=document.pk
    ).exists()


def test_a_document_of_another_mine_answers_404(client, world):
    member = make_member(world.branch3, "赵六")
    client.force_login(world.dave)
    client.post(reverse("members:document_upload", args=[member.pk]), document_data())
    document = MemberDocument.objects.get()
    client.force_login(world.alice)
    assert client.get(reverse("members:document_download", args=[document.pk])).status_code == 404


def test_deleting_a_document_is_a_post_inside_the_scope(
    client, world, media, django_capture_on_commit_callbacks
):
    member = make_member(world.branch1, "张三")
    document = _uploaded(client, world, member)
    url = reverse("members:document_delete", args=[document.pk])
    client.force_login(world.bob)
    assert client.get(url).status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        assert_access_matrix(
            client,
            url=url,
            method="post",
            data={},
            in_scope=world.bob,
            out_of_scope=world.dave,
            no_role=world.charlie,
            expect={"in_scope": 302},
            state=document_state,
        )
    assert not MemberDocument.objects.exists()
    assert stored_files(media) == []
    assert AuditEntry.objects.filter(action="members.document_delete").count() == 1
    notes = list(RecordChange.objects.values_list("note", flat=True).order_by("pk"))
    assert notes == ["上传档案材料", "删除档案材料"]
