// Column totals of the entry grid follow what is typed; numbers may be typed as 1.500.000.
(function () {
  const form = document.getElementById("entry-form");
  if (!form) return;
  const format = new Intl.NumberFormat("vi-VN");

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

  form.addEventListener("input", (event) => {
    const column = event.target.dataset.col;
    if (column !== undefined) refresh(column);
  });
})();
