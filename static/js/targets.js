// Target grid: ↑ and ↓ move between units in the same column; the allocation check under the
// grid follows what is typed. Numbers may be typed as 1.500.000.
(function () {
  const form = document.getElementById("targets-form");
  if (!form) return;
  const format = new Intl.NumberFormat("vi-VN");

  function parse(text) {
    const digits = text.trim().replace(/[.\s\u00a0]/g, "");
    return /^\d+$/.test(digits) ? Number(digits) : 0;
  }

  form.addEventListener("keydown", (event) => {
    const column = event.target.dataset.col;
    if (column === undefined || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) return;
    const cells = Array.from(form.querySelectorAll(`input[data-col="${column}"]`));
    const next = cells[cells.indexOf(event.target) + (event.key === "ArrowDown" ? 1 : -1)];
    if (next) {
      event.preventDefault();
      next.focus();
      next.select();
    }
  });

  function refresh(column) {
    const total = form.querySelector(`[data-sum="${column}"]`);
    if (!total) return;
    let sum = Number(total.dataset.elsewhere || 0);
    form.querySelectorAll(`input[data-col="${column}"]`).forEach((input) => {
      sum += parse(input.value);
    });
    total.textContent = format.format(sum);
    const check = form.querySelector(`[data-check="${column}"]`);
    if (!check || check.dataset.own === "") return;
    const difference = sum - Number(check.dataset.own);
    check.textContent =
      difference === 0 ? "Khớp" : `${difference < 0 ? "Thiếu" : "Vượt"} ${format.format(Math.abs(difference))}`;
    check.className = `badge ${difference === 0 ? "text-bg-success" : difference < 0 ? "text-bg-danger" : "text-bg-warning"}`;
  }

  form.addEventListener("input", (event) => {
    const column = event.target.dataset.col;
    if (column !== undefined) refresh(column);
  });
})();
