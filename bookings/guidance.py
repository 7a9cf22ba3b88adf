"""What a client should wear and bring, per style (SPEC "The domain"): the confirmation page
and e-mail say it so nobody arrives in jeans for a floor session or unsure about undressing.

Keyed by style slug; a style without an entry gets the general advice only.
"""

GENERAL = (
    "Arrive 10 minutes early, eat lightly beforehand and drink water afterwards.",
    "Tell your therapist at once if anything hurts.",
)

BY_STYLE: dict[str, tuple[str, ...]] = {
    "floor": (
        "Wear loose, comfortable clothing you can stretch in (no jeans or belts).",
        "You stay dressed and lie on a floor mat; bring socks if your feet get cold.",
    ),
    "bar": (
        "You undress to your comfort level and lie on a table under a sheet; only the area "
        "being worked on is uncovered.",
        "Skip body lotion on the day: the therapist's feet glide better on clean skin.",
    ),
}


def what_to_bring(style_slug: str) -> tuple[str, ...]:
    """The advice for one style, style-specific lines first."""
    return BY_STYLE.get(style_slug, ()) + GENERAL
