// The editor's blocks beyond StarterKit: figures and galleries, pull quotes, buttons, embeds,
// TeX, the paywall line and footnotes, plus the list and table attributes Markdown needs to
// round-trip (tight lists, bullet characters, column alignment). Each block shows as a calm
// card in the desk; readers see what the server renders from the stored Markdown.
import { Node, mergeAttributes } from "@tiptap/core";
import BulletList from "@tiptap/extension-bullet-list";
import OrderedList from "@tiptap/extension-ordered-list";
import CodeBlock from "@tiptap/extension-code-block";
import Image from "@tiptap/extension-image";
import TableCell from "@tiptap/extension-table-cell";
import TableHeader from "@tiptap/extension-table-header";

const make = (tag, attributes, ...children) => {
  const element = document.createElement(tag);
  Object.entries(attributes || {}).forEach(([name, value]) => {
    if (name === "text") element.textContent = value;
    else if (value !== null && value !== undefined && value !== false) element.setAttribute(name, value);
  });
  children.forEach((child) => child && element.append(child));
  return element;
};

function jsonAttribute(name, fallback) {
  return {
    default: fallback,
    parseHTML: (element) => {
      try {
        return JSON.parse(element.getAttribute("data-" + name)) ?? fallback;
      } catch {
        return fallback;
      }
    },
    renderHTML: (attributes) => ({ ["data-" + name]: JSON.stringify(attributes[name]) }),
  };
}

function dataAttribute(name, fallback = "") {
  return {
    default: fallback,
    parseHTML: (element) => element.getAttribute("data-" + name) ?? fallback,
    renderHTML: (attributes) => ({ ["data-" + name]: attributes[name] }),
  };
}

// Change one attribute of the node a node view shows, as one undoable step.
function updateAttributes(editor, getPos, changes) {
  const position = getPos();
  if (typeof position !== "number") return;
  const node = editor.state.doc.nodeAt(position);
  if (!node) return;
  editor.view.dispatch(
    editor.state.tr.setNodeMarkup(position, undefined, { ...node.attrs, ...changes })
  );
}

let fieldCounter = 0;
function labelledInput(labelText, value, onChange, options = {}) {
  fieldCounter += 1;
  const id = "rich-field-" + fieldCounter;
  const input = make("input", { type: "text", id, class: "rich-card__input", value, placeholder: options.placeholder });
  input.value = value || "";
  input.addEventListener("change", () => onChange(input.value));
  const label = make("label", { for: id, class: "rich-card__label", text: labelText });
  return make("div", { class: "rich-card__field" }, label, input);
}

const cardView = (render) => ({ node, editor, getPos }) => {
  const dom = make("div", { class: "rich-card", contenteditable: "false" });
  const draw = (current) => {
    dom.replaceChildren(...render(current, editor, getPos));
  };
  draw(node);
  return {
    dom,
    update(updated) {
      if (updated.type !== node.type) return false;
      const focused = dom.contains(document.activeElement);
      if (!focused) draw(updated);
      node = updated;
      return true;
    },
    stopEvent: (event) => event.target instanceof HTMLInputElement || event.target instanceof HTMLButtonElement,
    ignoreMutation: () => true,
  };
};

