// The stored Markdown <-> the editor's document (docs/editor.md describes the format). Parsing
// follows the server's renderer; serializing writes Markdown that renders to the same HTML.
import MarkdownIt from "markdown-it";
import footnote from "markdown-it-footnote";
import { MarkdownParser, MarkdownSerializer, MarkdownSerializerState, defaultMarkdownSerializer } from "prosemirror-markdown";
import { altText, editorMarkdownPlugin } from "./markdown-rules.js";

function newTokenizer() {
  const md = new MarkdownIt("commonmark", { html: false, linkify: false, typographer: false });
  md.enable(["table", "strikethrough"]);
  md.use(footnote);
  md.inline.ruler.disable(["footnote_inline"]);
  md.use(editorMarkdownPlugin);
  return md;
}

const listAttributes = (token) => ({ tight: token.meta ? token.meta.tight !== false : true });
const align = (token) => {
  const style = token.attrGet("style") || "";
  const match = /text-align:\s*(left|center|right)/.exec(style);
  return { align: match ? match[1] : null };
};

const TOKENS = {
  blockquote: { block: "blockquote" },
  paragraph: { block: "paragraph" },
  list_item: { block: "listItem" },
  bullet_list: { block: "bulletList", getAttrs: (token) => ({ ...listAttributes(token), bullet: token.markup || "-" }) },
  ordered_list: {
    block: "orderedList",
    getAttrs: (token) => ({ ...listAttributes(token), start: Number(token.attrGet("start")) || 1, delimiter: token.markup || "." }),
  },
  heading: { block: "heading", getAttrs: (token) => ({ level: Number(token.tag.slice(1)) }) },
  code_block: { block: "codeBlock", noCloseToken: true },
  fence: { block: "codeBlock", getAttrs: (token) => ({ language: token.info.trim() || null }), noCloseToken: true },
  hr: { node: "horizontalRule" },
  image: {
    node: "image",
    getAttrs: (token) => ({
      src: token.attrGet("src"),
      title: token.attrGet("title") || null,
      alt: altText(token.children) || null,
    }),
  },
  hardbreak: { node: "hardBreak" },
  em: { mark: "italic" },
  strong: { mark: "bold" },
  s: { mark: "strike" },
  link: { mark: "link", getAttrs: (token) => ({ href: token.attrGet("href"), title: token.attrGet("title") || null }) },
  code_inline: { mark: "code", noCloseToken: true },
  table: { block: "table" },
  thead: { ignore: true },
  tbody: { ignore: true },
  tr: { block: "tableRow" },
  th: { block: "tableHeader", getAttrs: align },
  td: { block: "tableCell", getAttrs: align },
  figure: { node: "figure", noCloseToken: true, getAttrs: (token) => ({ images: token.meta.images }) },
  paywall: { node: "paywall", noCloseToken: true, getAttrs: (token) => ({ marker: token.content }) },
  pullquote: { block: "pullquote" },
  directive_button: {
    node: "ctaButton",
    noCloseToken: true,
    getAttrs: (token) => ({
      label: token.meta.label,
      kind: token.meta.attributes.kind || "",
      href: token.meta.attributes.href || "",
    }),
  },
  directive_embed: {
    node: "embed",
    noCloseToken: true,
    getAttrs: (token) => ({ url: token.meta.attributes.url || "", caption: token.meta.attributes.caption || "" }),
  },
  math_inline: { node: "mathInline", noCloseToken: true, getAttrs: (token) => ({ tex: token.content.trim() }) },
  math_block: { node: "mathBlock", noCloseToken: true, getAttrs: (token) => ({ tex: token.content.trim() }) },
  footnote_ref: { node: "footnoteRef", noCloseToken: true, getAttrs: (token) => ({ label: footnoteLabel(token) }) },
  footnote_block: { ignore: true },
  footnote: { block: "footnoteDef", getAttrs: (token) => ({ label: footnoteLabel(token) }) },
  footnote_anchor: { ignore: true, noCloseToken: true },
};

function footnoteLabel(token) {
  return token.meta.label ?? String(token.meta.id + 1);
}

export function createParser(schema) {
  const parser = new MarkdownParser(schema, newTokenizer(), TOKENS);
  // A soft line break stays a line break in the text, so the Markdown keeps its lines.
  parser.tokenHandlers.softbreak = (state) => state.addText("\n");
  return parser;
}

