"""Template tags that draw the body map (`health.body_regions`) as inline SVG.

One drawing for the intake (where a client marks areas) and the chart (where the therapist
sees them): `{% body_map avoid=... focus=... worked=... map_id="..." label="..." %}`.
"""

from django import template

from health import body_regions

register = template.Library()


@register.inclusion_tag("bookings/_body_map_svg.html")
def body_map(*, map_id: str, label: str, avoid=(), focus=(), worked=()):
    return {
        "map_id": map_id,
        "label": label,
        "regions": body_regions.map_regions(
            avoid=avoid or (), focus=focus or (), worked=worked or ()
        ),
        "width": 2 * body_regions.FIGURE_WIDTH + body_regions.FIGURE_GAP,
        "front_x": body_regions.FIGURE_WIDTH + body_regions.FIGURE_GAP,
    }


@register.simple_tag
def body_map_choices(field):
    """The field's checkboxes grouped by view (back, then front), for the no-JS list."""
    widgets = {w.data["value"]: w for w in field}
    return [
        (
            view_label,
            [widgets[r.slug] for r in body_regions.REGIONS if r.view == view and r.slug in widgets],
        )
        for view, view_label in body_regions.VIEWS
    ]


@register.filter
def region_values(value) -> list[str]:
    """A bound field's value as a list of region slugs (None before the form is answered)."""
    if not value:
        return []
    return [v for v in value if body_regions.is_region(v)]
