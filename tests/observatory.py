"""
The Mozilla HTTP Observatory's scoring, for the headers a Django app controls.

Each rule below is one of the Observatory's published tests with its score
modifier; a response starts at 100 and its grade comes from the total (A+ is
100 or more). Bonuses count only when the score before them is 90 or more, as
in the Observatory. Redirection and HSTS preloading depend on the deployment
(the front proxy, the preload list) rather than on the app and are left out.
"""

import re

GRADES = [(100, "A+"), (90, "A"), (85, "A-"), (80, "B+"), (70, "B"), (65, "B-"), (60, "C+"), (50, "C"), (45, "C-")]


def directives(policy):
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0].lower()] = [word.lower() for word in words[1:]]
    return parsed


def content_security_policy(response):
    policy = response.headers.get("Content-Security-Policy")
    if not policy:
        return "csp-not-implemented", -25
    csp = directives(policy)
    scripts = csp.get("script-src", csp.get("default-src", []))
    styles = csp.get("style-src", csp.get("default-src", []))
    if "'unsafe-inline'" in scripts and not any(word.startswith("'nonce-") for word in scripts):
        return "csp-implemented-with-unsafe-inline", -20
    if "'unsafe-eval'" in scripts:
        return "csp-implemented-with-unsafe-eval", -10
    if any(word in ("*", "http:", "https:", "data:") for word in scripts):
        return "csp-implemented-with-insecure-scheme", -20
    if "'unsafe-inline'" in styles:
        return "csp-implemented-with-unsafe-inline-in-style-src-only", 0
    if csp.get("default-src") == ["'none'"]:
        return "csp-implemented-with-no-unsafe-default-src-none", 10
    return "csp-implemented-with-no-unsafe", 0


def cookies(response):
    if not response.cookies:
        return "cookies-not-found", 0
    if any(not morsel["secure"] for morsel in response.cookies.values()):
        return "cookies-without-secure-flag", -20
    sessions = [m for name, m in response.cookies.items() if name in ("sessionid", "csrftoken")]
    if any(not morsel["httponly"] for morsel in sessions if morsel.key == "sessionid"):
        return "cookies-session-without-httponly-flag", -30
    if all(morsel["samesite"] for morsel in response.cookies.values()):
        return "cookies-secure-with-httponly-sessions-and-samesite", 5
    return "cookies-secure-with-httponly-sessions", 0


def cross_origin_resource_sharing(response):
    if response.headers.get("Access-Control-Allow-Origin", "").strip() == "*":
        return "cross-origin-resource-sharing-implemented-with-universal-access", -50
    return "cross-origin-resource-sharing-not-implemented", 0


PRIVATE_REFERRER_POLICIES = {"no-referrer", "same-origin", "strict-origin", "strict-origin-when-cross-origin"}


def referrer_policy(response):
    # Browsers apply the last policy they understand in a comma-separated list.
    policies = [p.strip().lower() for p in response.headers.get("Referrer-Policy", "").split(",") if p.strip()]
    if not policies:
        return "referrer-policy-not-implemented", 0
    if policies[-1] in PRIVATE_REFERRER_POLICIES:
        return "referrer-policy-private", 5
    return "referrer-policy-unsafe", -5


def strict_transport_security(response):
    header = response.headers.get("Strict-Transport-Security")
    if not header:
        return "hsts-not-implemented", -20
    match = re.search(r"max-age=(\d+)", header)
    if not match or int(match.group(1)) < 15_768_000:
        return "hsts-implemented-max-age-less-than-six-months", -10
    return "hsts-implemented-max-age-at-least-six-months", 0


def subresource_integrity(response):
    scripts = re.findall(r"<script[^>]*\ssrc=\"([^\"]+)\"", response.content.decode(errors="replace"))
    external = [src for src in scripts if src.startswith(("http://", "https://", "//"))]
    if not scripts:
        return "sri-not-implemented-but-no-scripts-loaded", 0
    if not external:
        return "sri-not-implemented-but-all-scripts-loaded-from-secure-origin", 0
    return "sri-not-implemented-and-external-scripts-loaded-securely", -5


def x_content_type_options(response):
    if response.headers.get("X-Content-Type-Options", "").lower() == "nosniff":
        return "x-content-type-options-nosniff", 0
    return "x-content-type-options-not-implemented", -5


def x_frame_options(response):
    csp = directives(response.headers.get("Content-Security-Policy", ""))
    if csp.get("frame-ancestors") in (["'none'"], ["'self'"]):
        return "x-frame-options-implemented-via-csp", 5
    if response.headers.get("X-Frame-Options", "").upper() in ("DENY", "SAMEORIGIN"):
        return "x-frame-options-sameorigin-or-deny", 0
    return "x-frame-options-not-implemented", -20


RULES = [
    content_security_policy,
    cookies,
    cross_origin_resource_sharing,
    referrer_policy,
    strict_transport_security,
    subresource_integrity,
    x_content_type_options,
    x_frame_options,
]


def score(response):
    """(score, grade, results) for a Django test response."""
    results = [rule(response) for rule in RULES]
    penalties = sum(modifier for _, modifier in results if modifier < 0)
    bonuses = sum(modifier for _, modifier in results if modifier > 0)
    total = 100 + penalties
    if total >= 90:
        total += bonuses
    grade = next((grade for floor, grade in GRADES if total >= floor), "F")
    return total, grade, results
