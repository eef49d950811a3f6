// Markdown-it rules for the editor's parser, mirroring the server's renderer
// (src/masthead/core/rendering.py): Pandoc-style $math$, $$ blocks $$, figures and galleries,
// the paywall line, the ::: pullquote container and the ::button / ::embed leaf directives.
// The server stays the one renderer; these only turn stored Markdown into editor blocks.

const PAYWALL_LINE = /^<!--\s*(?:paywall|members-only)\s*-->$/i;
const DIRECTIVE_LINE = /^::(button|embed)(?:\[((?:\\.|[^\]\\])*)\])?(?:\{((?:[^}"]|"(?:\\.|[^"\\])*")*)\})?[ \t]*$/;
const ATTRIBUTE = /[ \t]*([A-Za-z][A-Za-z0-9_-]*)="((?:\\.|[^"\\])*)"[ \t]*/g;
const MARKDOWN_ESCAPE = /\\([!-/:-@[-`{-~])/g;

const isSpace = (character) => character === " " || character === "\t" || character === "\n";

function isEscaped(source, position) {
  let backslashes = 0;
  for (let index = position - 1; index >= 0 && source[index] === "\\"; index -= 1) backslashes += 1;
  return backslashes % 2 === 1;
}

// Inline $tex$ as the server's dollarmath (allow_space, allow_digits and double_inline off).
function mathInline(state, silent) {
  const source = state.src;
  const start = state.pos;
  if (source[start] !== "$") return false;
  if (start + 1 >= source.length || isSpace(source[start + 1])) return false;
  if (start > 0 && /[0-9]/.test(source[start - 1])) return false;
  if (isEscaped(source, start)) return false;
  let end = start + 1;
  for (;;) {
    end = source.indexOf("$", end);
    if (end === -1) return false;
    if (!isEscaped(source, end)) break;
    end += 1;
  }
  if (isSpace(source[end - 1])) return false;
  if (end + 1 < source.length && /[0-9]/.test(source[end + 1])) return false;
  const tex = source.slice(start + 1, end);
  if (!tex) return false;
  if (!silent) {
    const token = state.push("math_inline", "math", 0);
    token.content = tex;
    token.markup = "$";
  }
  state.pos = end + 1;
  return true;
}

function isCodeBlock(state, line) {
  return state.sCount[line] - state.blkIndent >= 4;
}

// $$ on its own lines (or $$ tex $$ on one line), no blank line inside, as the server reads it.
function mathBlock(state, startLine, endLine, silent) {
  if (isCodeBlock(state, startLine)) return false;
  const startPos = state.bMarks[startLine] + state.tShift[startLine];
  let end = state.eMarks[startLine];
  if (startPos + 2 > end) return false;
  if (state.src.slice(startPos, startPos + 2) !== "$$") return false;
  let haveEnd = false;
  let nextLine = startLine;
  let lineText = state.src.slice(startPos, end);
  if (lineText.trim().length > 3) {
    if (lineText.trim().endsWith("$$")) {
      haveEnd = true;
      end = end - 2 - (lineText.length - lineText.trim().length);
    } else if (lineText.slice(2).includes("$$")) {
      return false;
    }
  }
  if (!haveEnd) {
    for (;;) {
      nextLine += 1;
      if (nextLine >= endLine) break;
      const lineStart = state.bMarks[nextLine] + state.tShift[nextLine];
      end = state.eMarks[nextLine];
      lineText = state.src.slice(lineStart, end);
      if (lineText.trim().endsWith("$$")) {
        haveEnd = true;
        end = end - 2 - (lineText.length - lineText.trim().length);
        break;
      }
      if (lineText.trim() === "") break;
    }
  }
  if (!haveEnd) return false;
  if (silent) return true;
  state.line = nextLine + 1;
  const token = state.push("math_block", "math", 0);
  token.block = true;
  let content;
  if (startLine === nextLine) {
    content = state.src.slice(startPos + 2, end);
  } else {
    const parts = [state.src.slice(startPos + 2, state.eMarks[startLine]), "\n"];
    for (let line = startLine + 1; line < nextLine; line += 1) {
      parts.push(state.src.slice(state.bMarks[line], state.eMarks[line]), "\n");
    }
    parts.push(state.src.slice(state.bMarks[nextLine], end));
    content = parts.join("");
  }
  token.content = content;
  token.markup = "$$";
  token.map = [startLine, state.line];
  return true;
}

export function unescapeValue(text) {
  return text.replace(/\\(.)/g, "$1");
}

// `a="1" b="x \" y"` as an object (the first of a repeated name wins), or null.
export function parseAttributes(text) {
  const attributes = {};
  let position = 0;
  while (position < text.length) {
    ATTRIBUTE.lastIndex = position;
    const match = ATTRIBUTE.exec(text);
    if (!match || match.index !== position || ATTRIBUTE.lastIndex === position) return null;
    if (!(match[1] in attributes)) attributes[match[1]] = unescapeValue(match[2]);
    position = ATTRIBUTE.lastIndex;
  }
  return attributes;
}

// ::button[Label]{kind="subscribe"} and ::embed{url="…"} alone on a line (core/directives.py).
function leafDirective(state, startLine, endLine, silent) {
  if (isCodeBlock(state, startLine)) return false;
  const start = state.bMarks[startLine] + state.tShift[startLine];
  const line = state.src.slice(start, state.eMarks[startLine]);
  if (!line.startsWith("::") || line.startsWith(":::") || line.length > 4096) return false;
  const match = DIRECTIVE_LINE.exec(line);
  if (!match) return false;
  const attributes = parseAttributes(match[3] || "");
  if (!attributes) return false;
  if (silent) return true;
  const token = state.push("directive_" + match[1], "div", 0);
  token.block = true;
  token.meta = { label: (match[2] || "").replace(MARKDOWN_ESCAPE, "$1"), attributes };
  token.map = [startLine, startLine + 1];
  state.line = startLine + 1;
  return true;
}

// ::: pullquote … ::: around Markdown blocks, as mdit-py-plugins' container reads it: the first
// line of at least as many colons closes it (or the end of the enclosing block does).
function colonRun(source, start, max) {
  let position = start;
  while (position < max && source[position] === ":") position += 1;
  return position - start;
}

function pullquote(state, startLine, endLine, silent) {
  if (isCodeBlock(state, startLine)) return false;
  const start = state.bMarks[startLine] + state.tShift[startLine];
  const max = state.eMarks[startLine];
  const markers = colonRun(state.src, start, max);
  if (markers < 3) return false;
  if (state.src.slice(start + markers, max).trim() !== "pullquote") return false;
  if (silent) return true;
  let closing = startLine;
  let isClosed = false;
  for (;;) {
    closing += 1;
    if (closing >= endLine) break;
    const lineStart = state.bMarks[closing] + state.tShift[closing];
    const lineMax = state.eMarks[closing];
    if (lineStart < lineMax && state.sCount[closing] < state.blkIndent) break;
    if (state.src[lineStart] !== ":" || isCodeBlock(state, closing)) continue;
    const count = colonRun(state.src, lineStart, lineMax);
    if (count < markers) continue;
    if (state.src.slice(lineStart + count, lineMax).trim()) continue;
    isClosed = true;
    break;
  }
  const oldParent = state.parentType;
  const oldLineMax = state.lineMax;
  state.parentType = "container";
  state.lineMax = closing;
  const open = state.push("pullquote_open", "blockquote", 1);
  open.block = true;
  open.map = [startLine, closing];
  state.md.block.tokenize(state, startLine + 1, closing);
  state.push("pullquote_close", "blockquote", -1).block = true;
  state.parentType = oldParent;
  state.lineMax = oldLineMax;
  state.line = closing + (isClosed ? 1 : 0);
  return true;
}

// An image's alt text as the server writes it: the text of its description, markup dropped.
export function altText(children) {
  return (children || [])
    .map((child) => {
      if (["text", "text_special", "code_inline"].includes(child.type)) return child.content;
      if (child.type === "image") return altText(child.children);
      if (child.type === "softbreak" || child.type === "hardbreak") return "\n";
      return "";
    })
    .join("");
}

// The images of a figure paragraph, each with the whitespace that came before it.
function figureImages(children) {
  const images = [];
  let between = "";
  children.forEach((child) => {
    if (child.type === "image") {
      images.push({ src: child.attrGet("src") || "", alt: altText(child.children), title: child.attrGet("title") || "", before: images.length ? (between.includes("\n") ? "\n" : between || " ") : "" });
      between = "";
    } else {
      between += child.type === "softbreak" ? "\n" : child.content;
    }
  });
  return images;
}

function isOnlyImages(children) {
  if (!children.some((child) => child.type === "image")) return false;
  return children.every(
    (child) =>
      child.type === "image" ||
      child.type === "softbreak" ||
      (child.type === "text" && !child.content.trim())
  );
}

// Paragraphs that are figures, galleries or the paywall line become one token each; table cells
// get a paragraph, which the editor's schema wants around their text.
function editorBlocks(state) {
  const out = [];
  const tokens = state.tokens;
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index];
    const inline = tokens[index + 1];
    if (token.type === "paragraph_open" && !token.hidden && inline && inline.type === "inline") {
      const children = inline.children || [];
      if (token.level === 0 && PAYWALL_LINE.test(inline.content.trim())) {
        const marker = new state.Token("paywall", "", 0);
        marker.content = inline.content.trim();
        marker.block = true;
        out.push(marker);
        index += 2;
        continue;
      }
      if (isOnlyImages(children)) {
        const figure = new state.Token("figure", "figure", 0);
        figure.block = true;
        figure.meta = {
          images: figureImages(children),
        };
        out.push(figure);
        index += 2;
        continue;
      }
    }
    if (token.type === "th_open" || token.type === "td_open") {
      out.push(token);
      const open = new state.Token("paragraph_open", "p", 1);
      const close = new state.Token("paragraph_close", "p", -1);
      out.push(open, inline, close);
      index += 1;
      continue;
    }
    if (token.type === "bullet_list_open" || token.type === "ordered_list_open") {
      token.meta = { ...(token.meta || {}), tight: isTightList(tokens, index) };
    }
    out.push(token);
  }
  state.tokens = out;
}

function isTightList(tokens, openIndex) {
  let depth = 0;
  for (let index = openIndex; index < tokens.length; index += 1) {
    const token = tokens[index];
    if (token.type.endsWith("_list_open")) depth += 1;
    if (token.type.endsWith("_list_close")) {
      depth -= 1;
      if (depth === 0) return true;
    }
    if (depth === 1 && token.type === "paragraph_open" && token.level === tokens[openIndex].level + 2) {
      return Boolean(token.hidden);
    }
  }
  return true;
}

export function editorMarkdownPlugin(md) {
  md.inline.ruler.before("escape", "math_inline", mathInline);
  md.block.ruler.before("fence", "math_block", mathBlock);
  const interrupts = { alt: ["paragraph", "reference", "blockquote", "list"] };
  md.block.ruler.before("fence", "pullquote", pullquote, interrupts);
  md.block.ruler.before("fence", "leaf_directive", leafDirective, interrupts);
  md.core.ruler.push("editor_blocks", editorBlocks);
}
