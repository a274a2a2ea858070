"""Chibot settings, read from the environment (prefix CHIBOT_) and an optional .env file."""

from __future__ import annotations

import base64
import secrets
import tomllib
from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ZaloBot(BaseModel):
    """One Zalo bot of the deployment: its token, how members find it, whom it serves."""

    token: SecretStr
    name: str
    link: str  # what a member opens to write to it (its zalo.me link)
    organisations: tuple[str, ...] = ()  # codes of the organisations it serves (and below)
    rate: float | None = None  # messages per second; None: the channel's rate

    @property
    def id(self) -> str:
        """The public part of the token (`{bot_id}:{secret}`): safe to log and to store."""
        return self.token.get_secret_value().split(":", 1)[0]


class Settings(BaseSettings):
    """Every knob of Chibot; domain durations and thresholds are named here, never inlined."""

    model_config = SettingsConfigDict(env_prefix="CHIBOT_", env_file=".env", extra="ignore")

    # Runtime
    data_dir: Path = Path("data")
    database_url: str = ""
    secret_key: SecretStr | None = None
    default_language: str = "vi"
    languages: tuple[str, ...] = ("vi", "en")
    timezone: str = "Asia/Ho_Chi_Minh"
    sqlite_busy_timeout_ms: int = 5000
    # NORMAL: commits do not wait for the disk; a killed process loses nothing, a power cut
    # may lose the last seconds (updates the platform handed over always wait). FULL: all wait.
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    log_level: str = "WARNING"  # INFO shows the bot at work; logs never hold personal data
    # PostgreSQL's connection pool, per process. A ping before each use would cost three round
    # trips (a third of a webhook update's); without it a connection the server dropped fails
    # one statement, whose work is retried, and the pool is renewed. Connections beyond the
    # pool are closed when given back, so under a steady load they would be opened again and
    # again (a server process, TLS and every statement prepared anew each time): none by default.
    postgres_pool_size: int = 20
    postgres_pool_overflow: int = 0
    postgres_pre_ping: bool = False
    postgres_recycle_seconds: float = 1800.0  # connections are renewed this often

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org"
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    telegram_webhook_host: str = "127.0.0.1"
    telegram_webhook_port: int = 8080
    telegram_webhook_path: str = "/telegram/webhook"
    telegram_file_types: tuple[str, ...] = ("application/pdf", "image/jpeg", "image/png")

    # Links to stored files, for channels that take a URL instead of an upload (Zalo)
    public_url: str | None = None  # where the web app is reached, e.g. https://chibot.example.vn
    file_link_minutes: int = Field(default=60, ge=1)
    web_host: str = "127.0.0.1"  # where polling mode serves file links (webhook mode: its own)
    web_port: int = 8080

    # Zalo Bot Platform (limits of the free Basic plan, reported 09/2026)
    zalo_api_url: str = "https://bot-api.zaloplatforms.com"
    # Voice notes go to Zalo as AAC, converted by this program (a name on PATH or a path; ""
    # or not installed: they go as links); a conversion longer than the timeout is given up.
    zalo_ffmpeg: str = "ffmpeg"
    zalo_ffmpeg_timeout_seconds: float = Field(default=60.0, gt=0)
    zalo_bots: list[ZaloBot] = []  # JSON; or a TOML file of [[bots]] in zalo_bots_file
    zalo_bots_file: Path | None = None
    zalo_webhook_path: str = "/zalo/webhook"  # each bot at PATH/<bot id>
    zalo_user_limit: int = 50  # users per bot
    zalo_monthly_quota: int = 3000  # messages per bot per calendar month
    zalo_quota_reserve: float = 0.10  # kept for replies and decisions: bulk never uses it
    zalo_quota_warning: float = 0.80  # officers are told once a bot has used this much
    zalo_rate_limit_pause_seconds: float = 5.0  # a 429 below the quota: that bot waits
    zalo_forbidden_limit: int = 3  # 403s in a row before a chat counts as unreachable
    zalo_image_hosts: tuple[str, ...] = ("zdn.vn", "zadn.vn", "zalo.me")  # UNCONFIRMED
    zalo_image_types: tuple[str, ...] = ("image/jpeg", "image/png")

    # Identity and consent (Law 91/2025/QH15)
    # Raise it when the consent text changes in substance: members who agreed to an older
    # version are asked again at their next message.
    consent_version: str = "2026-12"
    # The controller of members' data (Law 91/2025, Decree 356/2025) and how to reach it.
    data_controller: str | None = None
    data_controller_contact: str | None = None
    invite_code_length: int = Field(default=10, ge=8)
    invite_code_ttl_days: int = 7
    invite_attempts_per_hour: int = 5
    phone_region: str = "VN"

    # Exemption and reduction (Party Statute Art. 7; 12-HD/BTCTW)
    exemption_max_months: int = 12  # a fixed period must be shorter than this
    # A fixed period may have begun already (maternity leave, treatment), up to this long ago.
    exemption_past_start_days: int = 60
    # 09-HD/BTCTW (2017) offers only exemption for the fixed-period reasons; UNCONFIRMED
    # whether the 2022 guidance (12-HD/BTCTW) allows reduction for them too.
    exemption_reduction_for_fixed_reasons: bool = False
    # A province's own reasons, added to the built-in list (conversations/exemption/reasons.toml).
    exemption_reasons_file: Path | None = None
    # Who records the chi bo's decision; add "committee_member" for the chi uy members.
    exemption_deciding_roles: tuple[str, ...] = ("secretary", "deputy_secretary")
    # Fixed-period reasons go on to the dang uy co so (09-HD 2017; UNCONFIRMED for 2022).
    exemption_fixed_period_upper: bool = True
    retired_cadre_consent_required: bool = False  # a province rule (seed 000, Tra Vinh)
    decision_report: Literal["immediate", "daily"] = "immediate"
    decision_digest_time: time = time(18, 0)
    exemption_review_months: int = 12
    decision_undo_minutes: int = 10
    officer_reminder_days: int = 3
    officer_escalation_days: int = 7
    # A request taken to the next meeting escalates only if no decision comes within this.
    deferred_escalation_days: int = 40
    certificate_retention_days: int = 730
    # Fernet keys for files at rest (JSON list): the first encrypts, all decrypt, so a new key
    # goes first and `chibot files reencrypt` moves old files to it. Required on PostgreSQL
    # (a deployment of several processes); on SQLite one is generated into the data folder.
    file_keys: list[SecretStr] = []
    # A copy of "my data" sent as a file is deleted from the file store after this long.
    personal_data_copy_hours: int = Field(default=24, ge=1)
    file_max_bytes: int = 20 * 1024 * 1024

    # Working away (01-HD/TW 10.3; 232-QD/TW 6.3.2)
    away_max_months: int = 12  # the whole absence, extensions included, stays under this
    away_transfer_min_months: int = 3  # a temporary transfer lasts at least this
    away_past_start_days: int = 60  # a member may report an absence that began this long ago
    away_answer_days: int = 7  # the secretary is told when an overdue member does not answer
    away_unsure_ask_days: int = 30  # "not sure yet" when back: asked again this often
    away_dues_day: int = Field(default=5, ge=1, le=28)  # the monthly dues reminder's day

    # Meetings (Party Statute Art. 8, 24; 12-HD/BTCTW 2018)
    unexcused_absence_limit_per_year: int = 3
    unexcused_absence_warning_at: int = 2
    excused_absence_streak_limit: int = 3
    attendance_target_percent: int = 85
    meeting_documents_days_before: int = 1
    # Reminders go out this many days before each meeting (0: the morning of it); those of
    # days before are spread over the window, so that a day many chi bo share fits the rate.
    meeting_reminder_days: tuple[int, ...] = (1, 0)
    meeting_reminder_window_start: time = time(7, 0)
    meeting_reminder_window_end: time = time(21, 0)
    meeting_attendance_edit_days: int = 7  # attendance can be marked and corrected this long
    meeting_minutes: int = 90  # 42-HD/BTCTW: at least 90 minutes; meetings closer clash
    # A month's meetings are set (with their reminders) this many days before it begins.
    meeting_plan_ahead_days: int = 15
    meeting_list_days: int = 7  # the officers' list shows meetings since this many days ago
    # Reminder timers due together are fired together, this many meetings per transaction.
    meeting_reminder_batch: int = 2000

    # Monthly topics (seed 003)
    topics_per_month_min: int = 2
    topics_per_month_max: int = 4
    topics_per_month: int = Field(default=3, ge=2, le=4)  # items each chi bo studies a month
    topics_send_day: int = Field(default=1, ge=1, le=28)  # day of the month they go out
    topics_send_time: time = time(8, 0)
    topics_reflection_retention_days: int = 365  # private reflections are deleted after this
    topics_reflection_max_chars: int = 3000  # a reflection fits one chat message
    topics_voice_max_seconds: int = 300
    # SQLite's page cache while the round is queued (the outbox's indexes grow by a row a member).
    topics_sqlite_cache_mb: int = 256
    # Roster ids of the administrators told when a chi bo has too few items with official text.
    topics_administrators: list[str] = Field(default_factory=list)

    # The secretary's desk (lists, rates, charts, files)
    desk_summary_max_age_minutes: int = Field(default=60, ge=1)  # then rates are counted again
    desk_chart_bars: int = Field(default=12, ge=2)  # the rest are summed into one bar
    desk_list_limit: int = Field(default=60, ge=1)  # rows of a list shown in chat
    desk_templates_dir: Path | None = None  # a province's own DOCX templates, by file name
    desk_file_retention_hours: int = Field(default=72, ge=1)  # files sent in chat, then deleted

    # The inbox. Webhook processes behind one address: an update that another process
    # recorded is left to it this long (it may be busy, or dead), so they rarely race for a chat.
    # It is measured by the recording host's clock against this one's: keep hosts on NTP.
    inbox_peer_grace_seconds: float = Field(default=3.0, ge=0)

    # Periodic jobs
    timer_scan_seconds: int = 30
    # How often a process that does not run them tries to take over (and the one that does
    # checks that its lock is still held).
    scheduler_lock_retry_seconds: float = 30.0

    # Delivery (Zalo's limits are unpublished: UNCONFIRMED defaults)
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(7, 0)
    delivery_rates: dict[str, float] = {"telegram": 25.0, "zalo": 10.0}  # others: no limit
    delivery_chat_gap_seconds: dict[str, float] = {"telegram": 1.0, "zalo": 1.0}
    delivery_batch: int = 500  # the most rows one claim takes (the held window caps it too)
    delivery_in_flight: int = 256
    delivery_max_attempts: int = 8  # failures (network, 5xx, errors) before dead-lettering
    # 429s are counted apart: a throttled broadcast waits, but a message the platform keeps
    # refusing this way is dead-lettered after this many.
    delivery_max_throttles: int = 50
    delivery_backoff_seconds: float = 5.0
    delivery_backoff_cap_seconds: float = 3600.0
    delivery_lease_seconds: float = 120.0  # a claim not refreshed this long is re-queued
    # A worker holds at most this much sending at its channel's rate (the rest stays queued
    # for others, and for its successor should it die); channels without a rate hold at most
    # delivery_in_flight.
    delivery_claim_seconds: float = 2.0
    delivery_heartbeat_seconds: float = 2.0  # each worker refreshes its row this often
    # No heartbeat this long and the worker is dead: its claims are re-queued. On the same
    # host, a worker whose process is gone is dead at once.
    delivery_worker_dead_seconds: float = 10.0
    delivery_settle_seconds: float = 0.02
    broadcast_progress_seconds: float = 10.0

    @cached_property
    def zalo_bot_list(self) -> list[ZaloBot]:
        """The bots from CHIBOT_ZALO_BOTS, then those of the TOML file, if one is named."""
        bots = list(self.zalo_bots)
        if self.zalo_bots_file is not None:
            listed = tomllib.loads(self.zalo_bots_file.read_text(encoding="utf-8"))
            bots += [ZaloBot.model_validate(entry) for entry in listed.get("bots", [])]
        return bots

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def files_dir(self) -> Path:
        """Chibot's file store (certificates), under the data folder."""
        return self.data_dir / "files"

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'chibot.db'}"

    def file_encryption_keys(self) -> list[bytes]:
        """The Fernet keys, first the one that encrypts; generated for the embedded SQLite."""
        if self.file_keys:
            return [key.get_secret_value().encode() for key in self.file_keys]
        if not self.effective_database_url.startswith("sqlite"):
            raise ValueError("CHIBOT_FILE_KEYS must be set on PostgreSQL: every process of a "
                             "deployment needs the same keys (see the README, Personal data)")
        path = self.data_dir / "file.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            # A Fernet key: 32 random bytes, URL-safe base64.
            path.write_bytes(base64.urlsafe_b64encode(secrets.token_bytes(32)))
            path.chmod(0o600)
        return [path.read_bytes().strip()]

    def server_secret(self) -> bytes:
        """The HMAC key; generated once into the data folder when not configured."""
        if self.secret_key is not None:
            return self.secret_key.get_secret_value().encode()
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip().encode()