// One image with a caption, or a gallery of several; the last image's title is the caption.
export const Figure = Node.create({
  name: "figure",
  group: "block",
  atom: true,
  draggable: true,
  addAttributes() {
    return { images: jsonAttribute("images", []) };
  },
  parseHTML() {
    return [
      { tag: "figure[data-images]" },
      {
        tag: "figure",
        getAttrs: (element) => {
          const images = [...element.querySelectorAll("img")].map((image) => ({
            src: image.getAttribute("src") || "",
            alt: image.getAttribute("alt") || "",
            title: "",
          }));
          if (!images.length) return false;
          const caption = element.querySelector("figcaption");
          if (caption) images[images.length - 1].title = caption.textContent.trim();
          return { images };
        },
      },
    ];
  },
  renderHTML({ HTMLAttributes }) {
    return ["figure", mergeAttributes(HTMLAttributes)];
  },
  addNodeView() {
    return cardView((node, editor, getPos) => {
      const images = node.attrs.images || [];
      const setImages = (changed) => updateAttributes(editor, getPos, { images: changed });
      const isGallery = images.length > 1;
      const heading = make("p", { class: "rich-card__kind", text: isGallery ? `Gallery of ${images.length} images` : "Image" });
      const grid = make("div", { class: isGallery ? "rich-figure rich-figure--gallery" : "rich-figure" });
      images.forEach((image, index) => {
        const item = make("div", { class: "rich-figure__item" });
        item.append(make("img", { src: image.src, alt: image.alt || "", class: "rich-figure__img" }));
        item.append(
          labelledInput(isGallery ? `Alt text, image ${index + 1}` : "Alt text", image.alt, (value) =>
            setImages(images.map((one, at) => (at === index ? { ...one, alt: value } : one)))
          )
        );
        if (isGallery) {
          const remove = make("button", { type: "button", class: "rich-card__action", text: `Remove image ${index + 1}` });
          remove.addEventListener("click", () => setImages(images.filter((_, at) => at !== index)));
          item.append(remove);
        }
        grid.append(item);
      });
      const last = images.length - 1;
      const caption = labelledInput(isGallery ? "Gallery caption" : "Caption", last >= 0 ? images[last].title : "", (value) =>
        setImages(images.map((one, at) => (at === last ? { ...one, title: value } : one)))
      , { placeholder: "Optional; Markdown allowed" });
      return [heading, grid, caption];
    });
  },
});

export const Pullquote = Node.create({
  name: "pullquote",
  group: "block",
  content: "block+",
  defining: true,
  parseHTML() {
    return [{ tag: "blockquote[data-pullquote]", priority: 60 }, { tag: "aside.pullquote" }];
  },
  renderHTML({ HTMLAttributes }) {
    return ["blockquote", mergeAttributes(HTMLAttributes, { "data-pullquote": "", class: "rich-pullquote" }), 0];
  },
});

export const BUTTON_KINDS = { subscribe: "Subscribe button", share: "Share button" };

export const CallToAction = Node.create({
  name: "ctaButton",
  group: "block",
  atom: true,
  draggable: true,
  addAttributes() {
    return { label: dataAttribute("label"), kind: dataAttribute("kind"), href: dataAttribute("href") };
  },
  parseHTML() {
    return [{ tag: "div[data-cta-button]" }];
  },
  renderHTML({ HTMLAttributes }) {
    return ["div", mergeAttributes(HTMLAttributes, { "data-cta-button": "" })];
  },
  addNodeView() {
    return cardView((node, editor, getPos) => {
      const { kind, href, label } = node.attrs;
      const what = BUTTON_KINDS[kind] || (href ? "Link button to " + href : "Button");
      return [
        make("p", { class: "rich-card__kind", text: what }),
        make("p", { class: "rich-button-preview", text: label || "(no label)" }),
        labelledInput("Button label", label, (value) => updateAttributes(editor, getPos, { label: value })),
      ];
    });
  },
});

export function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return "";
  }
}

export const Embed = Node.create({
  name: "embed",
  group: "block",
  atom: true,
  draggable: true,
  addAttributes() {
    return { url: dataAttribute("url"), caption: dataAttribute("caption") };
  },
  parseHTML() {
    return [{ tag: "div[data-embed]" }];
  },
  renderHTML({ HTMLAttributes }) {
    return ["div", mergeAttributes(HTMLAttributes, { "data-embed": "" })];
  },
  addNodeView() {
    // A card, never the third party's frame: the desk loads nothing from elsewhere.
    return cardView((node, editor, getPos) => [
      make("p", { class: "rich-card__kind", text: "Embed from " + (hostOf(node.attrs.url) || "an unknown site") }),
      make("p", { class: "rich-embed__url", text: node.attrs.url }),
      labelledInput("Embed caption", node.attrs.caption, (value) => updateAttributes(editor, getPos, { caption: value }), {
        placeholder: "Optional",
      }),
    ]);
  },
});

