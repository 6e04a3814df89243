// Landing page: "Try the demo" puts the demo material in your library (POST /api/v1/demo)
// and opens the ready-made shootout. Signed-out visitors sign up first and come back with
// ?demo=1, which starts it at once.
import { api, describeError } from "./api.js";
import { setBusy } from "./forms.js";

const button = document.getElementById("try-demo");
const status = document.getElementById("demo-status");

async function tryDemo() {
  setBusy(button, true, "Preparing the demo…");
  status.className = "status";
  status.textContent = "Putting the demo DI, captures and IRs in your library…";
  try {
    const { shootout_id: id } = await api("POST", "/api/v1/demo");
    location.assign(`/shootouts/${encodeURIComponent(id)}`);
  } catch (err) {
    status.className = "status bad";
    status.textContent = `The demo could not be prepared: ${describeError(err)}`;
    setBusy(button, false);
  }
}

if (button) {
  button.addEventListener("click", tryDemo);
  if (new URLSearchParams(location.search).get("demo") === "1") {
    history.replaceState(null, "", "/");
    tryDemo();
  }
}
