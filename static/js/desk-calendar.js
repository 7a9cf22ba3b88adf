/* The desk's calendar: @event-calendar/core (static/vendor/event-calendar/) over the JSON
   endpoints of desk_calendar. Configuration comes from the page's JSON data block (no inline
   script). A dragged session is posted to the move endpoint, which asks the booking service;
   a refusal snaps the session back and shows the service's reason. A click on an empty time
   asks which services the booking service would accept there and opens the booking dialog. */
(function () {
  "use strict";

  var root = document.getElementById("desk-calendar");
  var configNode = document.getElementById("desk-calendar-config");
  if (!root || !configNode || !window.EventCalendar) {
    return;
  }
  var config = JSON.parse(configNode.textContent);
  var csrf = root.getAttribute("data-csrf");
  var message = document.getElementById("desk-calendar-message");
  var by = "therapists";
  var SHORT_FLAGS = { "Light pressure": "LP", "Needs clearance": "NC", "Unconfirmed": "UC" };

  function pad(number) {
    return (number < 10 ? "0" : "") + number;
  }

  // Clinic wall-clock time, as the server reads it: the calendar shows floating times.
  function wall(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate()) +
      "T" + pad(date.getHours()) + ":" + pad(date.getMinutes());
  }

  function day(date) {
    return wall(date).slice(0, 10);
  }

  function say(text, ok) {
    message.textContent = text;
    message.className = "desk-calendar-message " + (ok ? "is-ok" : "is-error");
  }

  function send(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () {
        return { error: "The clinic's server did not answer (" + response.status + ")." };
      }).then(function (data) {
        return { ok: response.ok, data: data };
      });
    });
  }

  function get(url, params) {
    var query = new URLSearchParams(params).toString();
    return fetch(url + "?" + query, { credentials: "same-origin" }).then(function (response) {
      return response.json().then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || "The calendar could not be loaded.");
        }
        return data;
      });
    });
  }

  function text(tag, className, content) {
    var node = document.createElement(tag);
    node.className = className;
    node.textContent = content;
    return node;
  }

  function sessionContent(info) {
    var props = info.event.extendedProps;
    if (props.kind !== "session") {
      return undefined;
    }
    var box = document.createElement("div");
    var week = info.view.type === "resourceTimeGridWeek";
    box.className = week ? "session-box is-compact" : "session-box";
    if (!week) {
      box.appendChild(text("span", "session-line", info.timeText));
    }
    box.appendChild(text("span", "session-line session-name", props.client));
    if (!week) {
      box.appendChild(text("span", "session-line", props.service));
      box.appendChild(text("span", "session-line", props.status + " · " +
        (by === "rooms" ? props.therapist : props.room)));
    }
    props.flags.forEach(function (flag) {
      // The week's narrow columns show the legend's short forms; the label has them in full.
      box.appendChild(text("span", "session-flag", week ? (SHORT_FLAGS[flag] || flag) : flag));
    });
    return { domNodes: [box] };
  }

  function describe(info) {
    var props = info.event.extendedProps;
    if (props.kind !== "session") {
      return;
    }
    var label = info.timeText + ", " + props.client + ", " + props.service + " with " +
      props.therapist + " in " + props.room + ", " + props.status +
      (props.flags.length ? ", " + props.flags.join(", ") : "");
    info.el.setAttribute("aria-label", label);
    info.el.setAttribute("title", label);
    info.el.setAttribute("data-session", info.event.id);
  }

  function moved(info) {
    // A new column names the therapist or room; by room, a move in time keeps its room
    // (by therapist, the therapist is kept and the service picks a free room).
    var resource = info.newResource ? info.newResource.id :
      (by === "rooms" ? info.event.resourceIds[0] : "");
    say("Moving " + info.event.extendedProps.client + "…", true);
    send(config.move, {
      session: info.event.id,
      start: wall(info.event.start),
      resource: resource
    }).then(function (answer) {
      if (answer.ok) {
        say(answer.data.message, true);
        calendar.refetchEvents();
      } else {
        info.revert();
        say("Not moved: " + answer.data.error, false);
      }
    }).catch(function () {
      info.revert();
      say("Not moved: the clinic's server could not be reached.", false);
    });
  }

  // --- Booking an empty slot -------------------------------------------------------------
  var dialog = document.getElementById("desk-book");
  var form = document.getElementById("desk-book-form");
  var serviceSelect = document.getElementById("desk-book-service");
  var clientSelect = document.getElementById("desk-book-client");
  var search = document.getElementById("desk-book-search");
  var unchanged = document.getElementById("desk-book-unchanged");
  var error = form.querySelector(".desk-book-error");
  var fullForm = form.querySelector("[data-full-form]");
  var slot = null;

  function options(select, items, empty) {
    select.textContent = "";
    if (!items.length) {
      var none = document.createElement("option");
      none.value = "";
      none.textContent = empty;
      select.appendChild(none);
    }
    items.forEach(function (item) {
      var option = document.createElement("option");
      option.value = item.id;
      option.textContent = item.name || item.label;
      select.appendChild(option);
    });
  }

  function showError(text) {
    error.textContent = text;
    error.hidden = !text;
  }

  function clicked(info) {
    if (!info.resource || by !== "therapists") {
      say("Switch to the therapists' columns to book a time.", false);
      return;
    }
    var start = wall(info.date);
    get(config.options, { resource: info.resource.id, start: start }).then(function (data) {
      if (!data.services.length) {
        say("Nothing can be booked with " + data.therapist + " at " + start.slice(11) +
          " on " + start.slice(0, 10) + ".", false);
        return;
      }
      slot = { resource: info.resource.id, start: start };
      dialog.querySelector("[data-slot-label]").textContent =
        data.therapist + ", " + start.slice(0, 10) + " " + start.slice(11);
      fullForm.href = config.bookForm + "?" + new URLSearchParams({
        therapist: info.resource.id.slice(1), date: start.slice(0, 10), time: start.slice(11)
      }).toString();
      options(serviceSelect, data.services, "Nothing can be booked here");
      options(clientSelect, [], "Search for the client first");
      search.value = "";
      unchanged.checked = false;
      showError("");
      dialog.showModal();
      search.focus();
    }).catch(function (problem) {
      say(problem.message, false);
    });
  }

  var searching = null;
  search.addEventListener("input", function () {
    clearTimeout(searching);
    searching = setTimeout(function () {
      if (search.value.trim().length < 2) {
        return;
      }
      get(config.clients, { q: search.value }).then(function (data) {
        options(clientSelect, data.clients, "No client with current answers matches");
      });
    }, 250);
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!clientSelect.value || !serviceSelect.value) {
      showError("Choose the service and the client.");
      return;
    }
    if (!unchanged.checked) {
      showError("Ask the client whether their health has changed since they last answered.");
      return;
    }
    send(config.book, {
      client: clientSelect.value,
      service: serviceSelect.value,
      resource: slot.resource,
      start: slot.start,
      unchanged: true
    }).then(function (answer) {
      if (answer.ok) {
        dialog.close();
        say(answer.data.message, true);
        calendar.refetchEvents();
      } else {
        showError(answer.data.error);
      }
    });
  });
  form.querySelector("[data-close]").addEventListener("click", function () {
    dialog.close();
  });

  // --- The calendar ------------------------------------------------------------------------
  var calendar = window.EventCalendar.createCalendar(
    root,
    [window.EventCalendar.ResourceTimeGrid, window.EventCalendar.Interaction],
    {
      view: "resourceTimeGridDay",
      date: config.date,
      headerToolbar: {
        start: "prev,next today",
        center: "title",
        end: "resourceTimeGridDay,resourceTimeGridWeek"
      },
      buttonText: function (defaults) {
        return Object.assign({}, defaults, {
          today: "Today",
          resourceTimeGridDay: "Day",
          resourceTimeGridWeek: "Week"
        });
      },
      resources: config.therapists,
      datesAboveResources: true,
      allDaySlot: false,
      slotDuration: "00:15",
      slotMinTime: config.slotMinTime,
      slotMaxTime: config.slotMaxTime,
      scrollTime: config.slotMinTime,
      slotHeight: 22,
      height: "auto",
      firstDay: 1,
      nowIndicator: true,
      editable: true,
      eventDurationEditable: false,
      eventStartEditable: true,
      selectable: false,
      eventSources: [{
        events: function (fetchInfo, success, failure) {
          get(config.events, {
            start: day(fetchInfo.start),
            end: day(fetchInfo.end),
            by: by
          }).then(success).catch(function (problem) {
            say(problem.message, false);
            failure(problem);
          });
        }
      }],
      eventContent: sessionContent,
      eventDidMount: describe,
      eventDrop: moved,
      dateClick: clicked,
      eventClick: function (info) {
        if (info.event.extendedProps.kind === "session") {
          window.location.href = config.appointment.replace("/0/", "/" + info.event.id + "/");
        }
      }
    }
  );

  // The component marks its grid up as an ARIA table whose rows and cells do not nest as
  // a table's must (axe: aria-required-children/-parent), which misleads screen readers.
  // Its table roles are taken off as it renders; the region is labelled, each session
  // carries a full label, and the list view is the screen reader's way through the day.
  var TABLE_ROLES = ["table", "row", "rowgroup", "columnheader", "rowheader", "cell", "gridcell"];
  var TABLE_ATTRIBUTES = [
    "aria-colindex", "aria-rowindex", "aria-colcount", "aria-rowcount", "aria-colspan",
    "aria-rowspan"
  ];
  function untable() {
    root.querySelectorAll("[role]").forEach(function (node) {
      if (TABLE_ROLES.indexOf(node.getAttribute("role")) !== -1) {
        node.removeAttribute("role");
      }
    });
    TABLE_ATTRIBUTES.forEach(function (name) {
      root.querySelectorAll("[" + name + "]").forEach(function (node) {
        node.removeAttribute(name);
      });
    });
  }
  untable();
  new MutationObserver(untable).observe(root, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ["role"].concat(TABLE_ATTRIBUTES)
  });

  document.querySelectorAll("[data-by]").forEach(function (button) {
    button.addEventListener("click", function () {
      by = button.getAttribute("data-by");
      document.querySelectorAll("[data-by]").forEach(function (other) {
        other.setAttribute("aria-pressed", other === button ? "true" : "false");
      });
      calendar.setOption("resources", by === "rooms" ? config.rooms : config.therapists);
      calendar.refetchEvents();
    });
  });
})();
