// A product's renewal link (renewseal.RequestURL) opens the renew page
// with the request in the fragment, "#request=" and the request
// percent-encoded, which the browser never sends to the server. On the
// log-in page the fragment is carried through the log-in; on the renew
// page it fills in the offline form and leaves the address bar. Without
// JavaScript the renew page says to paste the request.
function fillRequest() {
  var prefix = "#request=";
  if (location.hash.indexOf(prefix) !== 0) return;
  var login = document.querySelector('form[action^="/login"]');
  var box = document.getElementById("request");
  if (login && !box) {
    // The log-in's redirect keeps the fragment of the URL it answers.
    login.setAttribute("action", "/login" + location.hash);
    return;
  }
  if (!box) return;
  var text = null;
  try {
    text = decodeURIComponent(location.hash.slice(prefix.length));
  } catch (e) {}
  history.replaceState(null, "", location.pathname + location.search);
  var ok = text !== null && text.indexOf("-----BEGIN ") >= 0;
  if (ok) box.value = text;
  document.querySelector("[data-request-filled]").hidden = !ok;
  document.querySelector("[data-request-damaged]").hidden = ok;
  var section = document.getElementById("renew-offline");
  if (section) section.scrollIntoView();
  var key = document.getElementById("rk-offline");
  if (key) key.focus();
}
fillRequest();
// A link opened in a tab already at the page changes only the fragment.
window.addEventListener("hashchange", fillRequest);
