"""What an uploaded evidence file really is: read from its first bytes, never from its name or declared type."""

import re
import uuid

# Content type -> (extension it is stored under, test of the file's first bytes). Each test checks the
# structure after the magic number too, so a PNG signature glued onto an HTML page is not a PNG.
EVIDENCE_TYPES = {
    "image/jpeg": ("jpg", lambda head: head[:3] == b"\xff\xd8\xff"),
    "image/png": ("png", lambda head: head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"),
    "image/gif": ("gif", lambda head: head[:6] in (b"GIF87a", b"GIF89a")),
    "image/webp": ("webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
    "application/pdf": ("pdf", lambda head: head[:5] == b"%PDF-"),
}
HEAD_BYTES = 1024
# Markup a browser would render if it ever sniffed the file: refused even behind a valid signature.
_MARKUP = re.compile(rb"<\s*(?:!doctype|html|head|body|script|iframe|svg|object|embed|meta)\b", re.IGNORECASE)


def sniff(head: bytes) -> str | None:
    """The content type the file's first bytes prove, or None (not an accepted kind, or markup inside)."""
    if _MARKUP.search(head):
        return None
    for content_type, (_, looks_like) in EVIDENCE_TYPES.items():
        if looks_like(head):
            return content_type
    return None


def stored_name(content_type: str) -> str:
    """A generated file name: nothing of the uploader's name reaches the disk."""
    return f"{uuid.uuid4().hex}.{EVIDENCE_TYPES[content_type][0]}"
