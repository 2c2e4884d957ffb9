// The handout page: procedure type-ahead and a live preview. No framework; the page works without
// this file too (the form posts to /handout.pdf and errors come back beside the fields).
"use strict";

(function () {
  const form = document.getElementById("handout-form");
  if (!form) return;
  const search = document.getElementById("procedure");
  const list = document.getElementById("suggestions");
  const chips = document.getElementById("chips");
  const status = document.getElementById("status");
  let options = [];
  let active = -1;
  let typed = 0;

  // ---------------------------------------------------------------- type-ahead

  function closeList() {
    list.hidden = true;
    list.replaceChildren();
    search.setAttribute("aria-expanded", "false");
    search.removeAttribute("aria-activedescendant");
    options = [];
    active = -1;
  }

  function highlight(index) {
    active = index;
    Array.from(list.children).forEach((li, i) => li.setAttribute("aria-selected", i === index ? "true" : "false"));
    if (index >= 0) {
      search.setAttribute("aria-activedescendant", list.children[index].id);
      list.children[index].scrollIntoView({ block: "nearest" });
    }
  }

  function showOptions(found) {
    list.replaceChildren();
    options = found;
    found.forEach((option, i) => {
      const li = document.createElement("li");
      li.id = "option-" + i;
      li.setAttribute("role", "option");
      li.textContent = option.error ? option.label + ": " + option.error : option.label;
      if (option.error) li.className = "broken";
      li.addEventListener("mousedown", (event) => { event.preventDefault(); pick(i); });
      list.appendChild(li);
    });
    list.hidden = found.length === 0;
    search.setAttribute("aria-expanded", found.length ? "true" : "false");
    highlight(found.length ? 0 : -1);
  }

  async function suggest() {
    const query = search.value.trim();
    const mine = ++typed;
    if (!query) { closeList(); return; }
    const response = await fetch("/api/procedures?q=" + encodeURIComponent(query), { credentials: "same-origin" });
    if (mine !== typed || !response.ok) return;
    showOptions(await response.json());
  }

  function addChip(code, label) {
    if (Array.from(chips.querySelectorAll("input[name=codes]")).some((input) => input.value === code)) return;
    const li = document.createElement("li");
    li.className = "chip";
    const hidden = document.createElement("input");
    hidden.type = "hidden"; hidden.name = "codes"; hidden.value = code;
    const text = document.createElement("span");
    text.textContent = label;
    const remove = document.createElement("button");
    remove.type = "button"; remove.className = "remove"; remove.textContent = "✕";
    remove.setAttribute("aria-label", "Remove " + label);
    li.append(hidden, text, remove);
    chips.appendChild(li);
  }

  function pick(index) {
    const option = options[index];
    if (!option || option.error) return;
    addChip(option.code, option.label);
    search.value = "";
    closeList();
    search.focus();
    schedulePreview(0);
  }

  search.addEventListener("input", () => { suggest(); });
  search.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && options.length) { event.preventDefault(); highlight((active + 1) % options.length); }
    else if (event.key === "ArrowUp" && options.length) { event.preventDefault(); highlight((active - 1 + options.length) % options.length); }
    else if (event.key === "Enter" && !list.hidden && active >= 0) { event.preventDefault(); pick(active); }
    else if (event.key === "Escape") { closeList(); }
  });
  search.addEventListener("blur", () => setTimeout(closeList, 150));
  chips.addEventListener("click", (event) => {
    const button = event.target.closest("button.remove");
    if (!button) return;
    button.closest("li").remove();
    search.focus();
    schedulePreview(0);
  });

  // ---------------------------------------------------------------- live preview

  let timer = null;
  let sent = 0;
  // A field's error shows once the user has been there: "date is missing" while the name is still
  // being typed would only distract. Errors about the procedure, the layout or the whole form always show.
  const touched = new Set(["procedure", "layout", "form", "language"]);
  // An error the server already put on the page (the form was sent) stays until it is fixed.
  document.querySelectorAll("[data-error-for]").forEach((element) => {
    if (element.textContent.trim()) touched.add(element.getAttribute("data-error-for"));
  });
  function seen(field) {
    const input = document.getElementById(field);
    return touched.has(field) || (input !== null && input.value.trim() !== "");
  }
  form.addEventListener("focusout", (event) => { if (event.target.name) touched.add(event.target.name); });

  function schedulePreview(delay) {
    clearTimeout(timer);
    timer = setTimeout(preview, delay);
  }

  function showMessages(kind, messages) {
    document.querySelectorAll("[data-" + kind + "-for]").forEach((element) => {
      const field = element.getAttribute("data-" + kind + "-for");
      const lines = kind === "error" && !seen(field) ? [] : messages[field] || [];
      element.textContent = lines.join(" ");
      if (kind === "error") {
        const box = document.getElementById("field-" + field);
        if (box) box.classList.toggle("has-error", lines.length > 0);
        const input = document.getElementById(field);
        if (input) {
          if (lines.length) input.setAttribute("aria-invalid", "true"); else input.removeAttribute("aria-invalid");
        }
      }
    });
  }

  function showBox(title, rows) {
    const box = document.getElementById("box");
    const list = document.getElementById("box-rows");
    document.getElementById("box-title").textContent = title;
    list.replaceChildren();
    rows.forEach(([key, label, value]) => {
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = label; dd.textContent = value;
      if (key) { dt.className = "key-" + key; dd.className = "key-" + key; dd.id = "value-" + key; }
      list.append(dt, dd);
    });
    box.hidden = rows.length === 0;
  }

  function showPages(urls) {
    const pages = document.getElementById("pages");
    pages.replaceChildren();
    urls.forEach((url, i) => {
      const img = document.createElement("img");
      img.src = url;
      img.alt = "Page " + (i + 1) + " of " + urls.length + " of the handout";
      pages.appendChild(img);
    });
  }

  async function preview() {
    const hasProcedure = chips.querySelector("input[name=codes]") || search.value.trim();
    if (!hasProcedure) {
      status.textContent = "Pick a procedure to see the handout.";
      showBox("", []); showPages([]); showMessages("error", {}); showMessages("warning", {});
      return;
    }
    const mine = ++sent;
    status.textContent = "Making the handout…";
    const body = new FormData(form);
    body.delete("action");
    let response;
    try {
      response = await fetch("/api/preview", { method: "POST", body: body, credentials: "same-origin" });
    } catch (error) {
      if (mine === sent) status.textContent = "The server did not answer; is `handouts serve` still running?";
      return;
    }
    if (mine !== sent) return;  // a newer preview is on its way
    if ((response.headers.get("content-type") || "").indexOf("application/json") < 0) {
      status.textContent = await response.text();
      return;
    }
    const result = await response.json();
    if (mine !== sent) return;
    showMessages("error", result.errors || {});
    showMessages("warning", result.warnings || {});
    if (!response.ok) {
      const shown = Object.keys(result.errors || {}).some(seen);
      status.textContent = shown ? "Fix the fields marked in red to see the handout."
                                 : "Fill in the date and time to see the patient's handout.";
      showBox("", []); showPages([]);
      return;
    }
    const count = result.pages.length;
    status.textContent = "Ready: " + count + (count === 1 ? " page" : " pages") + ", " + result.filename;
    showBox(result.box_title, result.box);
    showPages(result.pages);
  }

  form.addEventListener("input", (event) => { if (event.target !== search) schedulePreview(350); });
  form.addEventListener("change", (event) => {
    if (event.target.name) touched.add(event.target.name);
    if (event.target !== search) schedulePreview(0);
  });
  if (chips.querySelector("input[name=codes]")) schedulePreview(0);
})();
