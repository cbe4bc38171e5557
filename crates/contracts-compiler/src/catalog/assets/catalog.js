// The index page's search: filters the entries by name as you type. Runs
// from file:// (no server, no fetch); `index.html?q=goal` opens pre-filtered
// (the search box of the other pages submits there).
(() => {
  const input = document.getElementById("q");
  const count = document.getElementById("count");
  const nothing = document.getElementById("nothing");
  const entries = Array.from(document.querySelectorAll("li.entry"));
  const sections = Array.from(document.querySelectorAll("main section[id]")).filter((s) => s.querySelector("li.entry"));

  function apply(query) {
    const words = query.trim().toLowerCase().split(/\s+/).filter(Boolean);
    let shown = 0;
    for (const entry of entries) {
      const terms = entry.dataset.search.split(" ");
      const hit = words.every((w) => terms.some((t) => t.includes(w)));
      entry.hidden = !hit;
      if (hit) shown += 1;
    }
    for (const section of sections) {
      const visible = section.querySelectorAll("li.entry:not([hidden])").length;
      section.hidden = visible === 0;
      const n = section.querySelector("h2 .n");
      if (n) n.textContent = words.length ? `${visible} of ${section.querySelectorAll("li.entry").length}` : String(visible);
    }
    count.textContent = words.length ? `${shown} of ${entries.length} match “${query.trim()}”` : `${entries.length} entries`;
    nothing.hidden = shown > 0;
  }

  input.addEventListener("input", () => {
    apply(input.value);
    const url = new URL(window.location.href);
    if (input.value.trim()) url.searchParams.set("q", input.value.trim());
    else url.searchParams.delete("q");
    window.history.replaceState(null, "", url);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      input.value = "";
      input.dispatchEvent(new Event("input"));
    }
    if (event.key === "Enter") {
      const first = entries.find((e) => !e.hidden);
      const link = first && first.querySelector("a.name");
      if (link) link.click();
    }
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "/" && document.activeElement !== input) {
      event.preventDefault();
      input.focus();
    }
  });

  const initial = new URLSearchParams(window.location.search).get("q") || "";
  input.value = initial;
  apply(initial);
})();
