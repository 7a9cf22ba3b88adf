"""Erasing a client erases them from what an import kept: the refused rows of a run hold
the cells of the file (names, addresses), so the rows naming an erased address go."""

from imports.models import ImportRun


def on_client_erased(*, addresses, **_kwargs) -> None:
    wanted = {a.strip().casefold() for a in addresses}
    for run in ImportRun.objects.exclude(refused=[]):
        kept = [
            row
            for row in run.refused
            if not wanted & {str(c).strip().casefold() for c in row.get("cells", [])}
        ]
        if len(kept) != len(run.refused):
            run.refused = kept
            run.save(update_fields=["refused"])
