// Pasted HTML from Google Docs and Word, cleaned before the editor reads it: Docs wraps
// everything in a <b style="font-weight:normal" id="docs-internal-guid-…"> (not bold) and marks
// real bold and italics with inline styles; Word adds mso- styles, <o:p> and empty spans.

const DROPPED = "style, meta, link, script, title, xml, template, o\\:p, w\\:sdt";

function unwrap(element) {
  element.replaceWith(...element.childNodes);
}

function styleOf(element) {
  return (element.getAttribute("data-pasted-style") || "").toLowerCase();
}

// Parsing a style attribute or element, even in a detached document, is an inline style the
// page's Content-Security-Policy refuses (and reports): style elements go and style attributes
// are renamed before the HTML is parsed.
function renameStyles(html) {
  return html.replace(/<style[\s>][\s\S]*?<\/style\s*>/gi, "").replace(/<[a-zA-Z][^>]*>/g, (tag) => tag.replace(/(\s)style(\s*=)/gi, "$1data-pasted-style$2"));
}

function wrapIn(doc, element, tag) {
  const wrapper = doc.createElement(tag);
  wrapper.append(...element.childNodes);
  element.append(wrapper);
}

export function cleanPastedHtml(html) {
  const doc = new DOMParser().parseFromString(renameStyles(html), "text/html");
  const body = doc.body;
  doc.querySelectorAll(DROPPED).forEach((element) => element.remove());
  const walker = doc.createTreeWalker(body, NodeFilter.SHOW_COMMENT);
  const comments = [];
  while (walker.nextNode()) comments.push(walker.currentNode);
  comments.forEach((comment) => comment.remove());

  // Word's list bullets and numbers are text in spans marked mso-list:Ignore.
  body.querySelectorAll("[data-pasted-style]").forEach((element) => {
    if (/mso-list:\s*ignore/.test(styleOf(element))) element.remove();
  });
  body.querySelectorAll('b[id^="docs-internal-guid"], b[data-pasted-style*="font-weight:normal"], b[data-pasted-style*="font-weight: normal"]').forEach(unwrap);

  // Inline styles that mean something become elements; then spans and fonts go.
  body.querySelectorAll("span, font").forEach((element) => {
    const style = styleOf(element);
    if (/font-weight:\s*(bold|[6-9]00)/.test(style)) wrapIn(doc, element, "strong");
    if (/font-style:\s*italic/.test(style)) wrapIn(doc, element, "em");
    if (/text-decoration[^;]*line-through/.test(style)) wrapIn(doc, element, "s");
    unwrap(element);
  });
  body.querySelectorAll("*").forEach((element) => {
    [...element.attributes].forEach((attribute) => {
      const keep = ["href", "src", "alt", "title", "colspan", "rowspan", "start"].includes(attribute.name);
      if (!keep) element.removeAttribute(attribute.name);
    });
  });
  // Empty inline wrappers left behind (Word's <span></span>, Docs' <b></b>).
  body.querySelectorAll("strong, em, b, i, s, u, a").forEach((element) => {
    if (!element.textContent && !element.querySelector("img")) element.remove();
  });
  return body.innerHTML;
}
