// The console's keys: Alt+Shift and a letter uses the control that declares it in aria-keyshortcuts
// (announced by screen readers, listed on the screen). A button or link is pressed; a field, a list
// or the player gets the focus. Browsers' own accesskeys are not used: Chromium keeps Alt+D, E and
// F for itself, a Mac turns Option+letter into other characters, and they cannot be tested.
"use strict";

document.addEventListener("keydown", (event) => {
  if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) {
    return;
  }
  const letter = /^Key([A-Z])$/.exec(event.code);
  if (!letter) {
    return;
  }
  const target = document.querySelector(`[aria-keyshortcuts="Alt+Shift+${letter[1]}"]`);
  if (!target) {
    return;
  }
  event.preventDefault();
  if (target.matches("button, a[href]")) {
    target.focus();
    target.click();
  } else {
    target.focus();
  }
});
