// Build static/vendor/event-calendar/ from the pinned npm package: one IIFE bundle
// (the component with its Svelte runtime), its stylesheet and the licences.
// Run from the repository root: npm ci && npm run build
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

const out = "static/vendor/event-calendar";
const core = "node_modules/@event-calendar/core";
const version = JSON.parse(readFileSync(`${core}/package.json`, "utf8")).version;
const svelte = JSON.parse(readFileSync("node_modules/svelte/package.json", "utf8")).version;
mkdirSync(out, { recursive: true });

await build({
  entryPoints: ["frontend/event-calendar-entry.js"],
  bundle: true,
  minify: true,
  format: "iife",
  globalName: "EventCalendar",
  target: ["es2020"],
  legalComments: "inline",
  outfile: `${out}/event-calendar.min.js`,
  define: { "process.env.NODE_ENV": '"production"' },
  platform: "browser",
  conditions: ["production"],
});
copyFileSync(`${core}/dist/index.css`, `${out}/event-calendar.min.css`);

// The npm package ships no LICENSE file; frontend/event-calendar.LICENSE is the project's own
// (MIT, from its repository). Svelte's runtime is bundled in, so its licence goes along.
writeFileSync(
  `${out}/LICENSE`,
  `@event-calendar/core ${version} (https://github.com/vkurko/calendar)\n\n` +
    readFileSync("frontend/event-calendar.LICENSE", "utf8") +
    "\n----------------------------------------------------------------\n" +
    `svelte ${svelte} (bundled runtime, https://github.com/sveltejs/svelte)\n\n` +
    readFileSync("node_modules/svelte/LICENSE.md", "utf8"),
);
console.log(`built ${out} from @event-calendar/core ${version}, svelte ${svelte}`);
