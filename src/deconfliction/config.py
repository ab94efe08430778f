"""The one typed Settings: flags, environment (`DECONFLICTION_*`) and an optional TOML file,
in that order of precedence, over the defaults here.

Lists come from the environment as JSON, e.g. `DECONFLICTION_PUBLIC_KEYS='["authority.pem"]'`.
The TOML file (`--config FILE` or `DECONFLICTION_CONFIG`) holds the same names at top level:

    db = "/var/lib/deconfliction/registry.db"
    min_notice = "PT30M"
    issuers = ["https://auth.example"]

With no trusted key, JWKS and issuer configured, the server runs in the embedded local mode:
it binds loopback only and trusts a signing key of its own, kept in `data_dir`
(`deconfliction token` mints tokens with it, for local use only).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from .errors import InvalidInput
from .geo import parse_duration

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
LOCAL_ISSUER = "deconfliction-local"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DECONFLICTION_", extra="forbid")

    host: str = "127.0.0.1"
    port: int = Field(8082, ge=0, le=65535)
    db: Path | str = Path("deconfliction.db")
    """A SQLite file (the embedded default), or a `postgresql://` URL: the database of a pool of
    servers (docs/deployment.md)."""
    data_dir: Path | None = None
    """Where the local signing key lives (default: `.deconfliction` beside the database)."""
    public_url: str | None = None
    """The base URL other USSs reach this service at (default http://HOST:PORT): the
    `uss_base_url` of declarations made over /v1."""
    public_keys: list[Path] = []
    """PEM files of public keys whose RS256 signatures are trusted."""
    jwks_file: Path | None = None
    issuers: list[str] = []
    """Accepted `iss` claims: a token is trusted for who issued it, not only its key."""
    audiences: list[str] = []
    """Accepted `aud` claims; empty means the host served (and localhost/127.0.0.1 on loopback)."""
    log_level: str = "warning"

    min_notice: str = "PT15M"
    """Lead time an operation needs (ISO 8601); less is a late notice, flagged to those it affects."""
    ack_deadline: str = "PT5M"
    """Time a party has to acknowledge a notice before its silence is escalated."""
    nearby_radius_m: float = Field(10_000.0, gt=0, le=1_000_000)
    nearby_window: str = "PT15M"
    """Who hears of a stray aircraft: declarations within this distance and time of its operation."""
    v1_max_area_km2: float = Field(10_000.0, gt=0)
    """Largest footprint of a /v1 volume: patrol areas are larger than drone operations."""
    v1_max_duration: str = "P7D"
    v1_max_horizon: str = "P30D"
    """How far ahead a /v1 volume may end (F3548's 30 days for intents)."""
    refuse_lower_priority: bool = False
    """Refuse (409) a /v1 operation that conflicts with one of higher priority (F3548 SCD0015),
    instead of accepting, flagging and notifying it."""
    durability: Literal["full", "normal"] = "full"
    """SQLite `synchronous`: "full" (acknowledged means on disk, even through a power loss) or
    "normal" (survives a killed process; a power loss may drop the last commits)."""
    header_timeout_s: float = Field(10.0, gt=0, le=300)
    """A connection whose request headers are not complete this long after they start is dropped."""
    body_timeout_s: float = Field(30.0, gt=0, le=600)
    """A request body that stalls this long between chunks is answered 408."""
    keepalive_timeout_s: float = Field(5.0, ge=1, le=300)
    max_connections: int = Field(1000, ge=1, le=100_000)
    """Connections served at once; requests beyond answer 503."""
    max_header_bytes: int = Field(16 * 1024, ge=1024, le=1024 * 1024)
    require_signatures: bool = False
    """Refuse (401) a /v1 declaration, withdrawal or acknowledgement that its party did not sign
    (header Deconfliction-Signature, with the key it registered at PUT /v1/party-key)."""
    log_key: Path | None = None
    """PEM file of the Ed25519 key that signs the transparency log's tree heads (default: one
    made in the data directory on first start)."""
    uss_token_url: str | None = None
    """OAuth 2.0 token endpoint (client credentials) for the access tokens this service presents
    when it notifies USSs of the declarations it manages (F3548 USS API). Unset: USSs are not
    notified (they still find those declarations in /dss/v1 and fetch them from /uss/v1)."""
    uss_client_id: str | None = None
    uss_client_secret: str | None = None
    rpz_m: float = Field(9_260.0, gt=0)
    hpz_m: float = Field(304.8, gt=0)
    lookahead_s: float = Field(300.0, gt=0)

    @field_validator("db", mode="before")
    @classmethod
    def _db(cls, value: Any) -> Path | str:
        from .store.database import is_postgres_url

        return str(value) if is_postgres_url(value) else Path(value)

    @field_validator("min_notice", "ack_deadline", "nearby_window", "v1_max_duration", "v1_max_horizon")
    @classmethod
    def _duration(cls, value: str, info: Any) -> str:
        parse_duration(value, info.field_name)
        return value

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        if settings_cls.model_config.get("toml_file"):
            sources.append(TomlConfigSettingsSource(settings_cls))
        return tuple(sources)

    @classmethod
    def load(cls, config_file: Path | None = None, **flags: Any) -> Settings:
        """Settings from flags (None = not given), the environment and the TOML file."""
        import os

        from pydantic import ValidationError

        path = config_file or (Path(os.environ["DECONFLICTION_CONFIG"]) if os.environ.get("DECONFLICTION_CONFIG") else None)
        if path is not None and not path.is_file():
            raise InvalidInput("config", f"{path} does not exist")
        settings_cls: type[Settings] = cls
        if path is not None:
            settings_cls = type("FileSettings", (cls,), {"model_config": {**cls.model_config, "toml_file": path}})
        try:
            return settings_cls(**{k: v for k, v in flags.items() if v is not None})
        except ValidationError as error:
            first = error.errors()[0]
            field = ".".join(str(p) for p in first.get("loc", ())) or "settings"
            raise InvalidInput(field, first.get("msg", "invalid")) from None
        except Exception as error:  # noqa: BLE001 (a TOML file that does not parse: any parser error)
            raise InvalidInput("config", f"{path}: {error}") from None

    # -- derived -----------------------------------------------------------------------------
    @property
    def local_mode(self) -> bool:
        return not self.public_keys and self.jwks_file is None and not self.issuers

    @property
    def key_dir(self) -> Path:
        return self.data_dir or ((self.db.parent if isinstance(self.db, Path) else Path(".")) / ".deconfliction")

    @property
    def pool(self) -> bool:
        """A server of a pool on a shared PostgreSQL database (not the one server of a SQLite file)."""
        return isinstance(self.db, str)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def seconds(self, name: str) -> float:
        return parse_duration(getattr(self, name), name)

    def accepted_audiences(self) -> list[str]:
        if self.audiences:
            return list(self.audiences)
        if self.host in LOOPBACK or self.host in ("0.0.0.0", "::"):
            return sorted(LOOPBACK - {"::1"})
        return [self.host]

    def check_trust(self) -> None:
        """Refuse to run an open registry: trusted keys and issuers, or the local mode on loopback."""
        if self.local_mode:
            if self.host not in LOOPBACK:
                raise InvalidInput("host", f"no trusted key configured: the local mode binds loopback only, not "
                                           f"{self.host}; pass --public-key PEM (or --jwks-file) and --issuer ISS")
            return
        if not self.public_keys and self.jwks_file is None:
            raise InvalidInput("public_keys", "no trusted key configured: pass --public-key PEM (or --jwks-file FILE), "
                                              "or set DECONFLICTION_PUBLIC_KEYS / DECONFLICTION_JWKS_FILE")
        if not self.issuers:
            raise InvalidInput("issuers", "no trusted issuer configured: pass --issuer ISS or set DECONFLICTION_ISSUERS")
