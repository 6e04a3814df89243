// Shootouts list: clone and delete through the API ("New shootout" is a plain link).
import { api, describeError } from "./api.js";
import { setBusy } from "./forms.js";
import { renderLink, rendersByShootout } from "./render-links.js";

const errorSlot = document.getElementById("list-error");

for (const row of document.querySelectorAll("[data-shootout-id]")) {
  const id = row.dataset.shootoutId;
  const title = row.querySelector(".title").textContent;
  row.querySelector('[data-action="clone"]').addEventListener("click", async (event) => {
    setBusy(event.currentTarget, true, "Cloning…");
    try {
      const copy = await api("POST", `/api/v1/shootouts/${id}/clone`);
      location.assign(`/shootouts/${copy.id}`);
    } catch (err) {
      errorSlot.textContent = `Could not clone “${title}”: ${describeError(err)}`;
      setBusy(event.currentTarget, false);
    }
  });
  row.querySelector('[data-action="delete"]').addEventListener("click", async (event) => {
    if (!confirm(`Delete the shootout “${title}”? Its renders are kept.`)) return;
    setBusy(event.currentTarget, true, "Deleting…");
    try {
      await api("DELETE", `/api/v1/shootouts/${id}`);
      location.reload();
    } catch (err) {
      errorSlot.textContent = `Could not delete “${title}”: ${describeError(err)}`;
      setBusy(event.currentTarget, false);
    }
  });
}

// Each row links to its newest render, so results are one click away.
rendersByShootout(api).then((groups) => {
  for (const row of document.querySelectorAll("[data-shootout-id]")) {
    const renders = groups.get(row.dataset.shootoutId);
    if (renders?.length) row.querySelector(".renders").append("Latest render: ", renderLink(renders[0]));
  }
}).catch(() => {}); // the list is whole without them
