// Optional: a Copy button next to each Activation Code. Without
// JavaScript the buttons stay hidden and the code can be selected.
document.querySelectorAll(".code").forEach(function (box) {
  var code = box.querySelector("[data-activation-code]");
  var button = box.querySelector("[data-copy]");
  if (!code || !button || !navigator.clipboard) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(code.textContent.trim()).then(function () {
      button.textContent = "Copied";
    });
  });
});
