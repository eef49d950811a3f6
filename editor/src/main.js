// Masthead's rich post editor: mounts on the post form's Markdown textarea, which stays the
// source of truth (every change writes Markdown back into it and fires `input`, so editor.js's
// autosave, preview and conflict handling keep working). Without JavaScript the textarea stays.
import { Editor, getSchema } from "@tiptap/core";
import { Slice } from "@tiptap/pm/model";
import StarterKit from "@tiptap/starter-kit";
import Link from "@tiptap/extension-link";
import Table from "@tiptap/extension-table";
import TableRow from "@tiptap/extension-table-row";
import Placeholder from "@tiptap/extension-placeholder";
import CharacterCount from "@tiptap/extension-character-count";
import {
  AlignedTableCell,
  AlignedTableHeader,
  CallToAction,
  Embed,
  Figure,
  FootnoteDef,
  FootnoteRef,
  InlineImage,
  MarkdownBulletList,
  MarkdownCodeBlock,
  MarkdownOrderedList,
  MathBlock,
  MathInline,
  Paywall,
  Pullquote,
} from "./nodes.js";
import { createParser, serializeMarkdown } from "./markdown.js";
import { cleanPastedHtml } from "./paste.js";
import { buildToolbar } from "./toolbar.js";
import { insertBlock } from "./insert.js";

