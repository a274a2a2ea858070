"""Check Telegram Bot API requests (and objects) against the machine-readable spec.

The spec (``spec/telegram-bot-api-10.1.json``, see ``spec/NOTICE.md``) lists every method
and type with its fields: ``name``, ``types`` (e.g. ``["Integer", "String"]``,
``["Array of Array of InlineKeyboardButton"]``), ``required`` and ``description``. Limits
such as "1-4096 characters" or "1-64 bytes" are only in the descriptions, so they are
parsed from there.

Requests arrive in one of two encodings:

* form fields (urlencoded or multipart, as aiogram sends them): every value is a string;
  numbers and booleans are JSON literals ("42", "true"), objects and arrays are
  JSON-serialized, strings are sent raw, files are multipart parts referenced as
  ``attach://<part name>``;
* a JSON body: values are native JSON values.

:meth:`BotApiSpec.validate_request` decodes form values according to the declared types,
then checks everything recursively. Errors are plain strings naming the path, e.g.
``reply_markup.inline_keyboard[0][0].callback_data: 65 bytes, allowed 1-64 bytes``.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).parent / "spec" / "telegram-bot-api-10.1.json"

PRIMITIVES = frozenset({"Integer", "Float", "Boolean", "String", "InputFile"})
ARRAY_PREFIX = "Array of "

_INT_RE = re.compile(r"-?\d+")
_LIMIT_RE = re.compile(r"\b(\d+)-(\d+) (characters|bytes)\b", re.IGNORECASE)
_CONST_RE = re.compile(r"(?:must be|always) (?!one of)[“\"]?([A-Za-z_][\w-]*)[”\"]?")
_DISCRIMINATOR_FIELDS = ("type", "source", "status")
_ENTITY_PARSING_RE = re.compile(r"entit(?:y|ies) parsing")
_FORMATTED_FIELDS = frozenset({"text", "caption", "message_text"})
_COMMAND_RE = re.compile(r"[a-z0-9_]{1,32}")
_SECRET_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")
_LANGUAGE_RE = re.compile(r"[a-z]{2}")

PARSE_MODES = ("HTML", "MARKDOWNV2", "MARKDOWN")
CHAT_ACTIONS = frozenset({
    "typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
    "upload_document", "choose_sticker", "find_location", "record_video_note",
    "upload_video_note",
})
BUTTON_STYLES = frozenset({"danger", "success", "primary"})
# InlineKeyboardButton: exactly one field other than these must be set.
_BUTTON_NEUTRAL_FIELDS = frozenset({"text", "icon_custom_emoji_id", "style"})


@dataclass(frozen=True)
class UploadedFile:
    """A multipart part that carried a file (it had a filename)."""

    name: str
    filename: str
    content_type: str
    data: bytes


class ParseEntitiesError(ValueError):
    """The text does not parse in the given parse_mode (Telegram: "can't parse entities")."""


# Tags that Telegram's HTML parse mode accepts (core.telegram.org/bots/api#html-style).
_HTML_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "tg-emoji", "code", "pre", "blockquote", "tg-time",
})
_HTML_NAMED_ENTITIES = frozenset({"lt", "gt", "amp", "quot"})
_TAG_RE = re.compile(
    r"<(/?)([A-Za-z][A-Za-z0-9-]*)((?:\s+[A-Za-z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?)*)"
    r"\s*/?>"
)
_ATTR_RE = re.compile(r"([A-Za-z-]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s\"'>]+))?")
_ENTITY_RE = re.compile(r"&(#\d+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);")


def html_visible_text(text: str) -> str:
    """Text after Telegram HTML entity parsing; raise ParseEntitiesError where Telegram would.

    Checks: only supported tags, ``<a>`` with ``href``, ``<span>`` only with
    ``class="tg-spoiler"``, properly nested and closed tags, no bare ``<``, only the named
    entities ``&lt; &gt; &amp; &quot;`` (numeric ones are all fine). A bare ``&`` or ``>``
    is tolerated, as Telegram does in practice.
    """
    out: list[str] = []
    stack: list[str] = []
    pos = 0
    while pos < len(text):
        lt = text.find("<", pos)
        chunk = text[pos:] if lt < 0 else text[pos:lt]
        out.append(_decode_entities(chunk, pos))
        if lt < 0:
            break
        match = _TAG_RE.match(text, lt)
        if match is None:
            raise ParseEntitiesError(
                f"unescaped '<' at character {lt} (use &lt;)"
            )
        closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
        if name not in _HTML_TAGS:
            raise ParseEntitiesError(f"unsupported {'end' if closing else 'start'} tag <{name}>")
        if closing:
            if not stack or stack[-1] != name:
                expected = f"</{stack[-1]}>" if stack else "no open tag"
                raise ParseEntitiesError(f"</{name}> at character {lt} but expected {expected}")
            stack.pop()
        else:
            attributes = {
                key.lower(): (value or "").strip("\"'") for key, value in _ATTR_RE.findall(attrs)
            }
            if name == "a" and not attributes.get("href"):
                raise ParseEntitiesError("<a> without href")
            if name == "span" and attributes.get("class") != "tg-spoiler":
                raise ParseEntitiesError('<span> must have class="tg-spoiler"')
            stack.append(name)
        pos = match.end()
    if stack:
        raise ParseEntitiesError(f"unclosed tag <{stack[-1]}>")
    return "".join(out)


def _decode_entities(chunk: str, offset: int) -> str:
    for match in _ENTITY_RE.finditer(chunk):
        name = match.group(1)
        if not name.startswith("#") and name.lower() not in _HTML_NAMED_ENTITIES:
            raise ParseEntitiesError(
                f"unsupported HTML entity &{name}; at character {offset + match.start()}"
            )
    return html.unescape(chunk)


def visible_length(text: str, parse_mode: str | None) -> int:
    """Length of ``text`` after entity parsing (exact for HTML, raw length otherwise)."""
    if parse_mode is not None and parse_mode.upper() == "HTML":
        return len(html_visible_text(text))
    return len(text)


class _Undecodable:
    def __init__(self, raw: str) -> None:
        self.raw = raw


class BotApiSpec:
    """The Bot API spec, with request and object validation."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self.version: str = data.get("version", "?")
        self.methods: dict[str, dict[str, Any]] = dict(data["methods"])
        self.types: dict[str, dict[str, Any]] = dict(data["types"])
        self._methods_lower = {name.lower(): name for name in self.methods}
        self._discriminators: dict[str, tuple[str, str] | None] = {}

    @classmethod
    def load(cls, path: Path | str = SPEC_PATH) -> BotApiSpec:
        return cls(json.loads(Path(path).read_text(encoding="utf-8")))

    # ------------------------------------------------------------------ lookup
    def method_name(self, name: str) -> str | None:
        """The canonical method name (Telegram matches method names case-insensitively)."""
        return self._methods_lower.get(name.lower())

    def method(self, name: str) -> dict[str, Any] | None:
        canonical = self.method_name(name)
        return None if canonical is None else self.methods[canonical]

    def field(self, method: str, name: str) -> dict[str, Any] | None:
        spec = self.method(method)
        for field in (spec or {}).get("fields", []):
            if field["name"] == name:
                return field
        return None

    # --------------------------------------------------------------- requests
    def validate_request(
        self,
        method: str,
        params: Mapping[str, Any],
        files: Mapping[str, UploadedFile] | None = None,
        *,
        form_encoded: bool = True,
    ) -> tuple[dict[str, Any], list[str]]:
        """Decode and check the parameters of one call.

        ``params`` are form values (strings, or :class:`UploadedFile` for a file part sent
        under a parameter's own name) when ``form_encoded``, else the JSON body's values.
        ``files`` are all multipart file parts by part name (for ``attach://`` references).
        Returns the decoded parameters and the list of errors (empty when valid).
        """
        files = files or {}
        canonical = self.method_name(method)
        if canonical is None:
            return dict(params), [f"unknown method {method!r}"]
        spec = self.methods[canonical]
        fields = {field["name"]: field for field in spec.get("fields", [])}
        errors: list[str] = []
        decoded: dict[str, Any] = {}
        for name, raw in params.items():
            field = fields.get(name)
            if field is None:
                errors.append(f"unknown parameter {name!r}")
                continue
            value = self._decode(raw, field["types"], form_encoded)
            if isinstance(value, _Undecodable):
                errors.append(
                    f"{name}: expected {' or '.join(field['types'])}, got {value.raw!r}"
                )
                continue
            decoded[name] = value
        errors.extend(
            self._check_fields(decoded, list(fields.values()), path="", files=files,
                               skip_unknown=True)
        )
        errors.extend(self._method_rules(canonical, decoded))
        return decoded, errors

    def _decode(self, raw: Any, types: list[str], form_encoded: bool) -> Any:
        if isinstance(raw, UploadedFile):
            return raw
        if not isinstance(raw, str):
            return raw
        if not form_encoded and "String" in types:
            return raw
        for type_name in types:
            if type_name == "Integer" and _INT_RE.fullmatch(raw):
                return int(raw)
            if type_name == "Float":
                try:
                    return float(raw)
                except ValueError:
                    continue
            if type_name == "Boolean" and raw.lower() in ("true", "false", "1", "0"):
                return raw.lower() in ("true", "1")
            if type_name in ("String", "InputFile"):
                return raw
            if type_name not in PRIMITIVES:
                try:
                    value = json.loads(raw)
                except ValueError:
                    continue
                if isinstance(value, (dict, list)):
                    return value
        return _Undecodable(raw)

    def _method_rules(self, method: str, params: Mapping[str, Any]) -> list[str]:
        errors: list[str] = []
        if method == "sendChatAction":
            action = params.get("action")
            if isinstance(action, str) and action not in CHAT_ACTIONS:
                errors.append(f"action: {action!r} is not a chat action")
        elif method == "setWebhook":
            secret = params.get("secret_token")
            if isinstance(secret, str) and not _SECRET_TOKEN_RE.fullmatch(secret):
                errors.append("secret_token: only 1-256 characters A-Z, a-z, 0-9, _ and -")
        elif method == "setMyCommands":
            commands = params.get("commands")
            if isinstance(commands, list) and len(commands) > 100:
                errors.append(f"commands: {len(commands)} commands, at most 100")
        elif method == "editMessageText":
            if "text" not in params and "rich_message" not in params:
                errors.append("text: missing required parameter (no rich_message either)")
        elif method == "getUpdates":
            limit = params.get("limit")
            if isinstance(limit, int) and not 1 <= limit <= 100:
                errors.append(f"limit: {limit} is not in 1-100")
            timeout = params.get("timeout")
            if isinstance(timeout, int) and timeout < 0:
                errors.append(f"timeout: {timeout} is negative")
        language = params.get("language_code")
        if (method in ("setMyCommands", "deleteMyCommands", "getMyCommands")
                and isinstance(language, str) and language
                and not _LANGUAGE_RE.fullmatch(language)):
            errors.append(f"language_code: {language!r} is not a two-letter ISO 639-1 code")
        return errors

    # ---------------------------------------------------------------- objects
    def validate_object(self, value: Any, type_name: str, path: str = "") -> list[str]:
        """Check a native value (e.g. an Update the fake server is about to deliver)."""
        return self._check(value, [type_name], path or type_name, {})

    def validate_result(self, method: str, result: Any) -> list[str]:
        """Check a method's result against its declared return type(s)."""
        spec = self.method(method)
        if spec is None:
            return [f"unknown method {method!r}"]
        returns = ["Boolean" if t == "True" else t for t in spec.get("returns", [])]
        return self._check(result, returns, f"{spec['name']} result", {})

    def _check(self, value: Any, types: list[str], path: str,
               files: Mapping[str, UploadedFile]) -> list[str]:
        if len(types) == 1:
            return self._check_one(value, types[0], path, files)
        candidates: list[tuple[str, list[str]]] = []
        for type_name in types:
            if not self._kind_matches(value, type_name):
                continue
            errors = self._check_one(value, type_name, path, files)
            if not errors:
                return []
            candidates.append((type_name, errors))
        if not candidates:
            return [f"{path}: expected {' or '.join(types)}, got {_describe(value)}"]
        if len(candidates) == 1 or all(c[1] == candidates[0][1] for c in candidates):
            return candidates[0][1]
        # Several object types: the one whose field names fit best is what was meant.
        fits = sorted((self._misfit(value, type_name), index)
                      for index, (type_name, _) in enumerate(candidates))
        if fits[0][0] < fits[1][0]:
            return candidates[fits[0][1]][1]
        best_type, best_errors = min(candidates, key=lambda item: len(item[1]))
        return [f"{path}: matches none of {' | '.join(types)} (closest: {best_type}: "
                f"{'; '.join(best_errors)})"]

    def _misfit(self, value: Any, type_name: str) -> int:
        """Unknown keys plus missing required fields of ``value`` read as ``type_name``."""
        fields = self.types.get(type_name, {}).get("fields")
        if not isinstance(value, dict) or fields is None:
            return 1_000
        names = {field["name"] for field in fields}
        missing = sum(1 for field in fields if field["required"] and field["name"] not in value)
        return missing + sum(1 for key in value if key not in names)

    def _kind_matches(self, value: Any, type_name: str) -> bool:
        if type_name.startswith(ARRAY_PREFIX):
            return isinstance(value, list)
        if type_name == "Integer":
            return isinstance(value, int) and not isinstance(value, bool)
        if type_name == "Float":
            return isinstance(value, (int, float)) and not isinstance(value, bool)
        if type_name == "Boolean":
            return isinstance(value, bool)
        if type_name == "String":
            return isinstance(value, str)
        if type_name == "InputFile":
            return isinstance(value, (str, UploadedFile))
        return isinstance(value, dict)

    def _check_one(self, value: Any, type_name: str, path: str,
                   files: Mapping[str, UploadedFile]) -> list[str]:
        if type_name.startswith(ARRAY_PREFIX):
            if not isinstance(value, list):
                return [f"{path}: expected {type_name}, got {_describe(value)}"]
            inner = type_name[len(ARRAY_PREFIX):]
            errors: list[str] = []
            for index, item in enumerate(value):
                errors.extend(self._check_one(item, inner, f"{path}[{index}]", files))
            return errors
        if not self._kind_matches(value, type_name):
            return [f"{path}: expected {type_name}, got {_describe(value)}"]
        if type_name in ("String", "InputFile"):
            return self._check_attachment(value, path, files)
        if type_name in PRIMITIVES:
            return []
        spec = self.types.get(type_name)
        if spec is None:
            return [f"{path}: type {type_name} is not in the spec"]
        if "subtypes" in spec:
            return self._check_polymorphic(value, type_name, spec["subtypes"], path, files)
        if "fields" not in spec:  # e.g. CallbackGame: an empty object
            return []
        errors = self._check_fields(value, spec["fields"], path, files, skip_unknown=False)
        errors.extend(self._type_rules(type_name, value, path))
        return errors

    def _check_attachment(self, value: Any, path: str,
                          files: Mapping[str, UploadedFile]) -> list[str]:
        if isinstance(value, str) and value.startswith("attach://"):
            name = value[len("attach://"):]
            if name not in files:
                return [f"{path}: {value!r} refers to no uploaded multipart part"]
        return []

    def _discriminator(self, type_name: str) -> tuple[str, str] | None:
        if type_name not in self._discriminators:
            found = None
            for field in self.types.get(type_name, {}).get("fields", []):
                if (field["name"] in _DISCRIMINATOR_FIELDS and field["types"] == ["String"]
                        and field["required"]):
                    match = _CONST_RE.search(field["description"])
                    if match:
                        found = (field["name"], match.group(1))
                        break
            self._discriminators[type_name] = found
        return self._discriminators[type_name]

    def _check_polymorphic(self, value: dict[str, Any], type_name: str, subtypes: list[str],
                           path: str, files: Mapping[str, UploadedFile]) -> list[str]:
        discriminators = {sub: self._discriminator(sub) for sub in subtypes}
        if all(discriminators.values()):
            for sub, (field, constant) in discriminators.items():  # type: ignore[misc]
                if value.get(field) == constant:
                    return self._check_one(value, sub, path, files)
            field = next(iter(discriminators.values()))[0]  # type: ignore[index]
            allowed = sorted({d[1] for d in discriminators.values() if d})
            return [f"{path}: {type_name}.{field}={value.get(field)!r} is not one of {allowed}"]
        return self._check(value, subtypes, path, files)

    def _check_fields(self, obj: Mapping[str, Any], fields: list[dict[str, Any]], path: str,
                      files: Mapping[str, UploadedFile], *, skip_unknown: bool) -> list[str]:
        errors: list[str] = []
        by_name = {field["name"]: field for field in fields}
        prefix = f"{path}." if path else ""
        if not skip_unknown:
            errors.extend(
                f"{prefix}{key}: unknown field" for key in obj if key not in by_name
            )
        for field in fields:
            name = field["name"]
            value = obj.get(name)
            if value is None:
                if field["required"]:
                    what = "field" if path else "parameter"
                    errors.append(f"{prefix}{name}: missing required {what}")
                continue
            field_path = f"{prefix}{name}"
            field_errors = self._check(value, field["types"], field_path, files)
            errors.extend(field_errors)
            if field_errors:
                continue
            errors.extend(self._field_rules(obj, field, by_name, value, field_path))
        return errors

    def _field_rules(self, obj: Mapping[str, Any], field: dict[str, Any],
                     siblings: Mapping[str, Any], value: Any, path: str) -> list[str]:
        name, description = field["name"], field["description"]
        errors: list[str] = []
        if name in _DISCRIMINATOR_FIELDS and field["types"] == ["String"] and field["required"]:
            match = _CONST_RE.search(description)
            if match and value != match.group(1):
                errors.append(f"{path}: must be {match.group(1)!r}, got {value!r}")
        if (name.endswith("parse_mode") and isinstance(value, str)
                and value.upper() not in PARSE_MODES):
            errors.append(f"{path}: unsupported parse mode {value!r}")
        if not isinstance(value, str):
            return errors
        parse_mode = None
        formatted = bool(_ENTITY_PARSING_RE.search(description)) or name in _FORMATTED_FIELDS
        for key in (f"{name}_parse_mode", "parse_mode"):
            if key in siblings and name != key:
                if key == "parse_mode" and not formatted:
                    break
                candidate = obj.get(key)
                parse_mode = candidate if isinstance(candidate, str) else None
                break
        length: int | None = None
        if parse_mode is not None and parse_mode.upper() == "HTML":
            try:
                length = len(html_visible_text(value))
            except ParseEntitiesError as exc:
                errors.append(f"{path}: can't parse entities (HTML): {exc}")
        limit = _LIMIT_RE.search(description)
        if limit:
            low, high, unit = int(limit.group(1)), int(limit.group(2)), limit.group(3).lower()
            if unit == "bytes":
                size = len(value.encode("utf-8"))
            else:
                size = length if length is not None and formatted else len(value)
            if not low <= size <= high:
                errors.append(f"{path}: {size} {unit}, allowed {low}-{high} {unit}")
        return errors

    def _type_rules(self, type_name: str, value: Mapping[str, Any], path: str) -> list[str]:
        errors: list[str] = []
        if type_name == "InlineKeyboardButton":
            kinds = [key for key in value if key not in _BUTTON_NEUTRAL_FIELDS
                     and value[key] is not None]
            if len(kinds) != 1:
                errors.append(
                    f"{path}: exactly one of url, callback_data, web_app, ... must be set "
                    f"(got {kinds or 'none'})"
                )
            style = value.get("style")
            if style is not None and style not in BUTTON_STYLES:
                errors.append(f"{path}.style: {style!r} is not one of {sorted(BUTTON_STYLES)}")
        elif type_name == "BotCommand":
            command = value.get("command")
            if isinstance(command, str) and not _COMMAND_RE.fullmatch(command):
                errors.append(
                    f"{path}.command: {command!r} must be 1-32 lowercase letters, digits, _"
                )
        return errors


def _describe(value: Any) -> str:
    if isinstance(value, UploadedFile):
        return f"uploaded file {value.filename!r}"
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} {text}"


@functools.cache
def load_spec(path: str = str(SPEC_PATH)) -> BotApiSpec:
    """The spec, loaded once per path."""
    return BotApiSpec.load(path)
