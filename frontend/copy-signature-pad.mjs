// Copies signature_pad's distributed file (no bundling needed) into
// static/vendor/signature_pad/, with its licence (`npm ci && npm run build`); the copied files
// are committed, so the app never fetches a script from a CDN and needs no Node to run.
import { copyFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const PACKAGES = {
  signature_pad: ["dist/signature_pad.umd.min.js", "dist/signature_pad.umd.min.js.map", "LICENSE"],
};

for (const [name, files] of Object.entries(PACKAGES)) {
  const target = join("static", "vendor", name);
  mkdirSync(target, { recursive: true });
  for (const file of files) {
    copyFileSync(join("node_modules", name, file), join(target, file.split("/").pop()));
  }
  console.log(`${name}: ${files.length} files -> ${target}`);
}
