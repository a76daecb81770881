"""Staff sessions as encrypted cookies.

The cookie holds the staff token the person typed, their name and role and the session's CSRF
token, encrypted and signed (Fernet, key derived from `CONSOLE_SESSION_SECRET`) and HttpOnly.
Nothing is kept in the console's memory, so a restart or a second console instance keeps
everyone logged in, and a stolen cookie is as good as the token only until the session's
maximum age (one shift) runs out. Revoking a token (removing it from ORDERHUB_STAFF_TOKENS)
ends its sessions too: the directory is checked on every request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import asdict, dataclass

from cryptography.fernet import Fernet, InvalidToken
from orderhub_runtime.settings import Role, StaffMember

COOKIE_NAME = "orderhub_console"
LOGIN_CSRF_COOKIE = "orderhub_console_login"


@dataclass(frozen=True)
class StaffSession:
    token: str
    name: str
    role: Role
    csrf: str
    issued_at: int

    def csrf_matches(self, presented: str | None) -> bool:
        return bool(presented) and hmac.compare_digest(self.csrf, presented or "")


class SessionCodec:
    def __init__(self, secret: str, max_age_s: int) -> None:
        key = base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())
        self._fernet = Fernet(key)
        self.max_age_s = max_age_s

    def open(self, token: str, member: StaffMember) -> StaffSession:
        return StaffSession(token, member.name, member.role, secrets.token_urlsafe(24), int(time.time()))

    def encode(self, session: StaffSession) -> str:
        return self._fernet.encrypt(json.dumps(asdict(session)).encode()).decode()

    def decode(self, cookie: str | None) -> StaffSession | None:
        if not cookie:
            return None
        try:
            raw = json.loads(self._fernet.decrypt(cookie.encode(), ttl=self.max_age_s))
            return StaffSession(**raw)
        except (InvalidToken, ValueError, TypeError):
            return None
