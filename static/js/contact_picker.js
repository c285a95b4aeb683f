// The people picker (contacts/widgets/contact_picker.html): pick a search result as a
// chip, remove a chip. One document listener, however many pickers or swaps.
if (!window.kwPicker) {
  window.kwPicker = true;
  document.addEventListener("click", function (e) {
    var remove = e.target.closest(".picker-remove");
    if (remove) { remove.closest(".picker-chip").remove(); return; }
    var pick = e.target.closest(".picker-pick");
    if (!pick) return;
    e.preventDefault();
    var picker = pick.closest(".contact-picker");
    var chosen = picker.querySelector(".picker-chosen");
    var search = picker.querySelector(".picker-search");
    var done = function () { picker.querySelector(".picker-results").innerHTML = ""; search.value = ""; search.focus(); };
    if (chosen.querySelector('input[value="' + pick.dataset.id + '"]')) { done(); return; }  // already chosen
    if (picker.dataset.single) chosen.innerHTML = "";
    var chip = document.createElement("span");
    chip.className = "badge rounded-pill text-bg-light border picker-chip";
    var box = document.createElement("input");
    box.type = "checkbox"; box.name = picker.dataset.name; box.value = pick.dataset.id; box.checked = true; box.hidden = true;
    var close = document.createElement("button");
    close.type = "button"; close.className = "btn-close ms-1 picker-remove kw-chip-close";
    close.setAttribute("aria-label", "Remove " + pick.dataset.label);
    chip.appendChild(box); chip.appendChild(document.createTextNode(pick.dataset.label)); chip.appendChild(close);
    chosen.appendChild(chip);
    done();
  });
}