export const MathBlock = Node.create({
  name: "mathBlock",
  group: "block",
  atom: true,
  addAttributes() {
    return { tex: dataAttribute("tex") };
  },
  parseHTML() {
    return [{ tag: "div[data-math-block]" }];
  },
  renderHTML({ HTMLAttributes }) {
    return ["div", mergeAttributes(HTMLAttributes, { "data-math-block": "" })];
  },
  addNodeView() {
    return cardView((node, editor, getPos) => [
      make("p", { class: "rich-card__kind", text: "TeX block" }),
      labelledInput("TeX", node.attrs.tex, (value) => updateAttributes(editor, getPos, { tex: value })),
    ]);
  },
});

export const MathInline = Node.create({
  name: "mathInline",
  group: "inline",
  inline: true,
  atom: true,
  addAttributes() {
    return { tex: dataAttribute("tex") };
  },
  parseHTML() {
    return [{ tag: "span[data-math-inline]" }];
  },
  renderHTML({ node, HTMLAttributes }) {
    return ["span", mergeAttributes(HTMLAttributes, { "data-math-inline": "", class: "rich-math", title: "TeX" }), node.attrs.tex];
  },
});

export const Paywall = Node.create({
  name: "paywall",
  group: "block",
  atom: true,
  addAttributes() {
    return { marker: dataAttribute("marker", "<!-- paywall -->") };
  },
  parseHTML() {
    return [{ tag: "div[data-paywall]" }];
  },
  renderHTML({ HTMLAttributes }) {
    return ["div", mergeAttributes(HTMLAttributes, { "data-paywall": "", class: "rich-paywall" }), "Paywall: readers without access stop here"];
  },
});

export const FootnoteRef = Node.create({
  name: "footnoteRef",
  group: "inline",
  inline: true,
  atom: true,
  addAttributes() {
    return { label: dataAttribute("label") };
  },
  parseHTML() {
    return [{ tag: "sup[data-footnote-ref]" }];
  },
  renderHTML({ node, HTMLAttributes }) {
    return ["sup", mergeAttributes(HTMLAttributes, { "data-footnote-ref": "", class: "rich-footnote-ref" }), "[" + node.attrs.label + "]"];
  },
});

export const FootnoteDef = Node.create({
  name: "footnoteDef",
  group: "block",
  content: "paragraph+",
  defining: true,
  addAttributes() {
    return { label: dataAttribute("label") };
  },
  parseHTML() {
    return [{ tag: "div[data-footnote-def]" }];
  },
  renderHTML({ node, HTMLAttributes }) {
    return [
      "div",
      mergeAttributes(HTMLAttributes, { "data-footnote-def": "", class: "rich-footnote", "data-note": "Note " + node.attrs.label }),
      0,
    ];
  },
});

// Lists remember whether they were tight and which character they used, so saving changes
// nothing a reader would see.
const tight = {
  default: true,
  parseHTML: (element) => element.getAttribute("data-tight") !== "false",
  renderHTML: (attributes) => ({ "data-tight": attributes.tight ? "true" : "false" }),
};

export const MarkdownBulletList = BulletList.extend({
  addAttributes() {
    return { ...this.parent?.(), tight, bullet: dataAttribute("bullet", "-") };
  },
});

export const MarkdownOrderedList = OrderedList.extend({
  addAttributes() {
    return { ...this.parent?.(), tight, delimiter: dataAttribute("delimiter", ".") };
  },
});

export const MarkdownCodeBlock = CodeBlock.extend({
  addAttributes() {
    return {
      language: {
        default: null,
        parseHTML: (element) => {
          const code = element.querySelector("code");
          const found = [...(code?.classList || [])].find((name) => name.startsWith("language-"));
          return found ? found.slice("language-".length) : null;
        },
        renderHTML: (attributes) => (attributes.language ? { "data-language": attributes.language } : {}),
      },
    };
  },
});

export const InlineImage = Image.configure({ inline: true });

const align = {
  default: null,
  parseHTML: (element) => element.getAttribute("data-align") || element.getAttribute("align") || null,
  renderHTML: (attributes) => (attributes.align ? { "data-align": attributes.align } : {}),
};
export const AlignedTableCell = TableCell.extend({
  addAttributes() {
    return { ...this.parent?.(), align };
  },
});
export const AlignedTableHeader = TableHeader.extend({
  addAttributes() {
    return { ...this.parent?.(), align };
  },
});
