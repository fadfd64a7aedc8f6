// The entry grid: column totals follow what is typed (numbers may be typed as 1.500.000); one
// group of indicators shows at a time; the error summary brings each wrong cell into view; and
// typed values are never lost without a word when the person leaves the page.
(function () {
  const form = document.getElementById("entry-form");
  if (!form) return;
  const format = new Intl.NumberFormat("vi-VN");
  const grid = form.querySelector(".entry-grid");
  const switches = document.querySelectorAll("[data-show-group]");
  const GROUP_KEY = "entry-group";

  function parse(text) {
    const digits = text.trim().replace(/[.\s\u00a0]/g, "");
    return /^\d+$/.test(digits) ? Number(digits) : 0;
  }

  function refresh(column) {
    let sum = 0;
    form.querySelectorAll(`input[data-col="${column}"]`).forEach((input) => {
      sum += parse(input.value);
    });
    const cell = form.querySelector(`[data-total="${column}"]`);
    if (cell) cell.textContent = format.format(sum);
  }

  // --- groups: every cell stays in the form (and is posted), only its column is hidden.
  function showGroup(group) {
    grid.querySelectorAll("[data-group]").forEach((cell) => {
      cell.hidden = Boolean(group) && cell.dataset.group !== group;
    });
    switches.forEach((button) => {
      const on = button.dataset.showGroup === group;
      button.classList.toggle("active", on);
      button.setAttribute("aria-pressed", String(on));
    });
    sessionStorage.setItem(GROUP_KEY, group);
  }

  function groupOf(input) {
    return input.closest("[data-group]").dataset.group;
  }

  // --- unsaved values: a cell whose text differs from the value stored (its hidden "s-"
  // twin), so values sent back by a refused save still count as unsaved.
  function unsaved(input) {
    const stored = form.elements[input.name.replace(/^v-/, "s-")];
    return input.value.replace(/[.\s\u00a0]/g, "") !== (stored ? stored.value : "");
  }

  function dirty() {
    return Array.from(form.querySelectorAll("input[data-col]")).some(unsaved);
  }

  const WARNING = "Bạn có số liệu vừa nhập chưa lưu. Rời trang thì các số này sẽ mất. Vẫn rời trang?";
  let leaving = false;

  form.addEventListener("input", (event) => {
    const column = event.target.dataset.col;
    if (column !== undefined) refresh(column);
  });
  form.addEventListener("submit", () => {
    leaving = true;
  });
  window.addEventListener("beforeunload", (event) => {
    if (!leaving && dirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
  // Paging, another month, a search: ask in words first; once agreed, no second question.
  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[href]");
    if (!link || link.getAttribute("href").startsWith("#")) return;
    if (!leaving && dirty()) {
      if (window.confirm(WARNING)) leaving = true;
      else event.preventDefault();
    }
  });
  document.querySelectorAll("form").forEach((other) => {
    if (other === form) return;
    other.addEventListener("submit", (event) => {
      if (!leaving && dirty()) {
        if (window.confirm(WARNING)) leaving = true;
        else event.preventDefault();
      }
    });
  });

  // --- the error summary: each line opens the group of its cell and focuses it.
  document.querySelectorAll(".error-link").forEach((link) => {
    link.addEventListener("click", (event) => {
      const input = document.getElementById(link.dataset.cell);
      if (!input) return;
      event.preventDefault();
      showGroup(groupOf(input));
      input.scrollIntoView({ block: "center", inline: "center" });
      input.focus({ preventScroll: true });
    });
  });

  if (switches.length) {
    switches.forEach((button) => {
      button.addEventListener("click", () => showGroup(button.dataset.showGroup));
    });
    const wrong = form.querySelector("input.is-invalid");
    const kept = sessionStorage.getItem(GROUP_KEY);
    const known = Array.from(switches).some((b) => b.dataset.showGroup === kept);
    showGroup(wrong ? groupOf(wrong) : known ? kept : switches[0].dataset.showGroup);
    if (wrong) document.getElementById("error-summary")?.focus();
  }
})();
