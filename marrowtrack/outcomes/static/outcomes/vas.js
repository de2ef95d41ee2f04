// The EQ VAS as a vertical slider on a phone. The number box stays the field that is sent:
// without this script the patient types the number; with it, moving the slider fills the
// box and typing moves the slider. Nothing is preset: the box stays empty until answered.
document.addEventListener("DOMContentLoaded", () => {
  for (const slider of document.querySelectorAll("input.vas-slider[data-number]")) {
    const box = document.getElementById(slider.dataset.number);
    if (!box) continue;
    slider.hidden = false;
    // No marker until the patient answers (a thumb in the middle would look like 50).
    if (box.value !== "") slider.value = box.value;
    else slider.classList.add("untouched");
    slider.addEventListener("input", () => {
      box.value = slider.value;
      slider.classList.remove("untouched");
    });
    box.addEventListener("input", () => {
      if (box.value === "") return;
      slider.value = box.value;
      slider.classList.remove("untouched");
    });
  }
});
