"""The service's one typed settings object: environment variables (DECONFLICTION_*) and flags.

Lists come from the environment as JSON, e.g.
`DECONFLICTION_PUBLIC_KEYS='["keys/authority.pem"]'` and `DECONFLICTION_ISSUERS='["https://auth.example"]'`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from ..errors import InvalidInput

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DECONFLICTION_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8082
    db: Path = Path("deconfliction.db")
    public_keys: list[Path] = []
    """PEM files of public keys whose RS256 signatures are trusted."""
    jwks_file: Path | None = None
    """A JWKS (JSON Web Key Set) file of trusted public keys."""
    issuers: list[str] = []
    """Accepted `iss` claims. Required: a token is trusted for who issued it, not only its key."""
    audiences: list[str] = []
    """Accepted `aud` claims; empty means the host served (and localhost/127.0.0.1 on loopback)."""
    log_level: str = "warning"

    def accepted_audiences(self) -> list[str]:
        if self.audiences:
            return list(self.audiences)
        if self.host in LOOPBACK or self.host in ("0.0.0.0", "::"):
            return sorted(LOOPBACK - {"::1"})
        return [self.host]

    def check_trust(self) -> None:
        """Refuse to run an open registry: a trusted key and issuer must be configured."""
        if not self.public_keys and self.jwks_file is None:
            raise InvalidInput(
                "public_keys",
                "no trusted key configured: pass --public-key PEM (or --jwks-file FILE), "
                "or set DECONFLICTION_PUBLIC_KEYS / DECONFLICTION_JWKS_FILE",
            )
        if not self.issuers:
            raise InvalidInput(
                "issuers", "no trusted issuer configured: pass --issuer ISS or set DECONFLICTION_ISSUERS",
            )
