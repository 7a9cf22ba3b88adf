"""What a client should wear and bring, per style (SPEC "The domain"): the confirmation page
and e-mail say it so nobody arrives in jeans for a floor session or unsure about undressing.

Keyed by style slug; a style without an entry gets the general advice only. Lazily
translated: the page or e-mail shows them in the client's language.
"""

from django.utils.translation import gettext_lazy as _

GENERAL = (
    _("Arrive 10 minutes early, eat lightly beforehand and drink water afterwards."),
    _("Tell your therapist at once if anything hurts."),
)

BY_STYLE: dict[str, tuple[str, ...]] = {
    "floor": (
        _("Wear loose, comfortable clothing you can stretch in (no jeans or belts)."),
        _("You stay dressed and lie on a floor mat; bring socks if your feet get cold."),
    ),
    "bar": (
        _(
            "You undress to your comfort level and lie on a table under a sheet; only the area "
            "being worked on is uncovered."
        ),
        _("Skip body lotion on the day: the therapist's feet glide better on clean skin."),
    ),
}


def what_to_bring(style_slug: str) -> tuple[str, ...]:
    """The advice for one style, style-specific lines first."""
    return BY_STYLE.get(style_slug, ()) + GENERAL
