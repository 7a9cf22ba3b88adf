// The calendar component and the plugins the desk's calendar uses, bundled with their
// Svelte runtime into one classic script that sets window.EventCalendar.
export {
  createCalendar,
  destroyCalendar,
  Interaction,
  List,
  ResourceTimeGrid,
  TimeGrid,
} from "@event-calendar/core";
