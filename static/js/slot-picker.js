// Progressive enhancement of the slot picker: changing the day loads free times from
// /api/availability without a page reload. Without JavaScript the same form submits and
// the server renders the times, so this file is a convenience, never a requirement.
(function () {
  "use strict";
  const form = document.getElementById("date-form");
  const list = document.getElementById("slot-list");
  if (!form || !list || !window.fetch) return;

  // Same wording as the server ("Friday 4 December"); the dates below are UTC noon of each
  // clinic day, so format them in UTC to never slip to a neighbouring day.
  const dayFormat = new Intl.DateTimeFormat("en-GB", { weekday: "long", day: "numeric", month: "long", timeZone: "UTC" });
  let pending = null;

  // Render in the clinic's zone, which the API names; the ISO strings carry its offset.
  function localParts(iso, zone) {
    const date = new Date(iso);
    const opts = { timeZone: zone };
    return {
      day: new Intl.DateTimeFormat("en-CA", { ...opts, year: "numeric", month: "2-digit", day: "2-digit" }).format(date),
      time: new Intl.DateTimeFormat("en-GB", { ...opts, hour: "2-digit", minute: "2-digit" }).format(date),
    };
  }

  function render(data, firstDay, days) {
    const byDay = new Map();
    for (let i = 0; i < days; i++) {
      const d = new Date(firstDay + "T12:00:00Z");
      d.setUTCDate(d.getUTCDate() + i);
      byDay.set(d.toISOString().slice(0, 10), { label: dayFormat.format(d), slots: [] });
    }
    for (const slot of data.slots) {
      const parts = localParts(slot.start, data.timezone);
      const entry = byDay.get(parts.day);
      if (entry) entry.slots.push({ ...parts, iso: slot.start, therapist: slot.therapist_name || "" });
    }
    const slotForm = document.createElement("form");
    slotForm.method = "get";
    slotForm.action = form.dataset.nextUrl;
    for (const [day, entry] of byDay) {
      const section = document.createElement("section");
      section.className = "mb-3";
      const heading = document.createElement("h2");
      heading.className = "h6 mb-2";
      heading.id = "day-" + day.replaceAll("-", "");
      heading.textContent = entry.label;
      section.setAttribute("aria-labelledby", heading.id);
      section.appendChild(heading);
      if (entry.slots.length === 0) {
        const empty = document.createElement("p");
        empty.className = "text-secondary small mb-0";
        empty.textContent = "No free times this day.";
        section.appendChild(empty);
      } else {
        const row = document.createElement("div");
        row.className = "d-flex flex-wrap gap-2";
        for (const slot of entry.slots) {
          const button = document.createElement("button");
          button.type = "submit";
          button.name = "start";
          button.value = slot.iso;
          button.className = "btn btn-outline-secondary slot";
          button.textContent = slot.time;
          button.setAttribute("aria-label", entry.label + ", " + slot.time + (slot.therapist ? " with " + slot.therapist : ""));
          row.appendChild(button);
        }
        section.appendChild(row);
      }
      slotForm.appendChild(section);
    }
    list.replaceChildren(slotForm);
  }

  async function load(event) {
    const firstDay = form.elements.date.value;
    if (!firstDay) return;
    if (event) event.preventDefault();
    const days = Number(form.dataset.days || 7);
    const params = new URLSearchParams({
      service: form.dataset.service, therapist: form.dataset.therapist, date: firstDay, days: String(days),
    });
    list.setAttribute("aria-busy", "true");
    if (pending) pending.abort(); // a late answer must not overwrite a newer one
    pending = new AbortController();
    try {
      const response = await fetch(form.dataset.availabilityUrl + "?" + params, {
        headers: { Accept: "application/json" }, signal: pending.signal,
      });
      if (!response.ok) throw new Error("availability " + response.status);
      render(await response.json(), firstDay, days);
      history.replaceState(null, "", "?date=" + firstDay);
    } catch (error) {
      if (error.name !== "AbortError") form.submit(); // fall back to the server-rendered page
    } finally {
      list.removeAttribute("aria-busy");
    }
  }

  // Only on "Show times": a date field fires "change" on every keystroke that forms a date.
  form.addEventListener("submit", load);
})();
