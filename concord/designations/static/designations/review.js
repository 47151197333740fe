// Review queue shortcuts: s (same), d (different), u (unsure) press the matching button.
// Looked up at each key press, so they keep working after HTMX swaps in the next pair.
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  var target = event.target;
  if (target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) return;
  var button = document.querySelector('#review-panel button[data-shortcut="' + event.key.toLowerCase() + '"]');
  if (button && !button.disabled) {
    event.preventDefault();
    button.click();
  }
});
