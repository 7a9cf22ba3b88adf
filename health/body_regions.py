"""The body map: named regions of the body, front and back, with the shapes we draw them as.

Ashiatsu works region by region with the feet, so the clinic talks about the body in named
regions: a client marks the ones to avoid or to focus on in the intake, the therapist charts
what was done on each. This catalogue is the one list of those names. The intake
(`health.screening`), the booking pages, the JSON API and the chart (`charts`) all take their
regions from here, so an unknown region is refused in one place.

It lives in `bookings`, beside the questionnaire that asks for regions, because the intake
must validate them and `bookings` may not import the higher `charts` app; `charts` builds on it.

Left and right are the *client's*. On the back view the client's left is on the viewer's
left; on the front view it is on the viewer's right (as when facing someone).

Pure data: no ORM. The names are marked for translation (lazily: a client reads them in
their own language, staff in English), nothing else of Django is used.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

BACK = "back"
FRONT = "front"
VIEWS = ((BACK, pgettext_lazy("body map view", "Back")), (FRONT, _("Front")))

# Each figure is drawn in a 160 x 400 box; the SVG puts the back at x=0 and the front beside it.
FIGURE_WIDTH = 160
FIGURE_HEIGHT = 400
FIGURE_GAP = 30


@dataclass(frozen=True)
class Region:
    slug: str
    label: str  # lazily translated
    view: str
    # A rounded rectangle in the figure's own 160 x 400 box.
    x: int
    y: int
    width: int
    height: int

    @property
    def offset_x(self) -> int:
        """Where the region sits in the two-figure SVG (front figure to the right)."""
        return self.x + (FIGURE_WIDTH + FIGURE_GAP if self.view == FRONT else 0)


def _pair(slug: str, label: str, view: str, x_left: int, x_right: int, y, w, h):
    """A left and a right region. `x_left` is where the *client's* left one is drawn."""
    return (
        Region(f"{slug}_left", format_lazy(_("{part}, left"), part=label), view, x_left, y, w, h),
        Region(
            f"{slug}_right", format_lazy(_("{part}, right"), part=label), view, x_right, y, w, h
        ),
    )


REGIONS: tuple[Region, ...] = (
    # Back view: client's left on the viewer's left.
    Region("neck", _("Neck"), BACK, 70, 46, 20, 16),
    *_pair("shoulder", _("Shoulder"), BACK, 40, 82, 64, 38, 18),
    *_pair("upper_back", _("Upper back"), BACK, 44, 82, 84, 34, 38),
    *_pair("mid_back", _("Mid back"), BACK, 46, 82, 124, 32, 36),
    *_pair("lower_back", _("Lower back"), BACK, 48, 82, 162, 30, 34),
    *_pair("glute", _("Glute"), BACK, 46, 82, 198, 32, 40),
    *_pair("hamstring", _("Hamstring"), BACK, 48, 83, 240, 29, 66),
    *_pair("calf", _("Calf"), BACK, 51, 85, 310, 24, 58),
    *_pair("foot_sole", _("Sole of the foot"), BACK, 52, 86, 372, 22, 16),
    *_pair("arm_back", _("Back of the arm"), BACK, 22, 122, 66, 16, 112),
    # Front view: client's left on the viewer's right.
    *_pair("chest", _("Chest"), FRONT, 82, 42, 64, 36, 56),
    Region("abdomen", _("Abdomen"), FRONT, 48, 122, 64, 74),
    *_pair("hip_front", _("Front of the hip"), FRONT, 82, 46, 198, 32, 24),
    *_pair("quadriceps", _("Front of the thigh"), FRONT, 83, 48, 224, 29, 76),
    *_pair("knee", _("Knee"), FRONT, 84, 50, 302, 26, 20),
    *_pair("shin", _("Shin"), FRONT, 85, 51, 324, 24, 48),
    *_pair("arm_front", _("Front of the arm"), FRONT, 122, 22, 66, 16, 112),
)
REGIONS_BY_SLUG: dict[str, Region] = {r.slug: r for r in REGIONS}
CHOICES: tuple[tuple[str, str], ...] = tuple((r.slug, r.label) for r in REGIONS)
ORDER = {r.slug: index for index, r in enumerate(REGIONS)}


def is_region(slug: object) -> bool:
    return isinstance(slug, str) and slug in REGIONS_BY_SLUG


def in_order(slugs: Iterable[str]) -> list[str]:
    """Known slugs, each once, in catalogue order (head to foot, back then front)."""
    return sorted({s for s in slugs if is_region(s)}, key=ORDER.__getitem__)


def labels(slugs: Iterable[str]) -> list[str]:
    """Plain names for known regions (unknown ones, e.g. from an older catalogue, skipped)."""
    return [str(REGIONS_BY_SLUG[s].label) for s in in_order(slugs)]


@dataclass(frozen=True)
class MapRegion:
    """A region as drawn on one map, with what that map says about it."""

    region: Region
    avoid: bool = False
    focus: bool = False
    worked: bool = False

    @property
    def css_class(self) -> str:
        states = [name for name, on in (("avoid", self.avoid), ("focus", self.focus)) if on] + (
            ["worked"] if self.worked else []
        )
        return " ".join(["region", *(f"is-{s}" for s in states)])

    @property
    def fill(self) -> str:
        """A fill that reads without the stylesheet too (CSS overrides it)."""
        if self.avoid:
            return "#b91c1c"
        if self.focus:
            return "#1d4ed8"
        if self.worked:
            return "#15803d"
        return "#f1f5f4"

    @property
    def title(self) -> str:
        notes = [
            text
            for text, on in (
                (_("avoid"), self.avoid),
                (_("focus"), self.focus),
                (_("worked"), self.worked),
            )
            if on
        ]
        label = str(self.region.label)
        return f"{label} ({', '.join(str(n) for n in notes)})" if notes else label


def map_regions(
    *, avoid: Iterable[str] = (), focus: Iterable[str] = (), worked: Iterable[str] = ()
) -> list[MapRegion]:
    """Every region with its state on a map (the intake's choices, the chart's work)."""
    avoid, focus, worked = set(avoid), set(focus), set(worked)
    return [
        MapRegion(r, avoid=r.slug in avoid, focus=r.slug in focus, worked=r.slug in worked)
        for r in REGIONS
    ]
