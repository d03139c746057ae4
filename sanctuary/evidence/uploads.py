"""Evidence uploads go straight into the store: each chunk of the request is hashed and
encrypted as it arrives. Django's default handlers would hold a large file in memory or write
it, in plaintext, to a temporary file; the project's settings allow only the memory handler
(for files up to 11 MB), and evidence can be a long video.

Set on the request before anything reads the body (the view is ``csrf_exempt`` and checks the
token itself after installing the handler, as Django's documentation describes)."""

from __future__ import annotations

import io
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from sanctuary.evidence import store


class StoredUpload(UploadedFile):
    """What the form sees: the name, type and size; the bytes are already in the store."""

    def __init__(self, stored: store.Stored, name: str, content_type: str) -> None:
        super().__init__(io.BytesIO(b""), name=name, content_type=content_type, size=stored.size)
        self.stored = stored


class EvidenceUploadHandler(FileUploadHandler):
    chunk_size = store.CHUNK

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.writer: store.Writer | None = None
        self.uploads: list[StoredUpload] = []
        self.refusal: store.StoreRefused | None = None

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        if self.writer is not None or self.uploads or self.refusal is not None:
            raise StopUpload(connection_reset=False)  # one file per form
        self.writer = store.Writer()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        if self.writer is None:  # refused already: the rest of the file is dropped, and the
            return None  # form's other fields are still read, so they come back as typed
        try:
            self.writer.write(raw_data)
        except store.StoreRefused as refusal:  # the writer removed what it wrote
            self.refusal, self.writer = refusal, None
        return None  # no other handler sees the bytes

    def file_complete(self, file_size: int) -> StoredUpload | None:
        if self.writer is None:
            return None
        writer, self.writer = self.writer, None
        try:
            stored = writer.finish()
        except store.StoreRefused as refusal:
            self.refusal = refusal
            return None
        upload = StoredUpload(stored, self.file_name or "file", self.content_type or "")
        self.uploads.append(upload)
        return upload

    def upload_interrupted(self) -> None:
        if self.writer is not None:
            self.writer.abort()
            self.writer = None

    def discard(self) -> None:
        """The form was not saved, or the upload broke off: remove what was stored."""
        if self.writer is not None:  # a client that went away mid-file: Django says nothing
            self.writer.abort()
            self.writer = None
        for upload in self.uploads:
            store.delete(upload.stored.name)
        self.uploads.clear()
