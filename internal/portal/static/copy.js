// Optional: a Copy button next to each Activation Code. Without
// JavaScript the buttons stay hidden and a click on the code selects it
// whole (user-select: all) for copying by hand.
document.querySelectorAll(".code").forEach(function (box) {
  var code = box.querySelector("[data-activation-code]");
  var button = box.querySelector("[data-copy]");
  if (!code || !button) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var text = code.textContent.trim();
    var done = function (ok) {
      // Where the browser refuses, the code is left selected to copy by hand.
      button.textContent = ok ? "Copied" : "Selected: press Ctrl+C";
    };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(text).then(function () { done(true); }, function () { done(copySelected(code)); });
      return;
    }
    // A page served over plain HTTP has no navigator.clipboard.
    done(copySelected(code));
  });
});

function copySelected(code) {
  var range = document.createRange();
  range.selectNodeContents(code);
  var sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  try { return document.execCommand("copy"); } catch (e) { return false; }
}
