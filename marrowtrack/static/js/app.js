// Small progressive enhancements; every page works without JavaScript.

// The navigation's "More" list closes with Escape (focus back on "More") or a click elsewhere.
document.addEventListener("keydown", (event) => {
  const open = document.querySelector("details.nav-more[open]");
  if (event.key === "Escape" && open) {
    open.open = false;
    open.querySelector("summary").focus();
  }
});
document.addEventListener("click", (event) => {
  const open = document.querySelector("details.nav-more[open]");
  if (open && !open.contains(event.target)) {
    open.open = false;
  }
});
document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr.status;
  if (status === 403 || status === 404) {
    window.location.reload();
  }
});