// Escaping beyond prosemirror-markdown's: what the server's extensions would read as syntax.
const baseEscape = MarkdownSerializerState.prototype.esc;
MarkdownSerializerState.prototype.esc = function escape(text, startOfLine = false) {
  let out = baseEscape.call(this, text, startOfLine);
  out = out
    .replace(/\$/g, "\\$")
    .replace(/<(?=[A-Za-z/!?])/g, "\\<")
    .replace(/&(?=#?[A-Za-z0-9]+;)/g, "\\&");
  if (startOfLine) {
    out = out
      .replace(/^(\s*)(=+\s*)$/, "$1\\$2")
      .replace(/^::/, "\\::")
      .replace(/^(\s*\d+)\)(\s|$)/, "$1\\)$2")
      .replace(/^\+$/, "\\+");
  }
  return out;
};

const quoteValue = (value) => '"' + String(value).replace(/[\\"]/g, "\\$&") + '"';

function imageMarkdown(state, { src, alt, title }) {
  const source = src || "";
  const destination = /[\s<>]/.test(source) ? "<" + source.replace(/[<>]/g, encodeURIComponent) + ">" : source.replace(/[()\\]/g, "\\$&");
  const titlePart = title ? " " + quoteValue(title.replace(/\n+/g, " ")) : "";
  return "![" + state.esc(alt || "") + "](" + destination + titlePart + ")";
}

function fenceFor(text) {
  const runs = text.match(/`{3,}/g) || [];
  const longest = runs.reduce((length, run) => Math.max(length, run.length), 2);
  return "`".repeat(longest + 1);
}

function cellMarkdown(state, cell) {
  const sub = new MarkdownSerializerState(state.nodes, state.marks, state.options);
  cell.forEach((child, _, index) => {
    if (index) sub.out += " ";
    if (child.isTextblock) sub.renderInline(child);
    else sub.out += child.textContent;
  });
  return sub.out.replace(/\n/g, " ").replace(/\|/g, "\\|").trim();
}

function pullquoteDepth(node) {
  let depth = 0;
  node.forEach((child) => {
    if (child.type.name === "pullquote") depth = Math.max(depth, 1 + pullquoteDepth(child));
    else if (!child.isLeaf) depth = Math.max(depth, pullquoteDepth(child));
  });
  return depth;
}

const NODES = {
  blockquote(state, node) {
    state.wrapBlock("> ", null, node, () => state.renderContent(node));
  },
  codeBlock(state, node) {
    const text = node.textContent;
    const fence = fenceFor(text);
    state.write(fence + (node.attrs.language || "") + "\n");
    if (text) {
      state.text(text, false);
      state.write("\n");
    }
    state.write(fence);
    state.closeBlock(node);
  },
  heading(state, node) {
    state.write("#".repeat(node.attrs.level) + " ");
    state.renderInline(node, false);
    state.closeBlock(node);
  },
  horizontalRule(state, node) {
    state.write("---");
    state.closeBlock(node);
  },
  bulletList(state, node, parent, index) {
    // Two lists in a row with the same character would read back as one list.
    const previous = index > 0 ? parent.child(index - 1) : null;
    let bullet = node.attrs.bullet || "-";
    if (previous && previous.type === node.type && (previous.attrs.bullet || "-") === bullet) {
      bullet = bullet === "-" ? "*" : "-";
    }
    state.renderList(node, "  ", () => bullet + " ");
  },
  orderedList(state, node, parent, index) {
    const previous = index > 0 ? parent.child(index - 1) : null;
    let delimiter = node.attrs.delimiter || ".";
    if (previous && previous.type === node.type && (previous.attrs.delimiter || ".") === delimiter) {
      delimiter = delimiter === "." ? ")" : ".";
    }
    const start = node.attrs.start ?? 1;
    const width = String(start + node.childCount - 1).length;
    state.renderList(node, " ".repeat(width + 2), (at) => {
      const number = String(start + at);
      return number + delimiter + " ".repeat(width - number.length + 1);
    });
  },
  listItem(state, node) {
    state.renderContent(node);
  },
  paragraph(state, node) {
    state.renderInline(node);
    state.closeBlock(node);
  },
  image(state, node) {
    state.write(imageMarkdown(state, node.attrs));
  },
  hardBreak(state, node, parent, index) {
    for (let next = index + 1; next < parent.childCount; next += 1) {
      if (parent.child(next).type !== node.type) {
        state.write("\\\n");
        return;
      }
    }
  },
  text(state, node) {
    node.text.split("\n").forEach((line, index) => {
      if (index > 0) {
        state.text("\n", false);
        state.atBlockStart = true;
      }
      state.text(line, !state.inAutolink);
    });
  },
  figure(state, node) {
    const images = node.attrs.images || [];
    images.forEach((image, index) => {
      if (index && image.before && image.before !== "\n") state.write(image.before);
      else if (index) state.ensureNewLine();
      state.write(imageMarkdown(state, image));
    });
    if (images.length) state.closeBlock(node);
  },
  pullquote(state, node) {
    // A pull quote inside another closes at the first run of at least as many colons.
    const marker = ":".repeat(3 + pullquoteDepth(node));
    state.write(marker + " pullquote");
    state.ensureNewLine();
    state.renderContent(node);
    state.flushClose(1);
    state.write(marker);
    state.closeBlock(node);
  },
  ctaButton(state, node) {
    const { label, kind, href } = node.attrs;
    const attributes = kind ? "kind=" + quoteValue(kind) : "href=" + quoteValue(href || "");
    state.write("::button[" + (label || "").replace(/[\\\]]/g, "\\$&").replace(/\n/g, " ") + "]{" + attributes + "}");
    state.closeBlock(node);
  },
  embed(state, node) {
    const { url, caption } = node.attrs;
    const attributes = ["url=" + quoteValue(url || "")];
    if (caption) attributes.push("caption=" + quoteValue(caption.replace(/\n/g, " ")));
    state.write("::embed{" + attributes.join(" ") + "}");
    state.closeBlock(node);
  },
  mathBlock(state, node) {
    // No blank line may stand inside $$ … $$.
    const tex = (node.attrs.tex || "").replace(/\n\s*\n/g, "\n").trim();
    state.write("$$");
    state.ensureNewLine();
    if (tex) {
      state.text(tex, false);
      state.ensureNewLine();
    }
    state.write("$$");
    state.closeBlock(node);
  },
  mathInline(state, node) {
    const tex = (node.attrs.tex || "").replace(/\s*\n\s*/g, " ").trim();
    if (tex) state.text("$" + tex.replace(/\$/g, "\\$") + "$", false);
  },
  paywall(state, node) {
    state.write(node.attrs.marker || "<!-- paywall -->");
    state.closeBlock(node);
  },
  footnoteRef(state, node) {
    state.text("[^" + node.attrs.label + "]", false);
  },
  footnoteDef(state, node) {
    state.wrapBlock("    ", "[^" + node.attrs.label + "]: ", node, () => state.renderContent(node));
  },
  table(state, node) {
    const rows = [];
    node.forEach((row) => {
      const cells = [];
      row.forEach((cell) => cells.push(cellMarkdown(state, cell)));
      rows.push(cells);
    });
    if (!rows.length) return;
    const aligns = [];
    node.firstChild.forEach((cell) => aligns.push(cell.attrs.align));
    const divider = aligns.map((where) =>
      where === "center" ? ":---:" : where === "right" ? "---:" : where === "left" ? ":---" : "---"
    );
    [rows[0], divider, ...rows.slice(1)].forEach((cells, index) => {
      if (index) state.ensureNewLine();
      state.write("| " + cells.join(" | ") + " |");
    });
    state.closeBlock(node);
  },
};

const base = defaultMarkdownSerializer.marks;
const link = {
  open: base.link.open,
  close(state, mark, parent, index) {
    if (state.inAutolink) {
      state.inAutolink = undefined;
      return ">";
    }
    const href = mark.attrs.href || "";
    const destination = /[\s<>]/.test(href) ? "<" + href.replace(/[<>]/g, encodeURIComponent) + ">" : href.replace(/[()\\]/g, "\\$&");
    return "](" + destination + (mark.attrs.title ? " " + quoteValue(mark.attrs.title) : "") + ")";
  },
  mixable: true,
};

const MARKS = {
  italic: { open: "*", close: "*", mixable: true, expelEnclosingWhitespace: true },
  bold: { open: "**", close: "**", mixable: true, expelEnclosingWhitespace: true },
  strike: { open: "~~", close: "~~", mixable: true, expelEnclosingWhitespace: true },
  link,
  code: base.code,
};

const serializer = new MarkdownSerializer(NODES, MARKS, { hardBreakNodeName: "hardBreak", strict: false });

export function serializeMarkdown(doc) {
  const markdown = serializer.serialize(doc).replace(/\s+$/, "");
  return markdown ? markdown + "\n" : "";
}
