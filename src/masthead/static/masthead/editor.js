// The post editor's conveniences: live preview, autosave of drafts, inserting images and the
// paywall line where the cursor is, the cover's preview, asking before emailing everyone, and
// stopping when someone else saved the post meanwhile (a conflict: nothing is overwritten). Without this file the editor still works: every button is a
// plain form submit, and the paywall's help text says how to type its line.
(function () {
  "use strict";

  const form = document.querySelector("form[data-editor]");
  if (!form) return;

  const PREVIEW_DELAY_MS = 300;
  const AUTOSAVE_EVERY_MS = 3000;
  const CONTENT_FIELDS = [
    "title", "subtitle", "slug", "body_markdown", "section", "audience",
    "email_subject", "preview_text", "subject_test_lines", "subject_test_sample_percent",
    "subject_test_wait_hours", "subject_test_metric",
  ];

  const field = (name) => form.elements.namedItem(name);
  const title = field("title");
  const subtitle = field("subtitle");
  const slug = field("slug");
  const body = field("body_markdown");
  const csrfToken = field("csrfmiddlewaretoken").value;
  const saveStatus = form.querySelector("[data-save-status]");
  const previewTitle = form.querySelector("[data-preview-title]");
  const previewSubtitle = form.querySelector("[data-preview-subtitle]");
  const previewBody = form.querySelector("[data-preview-body]");
  const clipNotice = form.querySelector("[data-clip-notice]");
  let autosaveUrl = form.dataset.autosaveUrl || "";

  // With a live preview and an image button that inserts at the cursor, these are not needed.
  form.querySelectorAll("[data-no-js-preview], [data-no-js-note]").forEach((element) => {
    element.hidden = true;
  });

  function send(url, data) {
    return fetch(url, {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken, Accept: "application/json" },
    }).then(
      async (response) => {
        const isJson = (response.headers.get("Content-Type") || "").includes("application/json");
        if (!isJson) {
          // A sign-in page or a server error page instead of an answer.
          throw new Error(
            response.redirected
              ? "Not saved: you have been signed out. Sign in again in another tab."
              : "Not saved: the server had a problem. Try again in a moment."
          );
        }
        const answer = await response.json();
        if (!response.ok) {
          const error = new Error(answer.error || "Not saved.");
          error.isRefused = true;
          error.answer = answer;
          throw error;
        }
        return answer;
      },
      () => {
        throw new Error("Not saved: the server cannot be reached. Your text is still here.");
      }
    );
  }

  function showSaveStatus(text, isError) {
    if (!saveStatus) return;
    saveStatus.textContent = text;
    saveStatus.classList.toggle("is-error", Boolean(isError));
  }

  // Title and subtitle are textareas only so that long ones wrap: Enter does not add a line.
  form.querySelectorAll("[data-single-line]").forEach((element) => {
    element.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
    });
  });

  // Live preview: the server renders with the same renderer and sanitizer as the post page.
  let previewTimer = null;
  let previewRequest = 0;

  function renderPreview() {
    const request = ++previewRequest;
    const data = new FormData();
    data.append("body_markdown", body.value);
    // The rest of what the email is made of, so the answer can tell whether Gmail would clip it.
    ["title", "subtitle", "audience"].forEach((name) => data.append(name, field(name).value));
    send(form.dataset.previewUrl, data).then(
      (answer) => {
        if (request !== previewRequest) return;
        previewBody.innerHTML = answer.html;
        if (clipNotice) clipNotice.innerHTML = answer.clip_notice || "";
      },
      () => {} // the next keystroke tries again; the text itself is safe in the textarea
    );
  }

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(renderPreview, PREVIEW_DELAY_MS);
  }
  body.addEventListener("input", schedulePreview);
  // A paid post's email holds only its first paragraphs: its size changes with the audience.
  field("audience").addEventListener("change", schedulePreview);
  title.addEventListener("input", () => {
    previewTitle.textContent = title.value;
    previewTitle.hidden = !title.value; // an empty heading says nothing to a screen reader
  });
  subtitle.addEventListener("input", () => {
    previewSubtitle.textContent = subtitle.value;
  });

  // Autosave: every few seconds, if the content changed since the last save. Each save sends
  // the saved version it started from (content_version); when another tab or author saved
  // since, the server refuses (409) and autosave stops until the writer reloads or keeps theirs.
  let version = 0;
  let savedVersion = 0;
  let isSaving = false;
  let isSubmitting = false;
  let isInConflict = false;
  const contentVersion = form.querySelector("[data-content-version]");
  const conflictActions = form.querySelector("[data-conflict-actions]");
  const keepMine = form.querySelector("[data-keep-mine]");

  function noteChange(event) {
    if (CONTENT_FIELDS.includes(event.target.name)) version += 1;
  }
  form.addEventListener("input", noteChange);
  form.addEventListener("change", noteChange);
  form.addEventListener("submit", () => {
    isSubmitting = true;
  });

  function becomeSavedPost(urls) {
    // The first autosave of a new post created its draft: from now on the page edits that draft.
    form.action = urls.action;
    autosaveUrl = urls.autosave;
    window.history.replaceState(null, "", urls.action);
    form.querySelectorAll("[data-needs-post]").forEach((element) => {
      element.disabled = false;
    });
    form.querySelectorAll("[data-needs-post-note]").forEach((element) => {
      element.hidden = true;
    });
    const readerPreview = form.querySelector("[data-reader-preview]");
    if (readerPreview) {
      readerPreview.href = urls.reader_preview;
      readerPreview.hidden = false;
    }
  }

  function showConflict(conflict) {
    isInConflict = true;
    if (conflictActions) conflictActions.hidden = false;
    if (keepMine) {
      keepMine.dataset.author = conflict.author || "someone";
      keepMine.dataset.savedAt = conflict.saved_at_display || "";
    }
  }

  function autosave(isForced) {
    if (!autosaveUrl || isSaving || isSubmitting) return;
    if (!isForced && (isInConflict || version === savedVersion)) return;
    if (!title.value.trim()) {
      showSaveStatus("Add a title to save the draft.", false);
      return;
    }
    isSaving = true;
    const sending = version;
    const data = new FormData(form);
    data.delete("image");
    data.delete("cover_image"); // the cover is saved with the form, not uploaded every few seconds
    data.delete("remove_cover");
    data.delete("action");
    if (isForced) data.append("force_save", "1");
    showSaveStatus("Saving…", false);
    send(autosaveUrl, data)
      .then((answer) => {
        savedVersion = sending;
        if (contentVersion && answer.content_version !== undefined) {
          contentVersion.value = answer.content_version;
        }
        if (isForced) {
          isInConflict = false;
          if (conflictActions) conflictActions.hidden = true;
        }
        showSaveStatus("Saved " + answer.saved_at_display, false);
        if (slug && !slug.value) slug.placeholder = answer.slug;
        if (answer.urls) becomeSavedPost(answer.urls);
      })
      .catch((error) => {
        // A refused save (say, a taken address) is not retried until the text changes again.
        if (error.isRefused) savedVersion = sending;
        if (error.answer && error.answer.conflict) {
          savedVersion = -1; // unsaved: the text still differs from what the server keeps
          showConflict(error.answer.conflict);
        }
        showSaveStatus(error.message, true);
      })
      .finally(() => {
        isSaving = false;
      });
  }
  window.setInterval(() => autosave(false), AUTOSAVE_EVERY_MS);

  if (keepMine) {
    keepMine.addEventListener("click", () => {
      const who = keepMine.dataset.author || "someone";
      const when = keepMine.dataset.savedAt ? " at " + keepMine.dataset.savedAt : "";
      const question =
        "Save your text over the version " + who + " saved" + when + "? Both stay in Revisions.";
      if (window.confirm(question)) autosave(true);
    });
  }

  window.addEventListener("beforeunload", (event) => {
    if (!isSubmitting && version !== savedVersion) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  // Images: upload, then put ![alt](url) where the cursor is.
  const insertButton = form.querySelector("[data-image-insert]");
  const fileInput = form.querySelector("[data-image-file]");
  const altInput = form.querySelector("[data-image-alt]");
  const imageError = form.querySelector("[data-image-error]");
  const maxBytes = Number(form.dataset.maxUploadBytes || 0);

  function showImageError(text) {
    imageError.textContent = text;
  }

  // The rich editor (editor-rich.js), when it is mounted and the writer was last in it, takes
  // the insertion where its own cursor is; otherwise it goes into the Markdown textarea.
  function richEditor() {
    return form.richEditor && form.richEditor.wantsInsert() ? form.richEditor : null;
  }

  function focusBody() {
    const rich = richEditor();
    if (rich) rich.focus();
    else body.focus();
  }

  function insertAtCursor(text) {
    const rich = richEditor();
    if (rich) {
      rich.insertMarkdown(text);
      return;
    }
    const start = body.selectionStart ?? body.value.length;
    const end = body.selectionEnd ?? start;
    const before = body.value.slice(0, start);
    const after = body.value.slice(end);
    const lead = !before || before.endsWith("\n\n") ? "" : before.endsWith("\n") ? "\n" : "\n\n";
    const trail = !after ? "\n" : after.startsWith("\n\n") ? "" : after.startsWith("\n") ? "\n" : "\n\n";
    body.setRangeText(lead + text + trail, start, end, "end");
    body.dispatchEvent(new Event("input", { bubbles: true }));
  }

  // The paywall: only a paid or subscribers-only post has one. Its line is a paragraph of its own that the server
  // finds in the parsed post (posts/paywall.py); the first one counts, so inserting moves it.
  const audience = field("audience");
  const paywallControl = form.querySelector("[data-paywall-control]");
  const paywallInsert = form.querySelector("[data-paywall-insert]");
  const MARKER_LINE = /^ {0,3}<!--\s*(?:paywall|members-only)\s*-->\s*$/i;
  const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

  function showPaywallControl() {
    paywallControl.hidden = audience.value !== "paid" && audience.value !== "subscribers";
  }

  // The text without its paywall lines (each with the empty line after it), and where the cursor
  // is once they are gone. A line in a fenced code block is code, not a paywall, and stays.
  function withoutPaywallLines(text, cursor) {
    const kept = [];
    let fence = "";
    let offset = 0;
    let newCursor = cursor;
    let isAfterMarker = false;
    for (const line of text.split("\n")) {
      const length = line.length + 1;
      const opening = line.match(FENCE);
      const isMarker = !fence && !opening && MARKER_LINE.test(line);
      const isDropped = isMarker || (isAfterMarker && !line.trim());
      if (fence) {
        const closes = opening && opening[1][0] === fence[0] && opening[1].length >= fence.length;
        if (closes && !opening[2].trim()) fence = "";
      } else if (opening) {
        fence = opening[1];
      }
      isAfterMarker = isMarker;
      if (isDropped) {
        if (offset < cursor) newCursor -= Math.min(length, cursor - offset);
      } else {
        kept.push(line);
      }
      offset += length;
    }
    return { text: kept.join("\n"), cursor: Math.max(0, newCursor) };
  }

  if (paywallControl && paywallInsert) {
    audience.addEventListener("change", showPaywallControl);
    showPaywallControl();
    paywallInsert.hidden = false;
    paywallControl.querySelectorAll("[data-js-only]").forEach((element) => {
      element.hidden = false;
    });
    paywallInsert.addEventListener("click", (event) => {
      event.preventDefault();
      const rich = richEditor();
      if (rich) {
        rich.insertPaywall(paywallInsert.dataset.marker);
        return;
      }
      const cleaned = withoutPaywallLines(body.value, body.selectionStart ?? body.value.length);
      if (cleaned.text !== body.value) {
        body.value = cleaned.text;
        body.setSelectionRange(cleaned.cursor, cleaned.cursor);
      }
      insertAtCursor(paywallInsert.dataset.marker);
      body.focus();
    });
  }

  // The cover: the chosen file shows at once, beside the field and in the preview; it is
  // uploaded with the form. Ticking "Remove" hides it from the preview.
  const coverFile = form.querySelector("[data-cover-file]");
  const coverThumb = form.querySelector("[data-cover-thumb]");
  const coverPreview = form.querySelector("[data-preview-cover]");
  const coverRemove = form.querySelector("[data-cover-remove]");
  const savedCover = coverThumb ? coverThumb.getAttribute("src") : "";
  let coverUrl = "";

  function showCover(url) {
    [coverThumb, coverPreview].forEach((image) => {
      if (!image) return;
      if (url) image.src = url;
      else image.removeAttribute("src");
      image.hidden = !url;
    });
  }

  if (coverFile) {
    coverFile.addEventListener("change", () => {
      if (coverUrl) URL.revokeObjectURL(coverUrl);
      const file = coverFile.files[0];
      coverUrl = file && file.type.startsWith("image/") ? URL.createObjectURL(file) : "";
      if (coverRemove && coverUrl) coverRemove.checked = false;
      showCover(coverUrl || savedCover);
    });
  }
  if (coverRemove) {
    coverRemove.addEventListener("change", () => {
      showCover(coverRemove.checked ? "" : coverUrl || savedCover);
    });
  }

  // Sending to every subscriber asks once, in a dialog that says how many will get it. The
  // server asks too (a page of its own) when this file did not run.
  const sendDialog = document.querySelector("[data-send-dialog]");
  const sendEmail = field("send_email");
  const confirmSend = form.querySelector("[data-confirm-send]");
  const publishButton = form.querySelector('button[name="action"][value="publish"]');
  let pendingSubmitter = null;

  function labelPublishButton() {
    if (publishButton && sendEmail) {
      publishButton.textContent = sendEmail.checked ? "Publish and send" : "Publish now";
    }
  }

  if (sendDialog && sendEmail && confirmSend && typeof sendDialog.showModal === "function") {
    labelPublishButton();
    sendEmail.addEventListener("change", labelPublishButton);
    const dialogTitle = sendDialog.querySelector("[data-send-dialog-title]");
    const confirmButton = sendDialog.querySelector("[data-send-dialog-confirm]");

    form.addEventListener(
      "submit",
      (event) => {
        const submitter = event.submitter;
        const action = submitter ? submitter.value : "";
        if (!["publish", "schedule"].includes(action) || !sendEmail.checked) return;
        if (confirmSend.value) return; // confirmed in the dialog
        event.preventDefault();
        event.stopImmediatePropagation(); // not submitting yet: autosave goes on
        pendingSubmitter = submitter;
        const name = title.value.trim() || "this post";
        dialogTitle.textContent = "Send “" + name + "” to " + sendDialog.dataset.recipients + "?";
        sendDialog.querySelector("[data-send-dialog-publish]").hidden = action !== "publish";
        sendDialog.querySelector("[data-send-dialog-schedule]").hidden = action !== "schedule";
        confirmButton.textContent = action === "schedule" ? "Confirm and schedule" : "Confirm and send";
        sendDialog.showModal();
      },
      true // before the listener that marks the page as submitting
    );
    confirmButton.addEventListener("click", () => {
      confirmSend.value = "on";
      sendDialog.close();
      form.requestSubmit(pendingSubmitter);
    });
    sendDialog.querySelector("[data-send-dialog-back]").addEventListener("click", () => {
      sendDialog.close();
    });
    sendDialog.addEventListener("close", () => {
      if (pendingSubmitter && !confirmSend.value) pendingSubmitter.focus();
    });
  }

  insertButton.addEventListener("click", (event) => {
    event.preventDefault();
    const file = fileInput.files[0];
    if (!file) return showImageError("Choose an image file to insert.");
    if (maxBytes && file.size > maxBytes) {
      return showImageError("This file is too large; choose one under " + form.dataset.maxUpload + ".");
    }
    if (!altInput.value.trim()) {
      altInput.focus();
      return showImageError("Describe the image for readers who cannot see it (alt text).");
    }
    const data = new FormData();
    data.append("image", file);
    data.append("image_alt", altInput.value);
    insertButton.disabled = true;
    showImageError("");
    insertButton.textContent = "Uploading…";
    send(form.dataset.uploadUrl, data)
      .then((answer) => {
        insertAtCursor(answer.markdown);
        fileInput.value = "";
        altInput.value = "";
        focusBody();
      })
      .catch((error) => showImageError(error.message.replace(/^Not saved: /, "")))
      .finally(() => {
        insertButton.disabled = false;
        insertButton.textContent = "Insert image";
      });
  });
})();
