// Likes on posts, comments and notes without a page reload: sends the same form the button
// submits without JavaScript (forms marked data-like-form).
document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form[data-like-form]");
  if (!form) return;
  event.preventDefault();
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    // getAttribute: the hidden input named "action" shadows form.action.
    const response = await fetch(form.getAttribute("action"), {
      method: "POST",
      body: new FormData(form),
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) {
      form.submit(); // let the server explain (refusal page, sign-in) the ordinary way
      return;
    }
    const data = await response.json();
    form.elements.namedItem("action").value = data.is_liked ? "unlike" : "like";
    button.setAttribute("aria-pressed", String(data.is_liked));
    const count = form.querySelector("[data-like-count]");
    if (count) count.textContent = data.like_count;
    const label = form.querySelector("[data-like-label]");
    if (label) label.textContent = data.is_liked ? "Liked" : "Like";
    if (form.hasAttribute("data-post-like")) {
      const header = document.querySelector(".post__header .count--likes .count__number");
      if (header) header.textContent = data.like_count;
    }
  } catch (error) {
    form.submit();
  } finally {
    button.disabled = false;
  }
});