const WORDS_PER_MINUTE = 230;
// Plain text that reads as Markdown (a heading, a list, a quote, a fence, an image, a block
// directive at the start of a line) is pasted as the blocks it describes.
const LOOKS_LIKE_MARKDOWN = /^(#{1,6} |[-*+] |\d+[.)] |> |```|~~~|!\[|::|\$\$)/m;
const COUNT_DELAY_MS = 1200;

function extensions() {
  return [
    StarterKit.configure({ bulletList: false, orderedList: false, codeBlock: false }),
    MarkdownBulletList,
    MarkdownOrderedList,
    MarkdownCodeBlock,
    Link.extend({
      addAttributes() {
        return { ...this.parent?.(), title: { default: null } };
      },
    }).configure({ openOnClick: false, autolink: false, linkOnPaste: true }),
    InlineImage,
    Figure,
    Pullquote,
    CallToAction,
    Embed,
    MathBlock,
    MathInline,
    Paywall,
    FootnoteRef,
    FootnoteDef,
    Table.configure({ resizable: false }),
    TableRow,
    AlignedTableHeader,
    AlignedTableCell,
    Placeholder.configure({ placeholder: "Write your post…" }),
    CharacterCount,
  ];
}

let sharedParser = null;
function parser() {
  if (!sharedParser) sharedParser = createParser(getSchema(extensions()));
  return sharedParser;
}

export function markdownToDoc(markdown) {
  return parser().parse(markdown || "");
}

// Markdown through the editor's document and back: what saving an untouched post writes.
export function roundTrip(markdown) {
  return serializeMarkdown(markdownToDoc(markdown));
}

function imageFiles(list) {
  return [...(list || [])].filter((file) => /^image\/(jpeg|png|webp|gif)$/.test(file.type));
}

function altFromName(file) {
  const stem = (file.name || "").replace(/\.[^.]+$/, "").replace(/[-_]+/g, " ").trim();
  return stem || "Image";
}

function mount(form, textarea) {
  let doc;
  try {
    doc = markdownToDoc(textarea.value);
  } catch (error) {
    return null; // Markdown the editor cannot hold: the textarea stays, as without JavaScript
  }
  const csrf = form.elements.namedItem("csrfmiddlewaretoken");
  const wrapper = document.createElement("div");
  wrapper.className = "rich-editor";
  const host = document.createElement("div");
  host.className = "rich-editor__host";
  const counts = document.createElement("p");
  counts.className = "rich-editor__counts help";
  counts.setAttribute("aria-live", "polite");
  const problems = document.createElement("p");
  problems.className = "form-error rich-editor__problems";
  problems.setAttribute("role", "alert");
  textarea.after(wrapper);

  let isWriting = false;
  let lastTyped = "rich"; // where inserting buttons act: the rich text, or the Markdown source
  let isSourceMode = false;
  let countTimer = null;

  function hideSource(hidden) {
    textarea.classList.toggle("rich-source--hidden", hidden);
    if (hidden) {
      textarea.setAttribute("aria-hidden", "true");
      textarea.setAttribute("tabindex", "-1");
    } else {
      textarea.removeAttribute("aria-hidden");
      textarea.removeAttribute("tabindex");
    }
  }

  function writeMarkdown() {
    let markdown;
    try {
      markdown = serializeMarkdown(editor.state.doc);
    } catch (error) {
      // The textarea keeps the last good Markdown, which is what autosave sends.
      problems.textContent = "This change could not be saved as Markdown; undo it, or edit as Markdown.";
      return;
    }
    if (markdown === textarea.value) return;
    isWriting = true;
    textarea.value = markdown;
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    isWriting = false;
  }

  function showCounts() {
    const words = editor.storage.characterCount.words();
    const minutes = Math.max(1, Math.round(words / WORDS_PER_MINUTE));
    counts.textContent = `${words.toLocaleString()} word${words === 1 ? "" : "s"} · about ${minutes} min read`;
  }

  function scheduleCounts() {
    clearTimeout(countTimer);
    countTimer = setTimeout(showCounts, COUNT_DELAY_MS);
  }

  function upload(file, alt) {
    const data = new FormData();
    data.append("image", file);
    data.append("image_alt", alt);
    return fetch(form.dataset.uploadUrl, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" },
    }).then(async (response) => {
      const isJson = (response.headers.get("Content-Type") || "").includes("application/json");
      if (!isJson) throw new Error("The image was not uploaded: sign in again, or try again in a moment.");
      const answer = await response.json();
      if (!response.ok) throw new Error(answer.error || "The image was not uploaded.");
      return answer.url;
    });
  }

  // Upload image files, then insert them as one figure (or a gallery) at `position`.
  function insertUploads(files, options = {}) {
    const maxBytes = Number(form.dataset.maxUploadBytes || 0);
    const tooLarge = files.find((file) => maxBytes && file.size > maxBytes);
    if (tooLarge) {
      problems.textContent = `${tooLarge.name} is too large; choose one under ${form.dataset.maxUpload || "the limit"}.`;
      return Promise.resolve(false);
    }
    problems.textContent = "";
    counts.textContent = files.length > 1 ? `Uploading ${files.length} images…` : "Uploading the image…";
    const alts = options.alts || files.map(altFromName);
    // One after another: the server resizes each, and a gallery should not hold it all at once.
    const urls = [];
    const uploadAll = files.reduce(
      (previous, file, index) => previous.then(() => upload(file, alts[index]).then((url) => urls.push(url))),
      Promise.resolve()
    );
    return uploadAll
      .then(() => {
        const images = urls.map((src, index) => ({ src, alt: alts[index], title: "" }));
        if (options.caption) images[images.length - 1].title = options.caption;
        insertBlock(editor, { type: "figure", attrs: { images } }, options.position);
        showCounts();
        return true;
      })
      .catch((error) => {
        problems.textContent = error.message;
        showCounts();
        return false;
      });
  }

  const editor = new Editor({
    element: host,
    extensions: extensions(),
    content: doc.toJSON(),
    injectCSS: false,
    editorProps: {
      attributes: {
        class: "rich-editor__content prose",
        role: "textbox",
        "aria-multiline": "true",
        "aria-label": "Post text",
        "aria-describedby": "body-help",
        spellcheck: "true",
      },
      transformPastedHTML: cleanPastedHtml,
      clipboardTextParser(text, context, plain) {
        if (plain || !LOOKS_LIKE_MARKDOWN.test(text)) return null;
        try {
          // The parser's schema is its own: the document crosses over as JSON.
          return Slice.maxOpen(editor.schema.nodeFromJSON(markdownToDoc(text).toJSON()).content);
        } catch (error) {
          return null;
        }
      },
      handlePaste(view, event) {
        const files = imageFiles(event.clipboardData && event.clipboardData.files);
        if (!files.length) return false;
        event.preventDefault();
        insertUploads(files);
        return true;
      },
      handleDrop(view, event, slice, moved) {
        const files = moved ? [] : imageFiles(event.dataTransfer && event.dataTransfer.files);
        if (!files.length) return false;
        event.preventDefault();
        const at = view.posAtCoords({ left: event.clientX, top: event.clientY });
        insertUploads(files, { position: at ? at.pos : undefined });
        return true;
      },
    },
    onUpdate() {
      writeMarkdown();
      scheduleCounts();
    },
    onFocus() {
      lastTyped = "rich";
    },
  });

  // A change made to the Markdown itself (the source view, an insertion there, a restore)
  // shows in the rich text; the rich editor's own writes are not read back.
  function loadFromSource() {
    try {
      editor.commands.setContent(markdownToDoc(textarea.value).toJSON(), false);
      problems.textContent = "";
    } catch (error) {
      problems.textContent = "This Markdown cannot be shown as rich text; edit it as Markdown.";
    }
    scheduleCounts();
  }
  textarea.addEventListener("input", () => {
    if (!isWriting) loadFromSource();
  });
  textarea.addEventListener("focus", () => {
    lastTyped = "source";
  });
  // The field's label leads to the rich text while the Markdown is out of sight.
  if (textarea.id) {
    document.querySelectorAll(`label[for="${CSS.escape(textarea.id)}"]`).forEach((label) => {
      label.addEventListener("click", (event) => {
        if (isSourceMode) return;
        event.preventDefault();
        editor.view.focus();
      });
    });
  }

  function setSourceMode(on) {
    isSourceMode = on;
    hideSource(!on);
    host.hidden = on;
    toolbar.setSourceMode(on);
    if (on) {
      textarea.focus();
    } else {
      loadFromSource();
      editor.view.focus();
    }
  }

  const toolbar = buildToolbar(editor, {
    insertUploads,
    toggleSource: () => setSourceMode(!isSourceMode),
    // An email that is not a post (an automation's) has no paywall: no button for one.
    insertPaywall: form.hasAttribute("data-no-paywall") ? null : insertPaywall,
  });
  wrapper.append(toolbar.element, toolbar.panel, host, problems, counts);
  hideSource(true);
  showCounts();

  function insertPaywall(marker) {
    // Only the first paywall line counts: inserting one moves it here.
    const positions = [];
    editor.state.doc.descendants((node, position) => {
      if (node.type.name === "paywall") positions.push(position);
    });
    if (positions.length) {
      editor
        .chain()
        .command(({ tr }) => {
          positions.reverse().forEach((position) => tr.delete(position, position + 1));
          return true;
        })
        .run();
    }
    insertBlock(editor, { type: "paywall", attrs: { marker: marker || "<!-- paywall -->" } });
  }

  return {
    editor,
    // editor.js asks this before inserting at the cursor: the rich text, unless the writer was
    // last in the Markdown source.
    wantsInsert: () => !isSourceMode && lastTyped === "rich",
    insertMarkdown(markdown) {
      insertBlock(editor, markdownToDoc(markdown).toJSON().content || []);
    },
    insertPaywall,
    focus: () => editor.view.focus(),
  };
}

function start() {
  const form = document.querySelector("form[data-editor]");
  const textarea = form && form.querySelector("textarea[name=body_markdown]");
  if (!textarea || form.richEditor) return;
  const rich = mount(form, textarea);
  if (rich) form.richEditor = rich;
}

window.MastheadRichEditor = { roundTrip };
if (typeof document === "undefined") {
  // Loaded outside a browser (the round-trip checks): nothing to mount.
} else if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", start);
} else {
  start();
}
