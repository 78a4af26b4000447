"""Attachment storages whose disk fails, for the tests of a failed write (issue 12 §7). They are
set with `settings.STORAGES` in a test, as a real deployment would set its storage."""

from __future__ import annotations

import errno
import os
from typing import Any

from django.core.files.storage import FileSystemStorage


class FullDiskStorage(FileSystemStorage):
    """The disk fills up in the middle of a file: half of it is on disk, then ENOSPC — what
    FileSystemStorage itself leaves behind on a full disk."""

    room = 0  # files that still fit before the disk is full

    def _save(self, name: str, content: Any) -> str:
        if FullDiskStorage.room > 0:
            FullDiskStorage.room -= 1
            return super()._save(name, content)
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        data = content.read()
        with open(path, "wb") as handle:
            handle.write(data[: max(1, len(data) // 2)])
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)


class ReadOnlyStorage(FileSystemStorage):
    """The attachment folder is mounted read-only: nothing can be created."""

    def _save(self, name: str, content: Any) -> str:
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), self.path(name))
