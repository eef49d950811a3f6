// Builds the rich editor into one minified IIFE script and one stylesheet:
//   node build.mjs [output folder]   (default: ../src/masthead/static/masthead)
// The same sources and lockfile give byte-identical files (make editor-check compares them).
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.resolve(process.argv[2] || path.join(here, "../src/masthead/static/masthead"));
const common = { bundle: true, minify: true, legalComments: "none", logLevel: "warning", absWorkingDir: here };

await build({
  ...common,
  entryPoints: ["src/main.js"],
  outfile: path.join(out, "editor-rich.js"),
  format: "iife",
  target: ["es2020"],
  banner: { js: "/* Masthead rich editor, built by `make editor` from editor/ (TipTap, ProseMirror, markdown-it: MIT). */" },
});
await build({
  ...common,
  entryPoints: ["src/editor.css"],
  outfile: path.join(out, "editor-rich.css"),
  banner: { css: "/* Masthead rich editor styles, built by `make editor` from editor/src/editor.css. */" },
});
