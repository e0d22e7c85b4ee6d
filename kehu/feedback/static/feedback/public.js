// Public survey page: show conditional questions and autosave the answers as they are typed
// (the CSP allows no inline scripts). Without JavaScript the form still posts and validates.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("survey-form");
  if (!form) { return; }
  const status = document.getElementById("autosave-status");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;

  const answers = () => {
    const result = {};
    form.querySelectorAll("fieldset.question:not([hidden])").forEach((set) => {
      const id = set.dataset.question;
      const inputs = set.querySelectorAll("input, textarea");
      const values = [];
      let multiple = false;
      inputs.forEach((input) => {
        if (input.type === "checkbox") { multiple = true; if (input.checked) { values.push(input.value); } }
        else if (input.type === "radio") { if (input.checked) { values.push(input.value); } }
        else if (input.value.trim()) { values.push(input.value); }
      });
      if (values.length) { result[id] = multiple ? values : values[0]; }
    });
    return result;
  };

  const applyConditions = () => {
    const given = {};
    form.querySelectorAll("fieldset.question").forEach((set) => {
      const picked = [...set.querySelectorAll("input:checked")].map((i) => i.value);
      given[set.dataset.question] = set.hidden ? [] : picked;
    });
    form.querySelectorAll("fieldset[data-show-if]").forEach((set) => {
      const wanted = JSON.parse(set.dataset.showValues || "[]");
      set.hidden = !(given[set.dataset.showIf] || []).some((v) => wanted.includes(v));
    });
  };

  let timer = null;
  const save = () => {
    fetch(form.dataset.autosave, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ answers: answers() }),
      credentials: "same-origin",
    }).then((r) => { status.textContent = r.ok ? status.dataset.saved : status.dataset.failed; })
      .catch(() => { status.textContent = status.dataset.failed; });
  };
  const changed = () => {
    applyConditions();
    clearTimeout(timer);
    timer = setTimeout(save, 400);
  };
  // A save still waiting would race the submission, which stores the answers anyway.
  form.addEventListener("submit", () => clearTimeout(timer));
  form.addEventListener("change", changed);
  form.addEventListener("input", changed);
  applyConditions();
});
