// The rich editor's toolbar (one tab stop; arrow keys move along it) and the small form that
// opens under it to ask for a link, an image, a button, an embed, TeX or a footnote.

import { chainWithFocus, insertBlock } from "./insert.js";

let panelCounter = 0;

const make = (tag, attributes = {}, text) => {
  const element = document.createElement(tag);
  Object.entries(attributes).forEach(([name, value]) => element.setAttribute(name, value));
  if (text !== undefined) element.textContent = text;
  return element;
};

function nextFootnoteLabel(doc) {
  let highest = 0;
  doc.descendants((node) => {
    if (node.type.name === "footnoteRef" || node.type.name === "footnoteDef") {
      const number = Number(node.attrs.label);
      if (Number.isInteger(number)) highest = Math.max(highest, number);
    }
  });
  return String(highest + 1);
}

function isWebAddress(text) {
  try {
    const url = new URL(text);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

export function buildToolbar(editor, actions) {
  const element = make("div", { class: "rich-toolbar", role: "toolbar", "aria-label": "Formatting" });
  const panel = make("div", { class: "rich-panel", hidden: "" });
  const buttons = [];

  // The small form: fields, then Insert and Cancel. Resolves with the values, or null.
  function ask(title, fields) {
    panelCounter += 1;
    const headingId = "rich-panel-heading-" + panelCounter;
    panel.replaceChildren();
    panel.setAttribute("role", "group");
    panel.setAttribute("aria-labelledby", headingId);
    panel.append(make("p", { class: "rich-panel__title", id: headingId }, title));
    const form = make("div", { class: "rich-panel__fields" });
    const inputs = {};
    fields.forEach((field) => {
      const id = `rich-panel-${panelCounter}-${field.name}`;
      const row = make("div", { class: "field rich-panel__field" });
      row.append(make("label", { for: id }, field.label));
      let input;
      if (field.type === "select") {
        input = make("select", { id });
        field.options.forEach(([value, text]) => input.append(make("option", { value }, text)));
      } else if (field.type === "textarea") {
        input = make("textarea", { id, rows: "3" });
      } else {
        input = make("input", { id, type: field.type || "text" });
        if (field.accept) input.setAttribute("accept", field.accept);
        if (field.multiple) input.multiple = true;
      }
      if (field.value) input.value = field.value;
      if (field.help) {
        const helpId = id + "-help";
        input.setAttribute("aria-describedby", helpId);
        row.append(input, make("p", { class: "help", id: helpId }, field.help));
      } else {
        row.append(input);
      }
      if (field.showWhen) {
        const refresh = () => {
          row.hidden = !field.showWhen(inputs);
        };
        field.dependsOn.forEach((name) => inputs[name].addEventListener("change", refresh));
        setTimeout(refresh);
      }
      inputs[field.name] = input;
      form.append(row);
    });
    const error = make("p", { class: "form-error", role: "alert" });
    const confirm = make("button", { type: "button", class: "button" }, "Insert");
    const cancel = make("button", { type: "button", class: "button button--quiet" }, "Cancel");
    const buttonsRow = make("div", { class: "rich-panel__actions" });
    buttonsRow.append(confirm, cancel);
    panel.append(form, error, buttonsRow);
    panel.hidden = false;
    const first = panel.querySelector("input, select, textarea");
    if (first) first.focus();

    return new Promise((resolve) => {
      const close = (values) => {
        panel.hidden = true;
        panel.replaceChildren();
        panel.removeAttribute("role");
        panel.removeAttribute("aria-labelledby");
        resolve(values);
        if (!values) editor.view.focus();
      };
      confirm.addEventListener("click", () => {
        const values = {};
        Object.entries(inputs).forEach(([name, input]) => {
          values[name] = input.type === "file" ? [...input.files] : input.value.trim();
        });
        const problem = fields.map((field) => field.check && !input_hidden(inputs[field.name]) && field.check(values[field.name], values)).find(Boolean);
        if (problem) {
          error.textContent = problem;
          return;
        }
        close(values);
      });
      cancel.addEventListener("click", () => close(null));
      panel.onkeydown = (event) => {
        if (event.key === "Escape") {
          event.preventDefault();
          close(null);
        } else if (event.key === "Enter" && event.target.tagName === "INPUT" && event.target.type !== "file") {
          event.preventDefault();
          confirm.click();
        }
      };
    });
  }

  const input_hidden = (input) => Boolean(input.closest("[hidden]"));
  const run = () => chainWithFocus(editor);

  const ITEMS = [
    { label: "Bold", text: "B", mark: "bold", action: () => run().toggleBold().run() },
    { label: "Italic", text: "I", mark: "italic", action: () => run().toggleItalic().run() },
    { label: "Strikethrough", text: "S", mark: "strike", action: () => run().toggleStrike().run() },
    { label: "Inline code", text: "</>", mark: "code", action: () => run().toggleCode().run() },
    { label: "Link", text: "Link", mark: "link", action: link },
    { separator: true },
    { label: "Heading", text: "H2", node: ["heading", { level: 2 }], action: () => run().toggleHeading({ level: 2 }).run() },
    { label: "Subheading", text: "H3", node: ["heading", { level: 3 }], action: () => run().toggleHeading({ level: 3 }).run() },
    { label: "Bulleted list", text: "• List", node: ["bulletList"], action: () => run().toggleBulletList().run() },
    { label: "Numbered list", text: "1. List", node: ["orderedList"], action: () => run().toggleOrderedList().run() },
    { label: "Quote", text: "Quote", node: ["blockquote"], action: () => run().toggleBlockquote().run() },
    { label: "Pull quote", text: "Pull quote", node: ["pullquote"], action: pullquote },
    { label: "Code block", text: "Code", node: ["codeBlock"], action: () => run().toggleCodeBlock().run() },
    { label: "Divider", text: "—", action: () => run().setHorizontalRule().run() },
    { separator: true },
    { label: "Image", text: "Image", action: image },
    { label: "Gallery", text: "Gallery", action: gallery },
    { label: "Footnote", text: "Note", action: footnote },
    { label: "Button", text: "Button", action: button },
    { label: "Embed", text: "Embed", action: embed },
    { label: "Inline TeX", text: "TeX", action: () => tex(false) },
    { label: "TeX block", text: "TeX block", action: () => tex(true) },
    ...(actions.insertPaywall
      ? [{ label: "Paywall line", text: "Paywall", action: () => actions.insertPaywall() }]
      : []),
    { separator: true },
    { label: "Undo", text: "↶", action: () => run().undo().run(), can: () => editor.can().undo() },
    { label: "Redo", text: "↷", action: () => run().redo().run(), can: () => editor.can().redo() },
    { label: "Edit as Markdown", text: "Markdown", toggle: true, source: true, action: () => actions.toggleSource() },
  ];

  async function link() {
    const current = editor.getAttributes("link").href || "";
    const values = await ask("Link", [
      { name: "href", label: "Web address (empty to remove the link)", type: "url", value: current, check: (value) => value && !isWebAddress(value) && !value.startsWith("mailto:") && "Type a full address, starting with https://." },
    ]);
    if (!values) return;
    if (!values.href) return run().extendMarkRange("link").unsetLink().run();
    if (editor.state.selection.empty && !editor.isActive("link")) {
      return run().insertContent({ type: "text", text: values.href, marks: [{ type: "link", attrs: { href: values.href } }] }).run();
    }
    return run().extendMarkRange("link").setLink({ href: values.href }).run();
  }

  function pullquote() {
    if (editor.isActive("pullquote")) return run().lift("pullquote").run();
    return run().wrapIn("pullquote").run();
  }

  const IMAGE_TYPES = "image/jpeg,image/png,image/webp,image/gif";

  async function image() {
    const values = await ask("Image", [
      { name: "file", label: "Image file", type: "file", accept: IMAGE_TYPES, check: (files) => !files.length && "Choose an image file." },
      { name: "alt", label: "Alt text", help: "What the image shows, for readers who cannot see it.", check: (value) => !value && "Describe the image (alt text)." },
      { name: "caption", label: "Caption (optional)" },
    ]);
    if (values) actions.insertUploads(values.file.slice(0, 1), { alts: [values.alt], caption: values.caption });
  }

  async function gallery() {
    const values = await ask("Gallery", [
      { name: "files", label: "Image files (two or more)", type: "file", accept: IMAGE_TYPES, multiple: true, check: (files) => files.length < 2 && "Choose two images or more." },
      { name: "caption", label: "Caption of the gallery (optional)", help: "Each image's alt text is its file name until you change it below the gallery." },
    ]);
    if (values) actions.insertUploads(values.files, { caption: values.caption });
  }

  async function footnote() {
    const values = await ask("Footnote", [
      { name: "text", label: "Note text", check: (value) => !value && "Write the note." },
    ]);
    if (!values) return;
    const label = nextFootnoteLabel(editor.state.doc);
    run().insertContent({ type: "footnoteRef", attrs: { label } }).run();
    // The note goes at the end of the post; the cursor stays after its number in the text.
    const after = editor.state.selection.from;
    editor
      .chain()
      .insertContentAt(
        editor.state.doc.content.size,
        { type: "footnoteDef", attrs: { label }, content: [{ type: "paragraph", content: [{ type: "text", text: values.text }] }] },
        { updateSelection: false }
      )
      .setTextSelection(after)
      .run();
    editor.view.focus();
  }

  async function button() {
    const values = await ask("Button", [
      { name: "kind", label: "What it does", type: "select", options: [["subscribe", "Subscribe"], ["share", "Share this post"], ["link", "Open a web address"]] },
      { name: "label", label: "Button text", check: (value) => !value && "Write the button's text." },
      {
        name: "href",
        label: "Web address",
        type: "url",
        dependsOn: ["kind"],
        showWhen: (inputs) => inputs.kind.value === "link",
        check: (value, all) => all.kind === "link" && !isWebAddress(value) && "Type a full address, starting with https://.",
      },
    ]);
    if (!values) return;
    const attrs = values.kind === "link" ? { label: values.label, kind: "", href: values.href } : { label: values.label, kind: values.kind, href: "" };
    insertBlock(editor, { type: "ctaButton", attrs });
  }

  async function embed() {
    const values = await ask("Embed", [
      { name: "url", label: "Address of the video, audio or post", type: "url", help: "YouTube, Vimeo and Spotify play in a frame; audio files in a player; anything else shows as a link card.", check: (value) => !isWebAddress(value) && "Type a full address, starting with https://." },
      { name: "caption", label: "Caption (optional)" },
    ]);
    if (values) insertBlock(editor, { type: "embed", attrs: { url: values.url, caption: values.caption } });
  }

  async function tex(isBlock) {
    const { from, to } = editor.state.selection;
    const selected = editor.state.doc.textBetween(from, to, " ");
    const values = await ask(isBlock ? "TeX block" : "Inline TeX", [
      { name: "tex", label: "TeX", type: isBlock ? "textarea" : "text", value: selected, check: (value) => !value && "Type the formula." },
    ]);
    if (!values) return;
    if (isBlock) insertBlock(editor, { type: "mathBlock", attrs: { tex: values.tex } });
    else run().insertContent({ type: "mathInline", attrs: { tex: values.tex } }).run();
  }

  ITEMS.forEach((item) => {
    if (item.separator) {
      element.append(make("span", { class: "rich-toolbar__separator", "aria-hidden": "true" }));
      return;
    }
    const node = make("button", { type: "button", class: "rich-toolbar__button", "aria-label": item.label, title: item.label, tabindex: "-1" }, item.text);
    if (item.mark || item.node || item.toggle) node.setAttribute("aria-pressed", "false");
    node.addEventListener("click", () => {
      focusButton(node);
      item.action();
    });
    item.element = node;
    buttons.push(item);
    element.append(node);
  });
  buttons[0].element.tabIndex = 0;

  function enabled() {
    return buttons.filter((item) => !item.element.disabled);
  }

  function focusButton(node) {
    buttons.forEach((item) => {
      item.element.tabIndex = item.element === node ? 0 : -1;
    });
    node.focus();
  }

  element.addEventListener("keydown", (event) => {
    const list = enabled();
    const at = list.findIndex((item) => item.element === document.activeElement);
    if (at === -1) return;
    let next = null;
    if (event.key === "ArrowRight") next = list[(at + 1) % list.length];
    else if (event.key === "ArrowLeft") next = list[(at - 1 + list.length) % list.length];
    else if (event.key === "Home") next = list[0];
    else if (event.key === "End") next = list[list.length - 1];
    if (next) {
      event.preventDefault();
      focusButton(next.element);
    }
  });

  let isSource = false;
  function refresh() {
    buttons.forEach((item) => {
      const node = item.element;
      if (item.source) {
        node.setAttribute("aria-pressed", String(isSource));
        return;
      }
      node.disabled = isSource || (item.can ? !item.can() : false);
      if (item.mark) node.setAttribute("aria-pressed", String(editor.isActive(item.mark)));
      if (item.node) node.setAttribute("aria-pressed", String(editor.isActive(...item.node)));
    });
    // The tab stop must stay on a button that can take focus.
    if (!buttons.some((item) => item.element.tabIndex === 0 && !item.element.disabled)) {
      const first = enabled()[0];
      buttons.forEach((item) => {
        item.element.tabIndex = item === first ? 0 : -1;
      });
    }
  }
  editor.on("transaction", refresh);
  refresh();

  return {
    element,
    panel,
    setSourceMode(on) {
      isSource = on;
      refresh();
    },
  };
}
