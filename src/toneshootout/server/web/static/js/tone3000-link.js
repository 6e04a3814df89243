// Account page, TONE3000 section: Link leaves for TONE3000's sign-in (the server hands out the
// URL and keeps the PKCE secrets), Unlink deletes the link and its tokens. Errors show at the
// section, in the server's words (e.g. why an account that signs in only with TONE3000 cannot
// be unlinked).
import { api, describeError } from "./api.js";
import { setBusy, wired } from "./forms.js";

const section = document.getElementById("t3k-section");
const errorSlot = document.getElementById("t3k-error");

async function act(button, busyLabel, action) {
  errorSlot.textContent = "";
  setBusy(button, true, busyLabel);
  try {
    await action();
  } catch (err) {
    errorSlot.textContent = describeError(err);
    setBusy(button, false);
  }
}

const link = document.getElementById("t3k-link");
link?.addEventListener("click", () =>
  act(link, "Opening TONE3000…", async () => {
    const { authorize_url: url } = await api("POST", "/api/v1/auth/tone3000/link");
    location.assign(url);
  }),
);

const unlink = document.getElementById("t3k-unlink");
unlink?.addEventListener("click", () =>
  act(unlink, "Unlinking…", async () => {
    await api("DELETE", "/api/v1/auth/tone3000/link");
    location.assign("/account?t3k=unlinked");
  }),
);

wired(section);
