// The chat's browser client (docs/chat-protocol.md): keeps the page's threads and replies live
// over the chat server's socket, catches up after a lost connection, and keeps unsent
// messages in an outbox (localStorage) until the server acknowledges them.
(() => {
  "use strict";

  const root = document.querySelector("[data-chat]");
  if (!root || !("WebSocket" in window)) return;

  const TYPING_SEND_EVERY = 3000; // ms between our own "typing" messages
  const TYPING_SHOWN_FOR = 5000; // ms a "typing" from someone else stays on screen
  const PING_EVERY = 25000;
  const SILENCE_LIMIT = 65000; // no frame (not even a pong) for this long: the link is dead
  const MAX_IMAGES = 6;

  const data = root.dataset;
  const me = Number(data.personId);
  let isStaff = data.isStaff === "true";
  const view = data.view; // "room" or "thread"
  const threadId = Number(data.threadId || 0) || null;
  const isLatest = data.isLatest === "true";
  let reactions = [];
  try {
    reactions = JSON.parse(document.getElementById("chat-reactions").textContent);
  } catch (error) {
    reactions = [];
  }

  const threadList = root.querySelector("[data-thread-list]");
  const replyList = root.querySelector("[data-reply-list]");
  const errors = root.querySelector("[data-errors]");
  const connection = root.querySelector("[data-connection]");
  const presence = root.querySelector("[data-presence]");
  const typingLine = root.querySelector("[data-typing]");
  const composer = root.querySelector("[data-composer]");

  let lastEventId = Number(data.lastEventId || 0);
  const applied = new Map(); // message id -> the newest event id applied to it
  const stashed = new Map(); // message id -> html that arrived while its editor was open
  let socket = null;
  let isCaughtUp = false;
  let attempts = 0;
  let reconnectTimer = null;
  let pingTimer = null;
  let lastFrameAt = 0;
  let everConnected = false;
  let isRefused = false;

  // Helpers ----------------------------------------------------------------------------------

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    const bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (let i = 0; i < bytes.length; i += 1) bytes[i] = Math.floor(Math.random() * 256);
    }
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function fromHtml(html) {
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function el(tag, attributes, text) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function threadUrl(id) {
    return data.threadUrl.replace(/0\/$/, `${id}/`);
  }

  function replyLabel(count, isClosed) {
    if (!count) return isClosed ? "Open thread" : "Reply";
    return `${count} ${count === 1 ? "reply" : "replies"}`;
  }

  function showError(message) {
    if (!errors || !message) return;
    const line = el("p");
    line.append(el("span", {}, message));
    const dismiss = el("button", { type: "button", "aria-label": "Dismiss" }, "×");
    dismiss.addEventListener("click", () => line.remove());
    line.append(dismiss);
    errors.append(line);
    while (errors.children.length > 3) errors.firstElementChild.remove();
    setTimeout(() => line.remove(), 12000);
  }

  function setConnection(state) {
    if (!connection) return;
    const labels = {
      connecting: "Connecting…",
      reconnecting: "Reconnecting…",
      offline: "Offline: what you write is sent when the connection is back",
      refused: "Not connected",
    };
    connection.dataset.state = state;
    connection.textContent = labels[state] || "";
    connection.hidden = !labels[state];
    if (presence && state !== "live") presence.hidden = true;
  }

  // The outbox: messages written here and not yet acknowledged ------------------------------

  function loadOutbox() {
    try {
      const items = JSON.parse(localStorage.getItem(data.outboxKey) || "[]");
      return Array.isArray(items) ? items.filter((item) => item && item.client_id) : [];
    } catch (error) {
      return [];
    }
  }

  function saveOutbox(items) {
    try {
      localStorage.setItem(data.outboxKey, JSON.stringify(items));
    } catch (error) {
      // Storage full or refused (private mode): the message still goes out if we are online.
    }
  }

  function addToOutbox(item) {
    saveOutbox([...loadOutbox(), item]);
  }

  function dropFromOutbox(clientId) {
    const items = loadOutbox();
    const dropped = items.find((item) => item.client_id === clientId);
    saveOutbox(items.filter((item) => item.client_id !== clientId));
    return dropped;
  }

  function sendPost(item) {
    return send({
      type: "post",
      client_id: item.client_id,
      body: item.body,
      thread_id: item.thread_id,
      image_ids: item.image_ids || [],
      is_paid_only: Boolean(item.is_paid_only),
      are_replies_closed: Boolean(item.are_replies_closed),
    });
  }

  function flushOutbox() {
    for (const item of loadOutbox()) sendPost(item);
  }

  // A message on its way, shown where it will land until the server's event replaces it.
  function pendingNode(item) {
    const article = el("article", {
      class: `chat-message chat-message--pending ${item.thread_id ? "chat-message--reply" : "chat-message--thread"}`,
      "data-pending": item.client_id,
    });
    const meta = el("p", { class: "chat-message__meta" });
    meta.append(el("span", { class: "chat-message__author" }, "You"));
    meta.append(el("span", { class: "chat-message__sending" }, "Sending…"));
    article.append(meta);
    if (item.body) {
      const body = el("div", { class: "chat-message__body" });
      body.style.whiteSpace = "pre-wrap";
      body.textContent = item.body;
      article.append(body);
    }
    if (item.image_ids && item.image_ids.length) {
      const count = item.image_ids.length;
      article.append(el("p", { class: "chat-message__sending" }, `${count} ${count === 1 ? "image" : "images"}`));
    }
    if (item.thread_id) return article;
    const li = el("li", { class: "chat-thread", "data-pending-item": item.client_id });
    li.append(article);
    return li;
  }

  function showPending(item) {
    if (item.thread_id === null && view === "room" && threadList && isLatest) {
      removeEmpty(threadList);
      threadList.prepend(pendingNode(item));
    } else if (item.thread_id && view === "thread" && item.thread_id === threadId && replyList && isLatest) {
      removeEmpty(replyList);
      const node = pendingNode(item);
      replyList.append(node);
      node.scrollIntoView({ block: "nearest" });
    }
  }

  function removePending(clientId) {
    const selector = `[data-pending-item="${CSS.escape(clientId)}"], [data-pending="${CSS.escape(clientId)}"]`;
    root.querySelectorAll(selector).forEach((node) => node.remove());
  }

  function removeEmpty(list) {
    list.querySelectorAll("[data-empty]").forEach((node) => node.remove());
  }

  // The socket -------------------------------------------------------------------------------

  function socketUrl() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const port = Number(data.socketPort || 0);
    const host = port ? `${location.hostname}:${port}` : location.host;
    return `${scheme}//${host}${data.socketPath}`;
  }

  function send(message) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  function sendWhenLive(message) {
    if (isCaughtUp && send(message)) return true;
    showError("Not connected right now. Try again in a moment.");
    return false;
  }

  function connect() {
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    if (isRefused || socket) return;
    setConnection(everConnected ? "reconnecting" : "connecting");
    let ws;
    try {
      ws = new WebSocket(socketUrl());
    } catch (error) {
      scheduleReconnect();
      return;
    }
    socket = ws;
    isCaughtUp = false;
    ws.addEventListener("open", () => {
      if (socket !== ws) return;
      lastFrameAt = Date.now();
      ws.send(JSON.stringify({ type: "hello", after: lastEventId }));
      clearInterval(pingTimer);
      pingTimer = setInterval(heartbeat, PING_EVERY);
    });
    ws.addEventListener("message", (event) => {
      if (socket !== ws) return;
      lastFrameAt = Date.now();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      handle(message);
    });
    ws.addEventListener("close", (event) => {
      if (socket !== ws) return;
      lost();
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) {
        // Refused for good (the server sent its reason as an error just before): stop trying.
        isRefused = true;
        setConnection("refused");
        return;
      }
      scheduleReconnect();
    });
  }

  function lost() {
    socket = null;
    isCaughtUp = false;
    clearInterval(pingTimer);
    pingTimer = null;
  }

  function heartbeat() {
    if (!socket) return;
    if (Date.now() - lastFrameAt > SILENCE_LIMIT) {
      // A link that died without a close frame: give up on it and start again.
      const dead = socket;
      lost();
      try {
        dead.close();
      } catch (error) {
        // already closing
      }
      scheduleReconnect();
      return;
    }
    send({ type: "ping" });
  }

  function scheduleReconnect() {
    if (isRefused || reconnectTimer) return;
    setConnection(navigator.onLine === false ? "offline" : "reconnecting");
    const base = Math.min(30000, 1000 * 2 ** attempts);
    const delay = Math.min(30000, base * (0.75 + Math.random() * 0.5));
    attempts += 1;
    reconnectTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    if (socket || isRefused) return;
    attempts = 0;
    connect();
  }

  window.addEventListener("online", reconnectNow);
  window.addEventListener("offline", () => {
    if (!socket) setConnection("offline");
  });
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    reconnectNow();
    markRead();
  });

  // What the server says ---------------------------------------------------------------------

  function handle(message) {
    switch (message.type) {
      case "welcome":
        isStaff = Boolean(message.is_staff);
        // Sent again when the staff mute or unmute this person: the composer follows.
        if (composer) composer.hidden = Boolean(message.is_muted);
        if (message.is_muted) {
          showError("The publication has muted you in its chat: you can read, but not post.");
        }
        break;
      case "event":
        applyEvent(message);
        break;
      case "caught_up":
        lastEventId = Math.max(lastEventId, Number(message.last_event_id) || 0);
        if (message.truncated) {
          send({ type: "hello", after: lastEventId });
          break;
        }
        isCaughtUp = true;
        everConnected = true;
        attempts = 0;
        setConnection("live");
        flushOutbox();
        markRead();
        break;
      case "ack": {
        dropFromOutbox(message.client_id);
        if (message.message_id && document.getElementById(`message-${message.message_id}`)) {
          removePending(message.client_id);
        }
        break;
      }
      case "error": {
        showError(message.message);
        if (message.client_id) {
          const item = dropFromOutbox(message.client_id);
          removePending(message.client_id);
          restoreDraft(item);
        }
        break;
      }
      case "presence":
        showPresence(Number(message.count) || 0);
        break;
      case "typing":
        showTyping(message);
        break;
      default:
        break;
    }
  }

  function restoreDraft(item) {
    // A refused message goes back into its empty composer, so the words are not lost.
    if (!item || !composer || composer.hidden) return;
    const sameThread = (Number(composer.dataset.threadId) || null) === (item.thread_id || null);
    const textarea = composer.querySelector("textarea");
    if (sameThread && textarea && !textarea.value.trim()) textarea.value = item.body || "";
  }

  function showPresence(count) {
    if (!presence) return;
    presence.textContent = `${count} ${count === 1 ? "person" : "people"} here`;
    presence.hidden = count < 1;
  }

  // Applying events --------------------------------------------------------------------------

  function applyEvent(event) {
    const message = event.message;
    if (!message || typeof message.id !== "number") return;
    // Until caught_up, events may skip ahead of the replay (live ones sent before our hello):
    // only caught_up says everything up to its id has arrived.
    if (isCaughtUp) lastEventId = Math.max(lastEventId, event.id);
    if ((applied.get(message.id) || 0) >= event.id) return; // seen this change, or a newer one
    const isFirstSight = !applied.has(message.id) && !document.getElementById(`message-${message.id}`);
    applied.set(message.id, event.id);
    if (message.author_id === me && message.client_id) removePending(message.client_id);
    if (event.kind === "posted") stopTyping(message.author_id);
    if (view === "room") applyToRoom(event, message, isFirstSight);
    else applyToThread(message);
  }

  function upsertMessage(message) {
    const current = document.getElementById(`message-${message.id}`);
    if (!current) return null;
    if (current.dataset.editing === "true") {
      stashed.set(message.id, message.html);
      return current;
    }
    const fresh = fromHtml(message.html);
    decorate(fresh);
    current.replaceWith(fresh);
    return fresh;
  }

  function threadItem(id) {
    return threadList ? threadList.querySelector(`[data-thread-item="${id}"]`) : null;
  }

  function setReplyCount(item, count) {
    const article = item.querySelector(".chat-message--thread");
    const isClosed = Boolean(article && article.dataset.repliesClosed === "true");
    const label = item.querySelector("[data-reply-label]");
    if (label) label.textContent = replyLabel(count, isClosed);
    showUnread(item, count);
  }

  // Unread replies: the page's count, plus replies that arrived since (by id, so a replayed
  // reply is counted once, and a reply deleted or hidden stops counting), never more than the
  // replies the thread shows.
  const liveUnread = new Map(); // thread id -> Set of reply ids
  function showUnread(item, replyCount) {
    const unread = item.querySelector("[data-unread]");
    const count = item.querySelector("[data-unread-count]");
    if (!unread || !count) return;
    if (!("baseUnread" in item.dataset)) item.dataset.baseUnread = String(Number(count.textContent) || 0);
    const live = liveUnread.get(Number(item.dataset.threadItem));
    let total = Number(item.dataset.baseUnread) + (live ? live.size : 0);
    if (typeof replyCount === "number") total = Math.min(total, replyCount);
    count.textContent = String(Math.max(0, total));
    unread.hidden = total < 1;
  }

  function newThreadItem(message) {
    const li = el("li", { class: "chat-thread chat-thread--new", "data-thread-item": String(message.id) });
    const article = fromHtml(message.html);
    decorate(article);
    li.append(article);
    const footer = el("p", { class: "chat-thread__footer" });
    const link = el("a", { class: "chat-thread__link", href: threadUrl(message.id) });
    link.append(el("span", { "data-reply-label": "" }, replyLabel(message.reply_count, article.dataset.repliesClosed === "true")));
    footer.append(link);
    const unread = el("span", { class: "chat-unread", "data-unread": "" });
    unread.hidden = true;
    unread.append(el("span", { "data-unread-count": "" }, "0"), " new");
    unread.append(el("span", { class: "visually-hidden" }, " replies"));
    footer.append(unread);
    li.append(footer);
    return li;
  }

  function applyToRoom(event, message, isFirstSight) {
    if (!threadList) return;
    if (message.thread_id === null) {
      const item = threadItem(message.id);
      if (item) {
        upsertMessage(message);
        setReplyCount(item, message.reply_count);
      } else if (isLatest && (message.is_visible || message.reply_count > 0)) {
        removeEmpty(threadList);
        threadList.prepend(newThreadItem(message));
      }
      return;
    }
    const item = threadItem(message.thread_id);
    if (!item) return;
    let live = liveUnread.get(message.thread_id);
    if (!live) {
      live = new Set();
      liveUnread.set(message.thread_id, live);
    }
    const countedUpTo = Number(item.dataset.countedUpTo) || 0;
    if (!message.is_visible || message.author_id === me) live.delete(message.id);
    else if (event.kind === "posted" && message.id > countedUpTo) live.add(message.id);
    setReplyCount(item, message.reply_count);
    if (event.kind !== "posted" || !isFirstSight) return;
    // The newest activity goes first, as on the server's page.
    if (isLatest && threadList.firstElementChild !== item) {
      const firstReal = threadList.querySelector("[data-thread-item]");
      threadList.insertBefore(item, firstReal);
    }
  }

  function applyToThread(message) {
    if (message.id === threadId) {
      upsertMessage(message);
      updateReplyCount(message.reply_count);
      updateReplyArea(message);
      return;
    }
    if (message.thread_id !== threadId || !replyList) return;
    updateReplyCount(message.reply_count);
    if (upsertMessage(message) || !isLatest) return;
    removeEmpty(replyList);
    const article = fromHtml(message.html);
    decorate(article);
    const nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 200;
    replyList.append(article);
    if (nearBottom && message.author_id !== me) article.scrollIntoView({ block: "nearest" });
    markRead();
  }

  function updateReplyCount(count) {
    const counter = root.querySelector("[data-reply-count]");
    if (counter && typeof count === "number") counter.textContent = String(count);
  }

  function updateReplyArea(message) {
    // Replies turned off (or the thread deleted) while the page is open.
    const area = root.querySelector("[data-reply-area]");
    if (!area || !composer) return;
    const article = document.getElementById(`message-${message.id}`);
    const isClosed = article && article.dataset.repliesClosed === "true" && !isStaff;
    const isGone = !message.is_visible;
    let note = area.querySelector("[data-reply-refusal]");
    if (isClosed || isGone) {
      composer.hidden = true;
      if (!note) {
        note = el("p", { class: "chat-note", "data-reply-refusal": "" });
        area.prepend(note);
      }
      note.textContent = isGone ? "This thread was removed, so it takes no more replies." : "Replies are turned off for this thread.";
    } else if (note && composer.hidden) {
      note.remove();
      composer.hidden = false;
    }
  }

  // Reading marks ----------------------------------------------------------------------------

  let lastReadSent = 0;
  function markRead() {
    if (view !== "thread" || !isCaughtUp || document.visibilityState !== "visible") return;
    const ids = Array.from(root.querySelectorAll(".chat-message[data-message-id]"), (node) => Number(node.dataset.messageId));
    const newest = Math.max(0, ...ids);
    if (newest > lastReadSent && send({ type: "read", thread_id: threadId, message_id: newest })) {
      lastReadSent = newest;
    }
  }

  // Typing -----------------------------------------------------------------------------------

  const typists = new Map(); // person id -> { name, timer }
  function showTyping(message) {
    if (!typingLine || message.person_id === me) return;
    const where = message.thread_id || null;
    if (where !== (view === "thread" ? threadId : null)) return;
    const previous = typists.get(message.person_id);
    if (previous) clearTimeout(previous.timer);
    const timer = setTimeout(() => {
      typists.delete(message.person_id);
      renderTyping();
    }, TYPING_SHOWN_FOR);
    typists.set(message.person_id, { name: message.name || "Someone", timer });
    renderTyping();
  }

  function stopTyping(personId) {
    const typist = typists.get(personId);
    if (!typist) return;
    clearTimeout(typist.timer);
    typists.delete(personId);
    renderTyping();
  }

  function renderTyping() {
    if (!typingLine) return;
    const names = Array.from(typists.values(), (typist) => typist.name);
    if (!names.length) typingLine.textContent = "";
    else if (names.length === 1) typingLine.textContent = `${names[0]} is typing…`;
    else if (names.length === 2) typingLine.textContent = `${names[0]} and ${names[1]} are typing…`;
    else typingLine.textContent = "Several people are typing…";
  }

  // Per-viewer controls on a message ---------------------------------------------------------

  function decorate(article) {
    if (!article || !article.matches(".chat-message")) return;
    article.querySelectorAll(".chat-reaction").forEach((button) => {
      const people = (button.dataset.people || "").split(",").filter(Boolean).map(Number);
      button.setAttribute("aria-pressed", String(people.includes(me)));
    });
    if (article.classList.contains("chat-message--gone")) return;
    const authorId = Number(article.dataset.authorId);
    const isOwn = authorId === me;
    const isThread = !article.dataset.threadId;
    const actions = el("div", { class: "chat-actions" });
    const picker = el("span", { class: "chat-picker", role: "group", "aria-label": "Reactions to choose from" });
    picker.hidden = true;
    for (const { reaction, emoji } of reactions) {
      const choice = el("button", { type: "button", "data-action": "react", "data-reaction": reaction, "aria-label": `React with ${emoji}` }, emoji);
      picker.append(choice);
    }
    actions.append(el("button", { type: "button", class: "chat-action", "data-action": "pick", "aria-expanded": "false" }, "React"));
    actions.append(picker);
    if (isOwn) {
      actions.append(el("button", { type: "button", class: "chat-action", "data-action": "edit" }, "Edit"));
      actions.append(el("button", { type: "button", class: "chat-action", "data-action": "delete" }, "Delete"));
    }
    if (isThread && (isOwn || isStaff)) {
      const isClosed = article.dataset.repliesClosed === "true";
      actions.append(el("button", { type: "button", class: "chat-action", "data-action": "close-replies", "data-closed": String(!isClosed) }, isClosed ? "Turn replies on" : "Turn replies off"));
    }
    if (isStaff && !isOwn) {
      actions.append(el("button", { type: "button", class: "chat-action", "data-action": "hide" }, "Hide"));
      actions.append(el("button", { type: "button", class: "chat-action", "data-action": "mute" }, "Mute author"));
    }
    article.append(actions);
  }

  function messageOf(node) {
    const article = node.closest(".chat-message[data-message-id]");
    return article ? { article, id: Number(article.dataset.messageId) } : null;
  }

  function startEditing(article, id) {
    if (article.dataset.editing === "true") return;
    const body = article.querySelector(".chat-message__body");
    const form = el("form", { class: "chat-edit" });
    const label = el("label", { class: "visually-hidden", for: `edit-${id}` }, "Edit your message");
    const textarea = el("textarea", { id: `edit-${id}`, rows: "3" });
    textarea.value = body ? body.innerText.trim() : "";
    const bar = el("div", { class: "chat-edit__bar" });
    const cancel = el("button", { type: "button", class: "button button--quiet" }, "Cancel");
    bar.append(cancel, el("button", { type: "submit", class: "button" }, "Save"));
    form.append(label, textarea, bar);
    article.dataset.editing = "true";
    if (body) body.hidden = true;
    article.querySelector(".chat-actions").before(form);
    textarea.focus();
    const finish = () => {
      form.remove();
      if (body) body.hidden = false;
      delete article.dataset.editing;
      if (stashed.has(id)) {
        const html = stashed.get(id);
        stashed.delete(id);
        upsertMessage({ id, html });
      }
    };
    cancel.addEventListener("click", finish);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      if (sendWhenLive({ type: "edit", message_id: id, body: textarea.value })) finish();
    });
  }

  root.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button || !root.contains(button)) return;
    const target = messageOf(button);
    if (!target) return;
    const action = button.classList.contains("chat-reaction") ? "react" : button.dataset.action;
    if (!action) return;
    switch (action) {
      case "pick": {
        const picker = target.article.querySelector(".chat-picker");
        picker.hidden = !picker.hidden;
        button.setAttribute("aria-expanded", String(!picker.hidden));
        if (!picker.hidden) picker.querySelector("button").focus();
        break;
      }
      case "react":
        sendWhenLive({ type: "react", message_id: target.id, reaction: button.dataset.reaction });
        break;
      case "edit":
        startEditing(target.article, target.id);
        break;
      case "delete":
        if (window.confirm("Delete this message?")) sendWhenLive({ type: "delete", message_id: target.id });
        break;
      case "hide":
        if (window.confirm("Hide this message from everyone?")) sendWhenLive({ type: "hide", message_id: target.id });
        break;
      case "mute": {
        const author = target.article.querySelector(".chat-message__author");
        const name = author ? author.textContent : "this person";
        if (window.confirm(`Mute ${name}? They can still read, but not post, reply or react.`)) {
          sendWhenLive({ type: "mute", person_id: Number(target.article.dataset.authorId) });
        }
        break;
      }
      case "close-replies":
        sendWhenLive({ type: "close_replies", thread_id: target.id, closed: button.dataset.closed === "true" });
        break;
      default:
        break;
    }
  });

  // The composer -----------------------------------------------------------------------------

  function setUpComposer(form) {
    const textarea = form.querySelector("textarea");
    const fileInput = form.querySelector("[data-image-input]");
    const previews = form.querySelector("[data-image-previews]");
    const csrf = form.querySelector("[name=csrfmiddlewaretoken]");
    const formThreadId = Number(form.dataset.threadId) || null;
    let images = []; // { id, node } once uploaded, { id: null } while uploading
    let lastTypingAt = 0;
    form.hidden = false;

    textarea.addEventListener("input", () => {
      const now = Date.now();
      if (now - lastTypingAt < TYPING_SEND_EVERY || !isCaughtUp) return;
      lastTypingAt = now;
      send({ type: "typing", thread_id: formThreadId });
    });
    textarea.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.metaKey || event.ctrlKey)) form.requestSubmit();
    });

    async function upload(file) {
      const node = el("div", { class: "chat-preview", "data-state": "uploading" });
      // Shown from the stored copy once uploaded: the page's CSP does not allow blob: images.
      const image = el("img", { alt: `Uploading ${file.name}` });
      const remove = el("button", { type: "button", "aria-label": `Remove ${file.name}` }, "×");
      node.append(image, remove);
      previews.append(node);
      const entry = { id: null, node };
      images.push(entry);
      remove.addEventListener("click", () => {
        images = images.filter((other) => other !== entry);
        node.remove();
      });
      const body = new FormData();
      body.append("image", file);
      try {
        const response = await fetch(data.uploadUrl, {
          method: "POST",
          body,
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrf ? csrf.value : "", Accept: "application/json" },
        });
        let result = {};
        try {
          result = await response.json();
        } catch (error) {
          result = {};
        }
        if (!response.ok || !result.id) throw new Error(result.error || `The upload failed (${response.status}). Try again.`);
        entry.id = result.id;
        image.src = result.url;
        node.dataset.state = "done";
        image.alt = file.name;
      } catch (error) {
        images = images.filter((other) => other !== entry);
        node.remove();
        showError(error.message && !error.message.startsWith("NetworkError") && !error.message.startsWith("Failed to fetch") ? error.message : "The image could not be uploaded: check the connection and try again.");
      }
    }

    if (fileInput) {
      fileInput.addEventListener("change", () => {
        const files = Array.from(fileInput.files || []);
        fileInput.value = "";
        const room = MAX_IMAGES - images.length;
        if (files.length > room) showError(`A thread can have at most ${MAX_IMAGES} images.`);
        files.slice(0, Math.max(0, room)).forEach(upload);
      });
    }

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = textarea.value.trim();
      if (images.some((entry) => entry.id === null)) {
        showError("Wait a moment: an image is still uploading.");
        return;
      }
      const imageIds = images.map((entry) => entry.id);
      if (!body && !imageIds.length) {
        showError("Write something first.");
        textarea.focus();
        return;
      }
      const paidOnly = form.querySelector("[name=is_paid_only]");
      const closed = form.querySelector("[name=are_replies_closed]");
      const item = {
        client_id: newClientId(),
        body,
        thread_id: formThreadId,
        image_ids: imageIds,
        is_paid_only: Boolean(paidOnly && paidOnly.checked),
        are_replies_closed: Boolean(closed && closed.checked),
      };
      addToOutbox(item);
      showPending(item);
      textarea.value = "";
      images.forEach((entry) => entry.node.remove());
      images = [];
      if (paidOnly) paidOnly.checked = false;
      if (closed) closed.checked = false;
      if (isCaughtUp) sendPost(item);
      textarea.focus();
    });
  }

  // Start ------------------------------------------------------------------------------------

  root.classList.add("chat-ready");
  root.querySelectorAll(".chat-message[data-message-id]").forEach(decorate);
  if (composer) setUpComposer(composer);
  // Messages written before a reload or while offline, shown where they will land.
  for (const item of loadOutbox()) showPending(item);
  connect();
})();
