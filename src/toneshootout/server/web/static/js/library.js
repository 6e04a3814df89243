// Library page: drag-and-drop uploads with per-file progress and the server's reason at a
// refused file; rename, tags and delete through the API. After a change the section's list is
// fetched again as HTML from the page (`/library/sections/<collection>`), so rows are drawn by
// one template only.
import { api, ApiError, csrfHeaders, describeError, errorFrom, refreshSession } from "./api.js";
import { clearErrors, setBusy, showFieldError, showProblems } from "./forms.js";

/** Upload one file with XMLHttpRequest (fetch has no upload progress); resolves to the item. */
function sendFile(collection, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", `/api/v1/${collection}`);
    for (const [name, value] of Object.entries(csrfHeaders("POST"))) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => e.lengthComputable && onProgress(e.loaded / e.total));
    xhr.addEventListener("load", () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = { error: "bad_response", detail: xhr.statusText }; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body);
      else reject(errorFrom(xhr.status, body));
    });
    xhr.addEventListener("error", () => reject(new TypeError("network error")));
    const form = new FormData();
    form.append("file", file, file.name);
    xhr.send(form);
  });
}

async function uploadWithRefresh(collection, file, onProgress) {
  try {
    return await sendFile(collection, file, onProgress);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && (await refreshSession())) {
      return sendFile(collection, file, onProgress);
    }
    throw err;
  }
}

function uploadRow(list, file) {
  const li = document.createElement("li");
  li.className = "upload";
  const name = document.createElement("div");
  name.className = "upload-name";
  name.textContent = file.name;
  const progress = document.createElement("progress");
  progress.max = 1;
  progress.value = 0;
  progress.setAttribute("aria-label", `Uploading ${file.name}`);
  const status = document.createElement("p");
  status.className = "upload-status";
  status.textContent = "Waiting…";
  li.append(name, status, progress);
  list.prepend(li);
  return { li, progress, status };
}

async function refreshSection(section) {
  const response = await fetch(`/library/sections/${section.dataset.collection}`, { credentials: "same-origin" });
  if (!response.ok) return;
  section.querySelector("[data-items]").innerHTML = await response.text();
}

async function uploadFiles(section, files) {
  const list = section.querySelector("[data-uploads]");
  const rows = [...files].map((file) => [file, uploadRow(list, file)]);
  const done = [];
  for (const [file, row] of rows) {  // one at a time: the server rate-limits uploads per user
    row.status.textContent = "Uploading…";
    try {
      await uploadWithRefresh(section.dataset.collection, file, (fraction) => {
        row.progress.value = fraction;
        row.status.textContent = fraction < 1 ? `Uploading… ${Math.round(fraction * 100)} %` : "Checking the file…";
      });
      row.progress.value = 1;
      row.status.className = "upload-status upload-done";
      row.status.textContent = "Added to your library.";
      done.push(row.li);
    } catch (err) {
      row.progress.remove();
      row.li.classList.add("refused");
      row.status.className = "upload-status upload-error";
      row.status.setAttribute("role", "alert");
      row.status.textContent = `Refused: ${describeError(err)}`;
    }
  }
  if (!done.length) return;
  await refreshSection(section);
  // The new rows are in the list now; refused files stay, with their reasons, until reload.
  setTimeout(() => done.forEach((li) => li.remove()), 5000);
}

function bindDropzone(section) {
  const zone = section.querySelector("[data-dropzone]");
  const input = section.querySelector("[data-upload-input]");
  const button = section.querySelector("[data-upload-button]");
  for (const type of ["dragenter", "dragover"]) {
    zone.addEventListener(type, (e) => { e.preventDefault(); zone.classList.add("dragover"); });
  }
  for (const type of ["dragleave", "drop"]) {
    zone.addEventListener(type, () => zone.classList.remove("dragover"));
  }
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    if (e.dataTransfer?.files?.length) uploadFiles(section, e.dataTransfer.files);
  });
  button.addEventListener("click", async () => {
    if (!input.files.length) { input.click(); return; }
    const files = [...input.files];
    input.value = "";
    setBusy(button, true, "Uploading…");
    await uploadFiles(section, files);
    setBusy(button, false);
  });
}

function parseTags(text) {
  return text.split(",").map((t) => t.trim()).filter(Boolean);
}

async function saveEdit(section, row, form) {
  clearErrors(form);
  const id = row.dataset.itemId;
  const body = { name: form.name.value.trim(), tags: parseTags(form.tags.value) };
  if (!body.name) { showFieldError(form, `name-${id}`, "A name is required."); return; }
  const button = form.querySelector("button[type=submit]");
  setBusy(button, true, "Saving…");
  try {
    await api("PATCH", `/api/v1/${section.dataset.collection}/${id}`, body);
    await refreshSection(section);
  } catch (err) {
    setBusy(button, false);
    if (err instanceof ApiError && err.problems.length) {
      showProblems(form, err.problems, (path) => (path.startsWith("tags") ? `tags-${id}` : `name-${id}`));
    } else if (err instanceof ApiError && err.error === "invalid_name") {
      showFieldError(form, `name-${id}`, err.detail);
    } else {
      showFieldError(form, `name-${id}`, describeError(err));
    }
  }
}

async function deleteItem(section, row, button, force = false) {
  const slot = row.querySelector("[data-item-error]");
  const name = row.dataset.name;
  if (!force && !confirm(`Delete “${name}” from your library?`)) return;
  slot.textContent = "";
  setBusy(button, true, "Deleting…");
  try {
    await api("DELETE", `/api/v1/${section.dataset.collection}/${row.dataset.itemId}${force ? "?force=true" : ""}`);
    await refreshSection(section);
  } catch (err) {
    setBusy(button, false);
    slot.textContent = describeError(err);
    if (err instanceof ApiError && err.error === "item_in_use") {
      // The API's detail speaks to API clients (force=true); say it in the page's words.
      const count = err.body?.shootout_count;
      const label = section.dataset.label;
      if (typeof count === "number") {
        slot.textContent = `This ${label} is used by ${count} shootout${count === 1 ? "" : "s"}; deleting it removes it from ${count === 1 ? "that shootout" : "them"}.`;
      }
      const again = document.createElement("button");
      again.type = "button";
      again.className = "small danger";
      again.textContent = "Delete anyway";
      again.addEventListener("click", () => deleteItem(section, row, again, true));
      slot.append(" ", again);
    }
  }
}

function bindItems(section) {
  section.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-action]");
    const row = button?.closest("[data-item-id]");
    if (!row) return;
    if (button.dataset.action === "edit") {
      const form = row.querySelector("form.item-edit");
      form.hidden = !form.hidden;
      button.setAttribute("aria-expanded", String(!form.hidden));
      if (!form.hidden) form.querySelector("input").focus();
    } else if (button.dataset.action === "delete") {
      deleteItem(section, row, button);
    }
  });
  section.addEventListener("submit", (event) => {
    const form = event.target.closest("form.item-edit");
    if (!form) return;
    event.preventDefault();
    saveEdit(section, form.closest("[data-item-id]"), form);
  });
}

// Files dropped outside a section would otherwise be opened by the browser, leaving the page.
for (const type of ["dragover", "drop"]) document.addEventListener(type, (e) => e.preventDefault());

for (const section of document.querySelectorAll(".library-section")) {
  bindDropzone(section);
  bindItems(section);
}
