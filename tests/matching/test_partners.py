"""Linkage with a partner in the product: export encodings, import the linkage unit's pairs,
review. Names never leave; the key is not stored; bad pair files change nothing."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sanctuary.audit.models import Action, AuditEntry
from sanctuary.background.models import Job
from sanctuary.linkage.pprl import encode_csv, match_files, parse_key
from sanctuary.matching.models import PartnerMatch, PartnerRun
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

KEY = "a1" * 32  # 32 bytes in hex, agreed with the partner for this run


def _partner_file(tmp_path: Path) -> Path:
    """The partner's own register: the same man, spelled in Burmese, plus a stranger."""
    source = tmp_path / "partner.csv"
    with source.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "record_id",
                "name",
                "father_name",
                "birth_date",
                "nrc",
                "service_number",
                "force",
                "unit",
                "hometown",
                "phone",
            ]
        )
        writer.writerow(["P1", "ကိုအောင်ကျော်မင်း", "ဦးတင်မောင်", "1990-03-15", "", "", "army", "", "မုံရွာ", "09 420 123 456"])
        writer.writerow(["P2", "Zaw Zaw", "U Hla", "1975", "", "", "police", "", "Dawei", ""])
    out = tmp_path / "partner.json"
    encode_csv(source, parse_key(KEY.encode()), out, map_out=tmp_path / "partner-map.csv")
    return out


def test_export_match_import_review(make_user, login, team_a, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sanctuary.people.models import ContactPoint

    person = PersonFactory(
        team=team_a,
        alias="Ko Partner",
        true_name="Aung Kyaw Min",
        father_name="U Tin Maung",
        birth_date="1990-03-15",
        hometown="Monywa",
    )
    ContactPoint.objects.create(person=person, kind="phone", value="+959420123456")
    PersonFactory.create_batch(5, team=team_a)
    director: Client = login(make_user("director"))
    response = director.post("/duplicates/partners/export/", {"partner": "Friends of Mae Sot", "key": KEY})
    assert response.status_code == 302 and response["Location"].startswith("/background/")  # encoded as a job
    job = Job.objects.get(kind="matching.partner_export")
    assert job.state == "done" and KEY not in json.dumps(job.params) and job.output_name
    response = director.post(f"/background/{job.pk}/download/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    body = response.content.decode()
    assert director.post(f"/background/{job.pk}/download/").status_code == 404  # handed out once, then deleted
    for secret in ("Aung", "Kyaw", "Ko Partner", "959420123456", "Monywa", KEY):
        assert secret not in body
    ours = tmp_path / "ours.json"
    ours.write_text(body, encoding="utf-8")
    run = PartnerRun.objects.get()
    assert run.records == 6 and len(json.loads(body)["records"]) == 6
    assert KEY not in json.dumps(run.handles)

    pairs = tmp_path / "pairs.csv"
    match_files(ours, _partner_file(tmp_path), pairs)  # what the linkage unit does
    upload = SimpleUploadedFile("pairs.csv", pairs.read_bytes(), content_type="text/csv")
    response = director.post(f"/duplicates/partners/{run.pk}/import/", {"pairs": upload}, follow=True)
    assert "1 matches to review" in response.content.decode()
    match = PartnerMatch.objects.get()
    assert match.person_id == person.pk and match.score >= 0.7
    page = director.get(f"/duplicates/partners/{run.pk}/").content.decode()
    assert "Ko Partner" in page and match.partner_ref in page
    director.post(f"/duplicates/partners/match/{match.pk}/same/")
    assert PartnerMatch.objects.get().decision == "same"
    assert AuditEntry.objects.filter(action=Action.EXPORT, object_type="matching.partnerrun").exists()


def test_bad_pairs_file_changes_nothing_and_names_each_row(make_user, login, team_a) -> None:  # type: ignore[no-untyped-def]
    PersonFactory(team=team_a)
    director: Client = login(make_user("director"))
    director.post("/duplicates/partners/export/", {"partner": "P", "key": KEY})
    run = PartnerRun.objects.get()
    ours = next(iter(run.handles))
    content = f"record_id_a,record_id_b,score\n{ours},X1,0.9\nnot-ours,X2,0.8\n{ours},X3,high\n".encode()
    upload = SimpleUploadedFile("pairs.csv", content, content_type="text/csv")
    response = director.post(f"/duplicates/partners/{run.pk}/import/", {"pairs": upload}, follow=True)
    page = response.content.decode()
    assert "Nothing was imported" in page
    assert "row 3" in page and "row 4" in page
    assert not PartnerMatch.objects.exists()
    assert not Job.objects.exclude(input_name="").exists()  # the uploaded file is gone with the job
    missing = SimpleUploadedFile("pairs.csv", b"a,b\n1,2\n", content_type="text/csv")
    page = director.post(f"/duplicates/partners/{run.pk}/import/", {"pairs": missing}, follow=True).content.decode()
    assert "missing columns" in page


def test_short_key_is_refused_and_only_directors_link(make_user, login) -> None:  # type: ignore[no-untyped-def]
    director: Client = login(make_user("director"))
    response = director.post("/duplicates/partners/export/", {"partner": "P", "key": "abcd"})
    assert response.status_code == 400 and "at least 32 bytes" in response.content.decode()
    assert not PartnerRun.objects.exists()
    assert login(make_user("vetting_officer")).get("/duplicates/partners/").status_code == 403
