"""The course connected to the school's LMS (``cryocourse lms setup`` and ``lms key``):
the platform's registration saved, the tool's key made, rotated and published, and the
tool's addresses as they are typed into the LMS."""

from __future__ import annotations

import json
from pathlib import Path

from course.storage import lms_settings


def setup(root: Path, values: dict[str, str], *, canvas: bool = False,
          page_size: int = 100) -> list[str]:
    """Save the platform's registration (``values``: the settings' required fields,
    ``hub_url`` and ``audience``) and make the tool's key if it has none yet."""
    settings = lms_settings.PlatformSettings(**values, canvas_extensions=canvas,
                                             page_size=page_size)
    where = lms_settings.save_platform(root, settings)
    if not (lms_settings.lms_folder(root) / lms_settings.KEY_FILE).exists():
        lms_settings.new_tool_key(root)
    return [f"The LMS registration is in {where} (the course account's only).",
            tool_urls(settings.hub_url)]


def setting_names() -> tuple[str, ...]:
    """The settings ``setup`` takes in ``values``."""
    return (*lms_settings.PlatformSettings.REQUIRED, "hub_url", "audience")


def key(root: Path, *, new: bool = False, drop_previous: bool = False) -> list[str]:
    """The tool's public key as the LMS wants it (``new``: rotate first; ``drop_previous``:
    stop publishing the key before the last rotation, and only that)."""
    if drop_previous:
        dropped = lms_settings.drop_previous_key(root)
        return ["The previous key is no longer published." if dropped
                else "There is no previous key."]
    lines = []
    if new:
        made = lms_settings.new_tool_key(root)
        lines.append(f"New tool key {made.kid}. The previous one stays published (and valid "
                     "for the LMS) until `cryocourse lms key --drop-previous`.")
    current = lms_settings.tool_key(root)
    lines.append(f"Key id: {current.kid}\nPublic key (PEM: Moodle's 'Public key'):\n"
                 f"{lms_settings.public_key_pem(root)}")
    lines.append("Public key set (JWKS: Canvas's 'Public JWK'): "
                 + json.dumps(lms_settings.public_key_set(root)["keys"][0]))
    return lines


def tool_urls(hub_url: str) -> str:
    """The tool's addresses, as they are typed into the LMS (docs/instructor-guide.md)."""
    hub = (hub_url or "https://YOUR-CLASS-SERVER").rstrip("/")
    return "\n".join([
        "Type these into the LMS's tool registration:",
        f"  Tool URL / target link URI:      {hub}/hub/cryocourse/launch",
        f"  Initiate login URL:              {hub}/hub/lti13/oauth_login",
        f"  Redirection URI:                 {hub}/hub/lti13/oauth_callback",
        f"  Deep linking URL (content item): {hub}/hub/cryocourse/deep-link",
        f"  Public keyset URL (JWKS):        {hub}/hub/cryocourse/jwks",
        "  Services: Names and Role Provisioning; Assignment and Grade (line items, scores).",
    ])
